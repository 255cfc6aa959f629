ALTER TABLE `convoys` ADD `rig_progress` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `convoys` ADD `close_ms_sketch` text DEFAULT '{}' NOT NULL;