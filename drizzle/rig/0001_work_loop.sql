CREATE TABLE `town_reports` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`bead_id` text,
	`convoy_id` text,
	`at` text NOT NULL,
	`data` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
ALTER TABLE `beads` ADD `outcome` text;--> statement-breakpoint
ALTER TABLE `beads` ADD `attempt` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `beads` ADD `max_attempts` integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE `beads` ADD `require_ref` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `beads` ADD `held_by` text;--> statement-breakpoint
ALTER TABLE `beads` ADD `lease_expires_at` text;--> statement-breakpoint
ALTER TABLE `beads` ADD `retry_at` text;--> statement-breakpoint
ALTER TABLE `beads` ADD `reason` text;--> statement-breakpoint
ALTER TABLE `beads` ADD `ref` text;--> statement-breakpoint
ALTER TABLE `beads` ADD `last_agent_id` text;--> statement-breakpoint
ALTER TABLE `beads` ADD `last_result` text;--> statement-breakpoint
CREATE INDEX `beads_claimable_idx` ON `beads` (`created_at`) WHERE "beads"."status" = 'open' and "beads"."retry_at" is null;--> statement-breakpoint
CREATE INDEX `beads_retry_idx` ON `beads` (`retry_at`) WHERE "beads"."status" = 'open' and "beads"."retry_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `beads_held_by_unique` ON `beads` (`held_by`) WHERE "beads"."held_by" is not null;--> statement-breakpoint
ALTER TABLE `rig` ADD `breaker_state` text DEFAULT 'closed' NOT NULL;--> statement-breakpoint
ALTER TABLE `rig` ADD `breaker_opened_at` text;--> statement-breakpoint
ALTER TABLE `rig` ADD `breaker_reopens_at` text;--> statement-breakpoint
ALTER TABLE `rig` ADD `breaker_cooldown_ms` integer;--> statement-breakpoint
ALTER TABLE `rig` ADD `breaker_probe_bead_id` text;--> statement-breakpoint
ALTER TABLE `rig` ADD `breaker_failures` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `rig` ADD `loop_settings` text;