CREATE TABLE `convoy_rig_counts` (
	`convoy_id` text NOT NULL,
	`rig_id` text NOT NULL,
	`total_beads` integer DEFAULT 0 NOT NULL,
	`closed_beads` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`convoy_id`, `rig_id`)
);
--> statement-breakpoint
CREATE TABLE `storage_watch` (
	`id` integer PRIMARY KEY NOT NULL,
	`last_checked_at` text NOT NULL,
	`last_size_bytes` integer NOT NULL,
	`over_budget_since` text,
	`escalation_id` text,
	CONSTRAINT "storage_watch_singleton" CHECK("storage_watch"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE `convoys` ADD `cancelled_at` text;--> statement-breakpoint
ALTER TABLE `convoys` ADD `compacted_at` text;--> statement-breakpoint
CREATE INDEX `convoys_compaction_idx` ON `convoys` (`compacted_at`,`status`,`created_at`);