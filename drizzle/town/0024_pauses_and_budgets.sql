CREATE TABLE `cost_reports` (
	`bead_id` text NOT NULL,
	`report_id` text NOT NULL,
	`at` text NOT NULL,
	PRIMARY KEY(`bead_id`, `report_id`)
);
--> statement-breakpoint
CREATE TABLE `spend_days` (
	`day` text PRIMARY KEY NOT NULL,
	`spent` real DEFAULT 0 NOT NULL,
	`budget_alert` text
);
--> statement-breakpoint
CREATE TABLE `pause_versions` (
	`scope` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pauses` (
	`scope` text NOT NULL,
	`cause` text NOT NULL,
	`reason` text NOT NULL,
	`paused_by` text NOT NULL,
	`paused_at` text NOT NULL,
	PRIMARY KEY(`scope`, `cause`)
);
--> statement-breakpoint
ALTER TABLE `town_settings` ADD `daily_budget` real;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `spent` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `convoys` ADD `spent` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `convoys` ADD `budget` real;--> statement-breakpoint
ALTER TABLE `convoys` ADD `budget_alert` text;--> statement-breakpoint
ALTER TABLE `convoys` ADD `pause_causes` integer DEFAULT 0 NOT NULL;