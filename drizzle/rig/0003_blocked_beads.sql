DROP INDEX `beads_claimable_idx`;--> statement-breakpoint
ALTER TABLE `beads` ADD `blocked` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `beads_claimable_idx` ON `beads` (`created_at`) WHERE "beads"."status" = 'open' and "beads"."retry_at" is null and "beads"."blocked" = 0;