CREATE TABLE `escalation_group_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`last_flush_at` text,
	CONSTRAINT "escalation_group_state_singleton" CHECK("escalation_group_state"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `escalation_held` (
	`escalation_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`held_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `escalation_notices` (
	`escalation_id` text NOT NULL,
	`event_id` text NOT NULL,
	`channel` text NOT NULL,
	PRIMARY KEY(`escalation_id`, `event_id`, `channel`)
);
--> statement-breakpoint
CREATE TABLE `escalation_silences` (
	`id` text PRIMARY KEY NOT NULL,
	`source_rig_id` text,
	`category` text,
	`severity` text,
	`dedup_key_prefix` text,
	`starts_at` text NOT NULL,
	`ends_at` text NOT NULL,
	`reason` text NOT NULL,
	`created_by` text,
	`ended_at` text
);
--> statement-breakpoint
CREATE INDEX `escalation_silences_ends_idx` ON `escalation_silences` (`ended_at`,`ends_at`);--> statement-breakpoint
ALTER TABLE `escalations` ADD `dedup_key` text;--> statement-breakpoint
ALTER TABLE `escalations` ADD `occurrences` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `escalations` ADD `last_seen_at` text;--> statement-breakpoint
ALTER TABLE `escalations` ADD `resolved_at` text;--> statement-breakpoint
ALTER TABLE `escalations` ADD `resolved_by` text;--> statement-breakpoint
ALTER TABLE `escalations` ADD `resolve_reason` text;--> statement-breakpoint
ALTER TABLE `escalations` ADD `status` text GENERATED ALWAYS AS (case when resolved_at is not null then 'resolved' when acknowledged then 'acknowledged' else 'open' end) VIRTUAL;--> statement-breakpoint
ALTER TABLE `escalations` ADD `convoy_id` text;--> statement-breakpoint
ALTER TABLE `escalations` ADD `bead_id` text;--> statement-breakpoint
ALTER TABLE `escalations` ADD `silenced_by` text;--> statement-breakpoint
ALTER TABLE `escalations` ADD `inhibited_by` text;--> statement-breakpoint
ALTER TABLE `escalations` ADD `clock_from` text;--> statement-breakpoint
CREATE INDEX `escalations_status_created_idx` ON `escalations` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `escalations_open_dedup_key_unique` ON `escalations` (`dedup_key`) WHERE "escalations"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX `escalations_open_convoy_idx` ON `escalations` (`convoy_id`,`bead_id`) WHERE "escalations"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX `escalations_silenced_idx` ON `escalations` (`silenced_by`);--> statement-breakpoint
CREATE INDEX `escalations_inhibited_idx` ON `escalations` (`inhibited_by`);--> statement-breakpoint
ALTER TABLE `escalation_routing` ADD `group_wait_seconds` integer;--> statement-breakpoint
ALTER TABLE `escalation_routing` ADD `group_interval_seconds` integer;