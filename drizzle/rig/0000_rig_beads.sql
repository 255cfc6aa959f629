CREATE TABLE `beads` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`body` text,
	`status` text DEFAULT 'open' NOT NULL,
	`convoy_id` text,
	`close_reason` text,
	`created_at` text NOT NULL,
	`closed_at` text,
	CONSTRAINT "beads_status_check" CHECK("beads"."status" in ('open', 'in_progress', 'closed')),
	CONSTRAINT "beads_close_reason_check" CHECK("beads"."close_reason" is null or "beads"."close_reason" in ('done', 'cancelled'))
);
--> statement-breakpoint
CREATE INDEX `beads_status_created_idx` ON `beads` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `beads_convoy_idx` ON `beads` (`convoy_id`,`status`);--> statement-breakpoint
CREATE TABLE `cancelled_convoys` (
	`convoy_id` text PRIMARY KEY NOT NULL,
	`cancelled_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rig` (
	`town_id` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `schedule` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`payload` text,
	`due_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `schedule_due_idx` ON `schedule` (`due_at`);