-- drizzle-kit listed the new columns (done_beads … last_progress_at) in the copy too; the old table has
-- none of them, so only the old columns are copied and the new ones take their defaults (fixed before
-- this migration was ever applied).
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_convoys` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`total_beads` integer DEFAULT 0 NOT NULL,
	`closed_beads` integer DEFAULT 0 NOT NULL,
	`done_beads` integer DEFAULT 0 NOT NULL,
	`failed_beads` integer DEFAULT 0 NOT NULL,
	`skipped_beads` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 3 NOT NULL,
	`require_ref` integer DEFAULT false NOT NULL,
	`failed_at` text,
	`last_progress_at` text,
	`created_by` text,
	`created_at` text NOT NULL,
	`landed_at` text,
	`cancelled_at` text,
	`compacted_at` text,
	`idempotency_key` text,
	`rig_progress` text DEFAULT '{}' NOT NULL,
	`close_ms_sketch` text DEFAULT '{}' NOT NULL,
	`due_at` text,
	`due_alert` text,
	`due_check_at` integer,
	`watchers` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "convoys_status_check" CHECK("__new_convoys"."status" in ('active', 'landed', 'failed', 'cancelled'))
);
--> statement-breakpoint
INSERT INTO `__new_convoys`("id", "title", "status", "total_beads", "closed_beads", "created_by", "created_at", "landed_at", "cancelled_at", "compacted_at", "idempotency_key", "rig_progress", "close_ms_sketch", "due_at", "due_alert", "due_check_at", "watchers") SELECT "id", "title", "status", "total_beads", "closed_beads", "created_by", "created_at", "landed_at", "cancelled_at", "compacted_at", "idempotency_key", "rig_progress", "close_ms_sketch", "due_at", "due_alert", "due_check_at", "watchers" FROM `convoys`;--> statement-breakpoint
DROP TABLE `convoys`;--> statement-breakpoint
ALTER TABLE `__new_convoys` RENAME TO `convoys`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `convoys_created_idx` ON `convoys` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `convoys_status_created_idx` ON `convoys` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `convoys_idempotency_key_unique` ON `convoys` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `convoys_compaction_idx` ON `convoys` (`compacted_at`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `convoys_due_check_idx` ON `convoys` (`due_check_at`) WHERE "convoys"."due_check_at" is not null;--> statement-breakpoint
ALTER TABLE `town_settings` ADD `breaker_failures` integer;--> statement-breakpoint
ALTER TABLE `town_settings` ADD `breaker_window_minutes` integer;--> statement-breakpoint
ALTER TABLE `town_settings` ADD `breaker_cooldown_minutes` integer;--> statement-breakpoint
ALTER TABLE `town_settings` ADD `stranded_after_minutes` integer;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `outcome` text;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `attempt` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `held_by` text;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `ref` text;--> statement-breakpoint
ALTER TABLE `rigs` ADD `breaker_state` text DEFAULT 'closed' NOT NULL;--> statement-breakpoint
ALTER TABLE `rigs` ADD `breaker_opened_at` text;--> statement-breakpoint
ALTER TABLE `rigs` ADD `breaker_reopens_at` text;--> statement-breakpoint
ALTER TABLE `rigs` ADD `reported_through` integer DEFAULT 0 NOT NULL;