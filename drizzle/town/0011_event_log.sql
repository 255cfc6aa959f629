CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`at` text NOT NULL,
	`rig_id` text,
	`convoy_id` text,
	`bead_id` text,
	`escalation_id` text,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_convoy_idx` ON `events` (`convoy_id`,`seq`) WHERE "events"."convoy_id" is not null;--> statement-breakpoint
CREATE INDEX `events_escalation_idx` ON `events` (`escalation_id`,`seq`) WHERE "events"."escalation_id" is not null;