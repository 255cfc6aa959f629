DROP INDEX `beads_claimable_idx`;--> statement-breakpoint
DROP INDEX `beads_retry_idx`;--> statement-breakpoint
ALTER TABLE `beads` ADD `priority` integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE `beads` ADD `claimable_since` text;--> statement-breakpoint
CREATE INDEX `beads_claimable_priority_idx` ON `beads` (`priority`,`claimable_since`) WHERE "beads"."status" = 'open' and "beads"."blocked" = 0;