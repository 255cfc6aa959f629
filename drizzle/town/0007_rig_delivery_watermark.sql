CREATE TABLE `convoy_rig_deliveries` (
	`convoy_id` text NOT NULL,
	`rig_id` text NOT NULL,
	`delivered_through` integer NOT NULL,
	PRIMARY KEY(`convoy_id`, `rig_id`)
);
--> statement-breakpoint
DROP INDEX `convoy_beads_delivery_idx`;--> statement-breakpoint
CREATE INDEX `convoy_beads_rig_idx` ON `convoy_beads` (`convoy_id`,`rig_id`,`position`);--> statement-breakpoint
ALTER TABLE `convoy_beads` DROP COLUMN `delivered`;