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
