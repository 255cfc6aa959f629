CREATE TABLE `storage_watch` (
	`id` integer PRIMARY KEY NOT NULL,
	`last_checked_at` text NOT NULL,
	`last_size_bytes` integer NOT NULL,
	`over_budget_since` text,
	`escalation_id` text,
	CONSTRAINT "storage_watch_singleton" CHECK("storage_watch"."id" = 1)
);
--> statement-breakpoint
DROP INDEX `convoy_beads_position_idx`;--> statement-breakpoint
DROP INDEX `convoy_beads_rig_idx`;--> statement-breakpoint
DROP INDEX `convoy_beads_rig_status_idx`;--> statement-breakpoint
CREATE INDEX `convoy_beads_position_rig_idx` ON `convoy_beads` (`convoy_id`,`position`,`rig_id`);--> statement-breakpoint
ALTER TABLE `convoys` ADD `cancelled_at` text;--> statement-breakpoint
ALTER TABLE `convoys` ADD `compacted_at` text;--> statement-breakpoint
CREATE INDEX `convoys_compaction_idx` ON `convoys` (`compacted_at`,`status`,`created_at`);