DROP INDEX `beads_status_created_idx`;--> statement-breakpoint
CREATE INDEX `beads_status_idx` ON `beads` (`status`);