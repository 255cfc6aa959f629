CREATE TABLE `convoy_bead_deps` (
	`convoy_id` text NOT NULL,
	`dependency_id` text NOT NULL,
	`dependent_id` text NOT NULL,
	PRIMARY KEY(`convoy_id`, `dependency_id`, `dependent_id`)
);
--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `key` text;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `depends_on` text;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `waiting_on` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `wave` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `skipped_by` text;--> statement-breakpoint
CREATE UNIQUE INDEX `convoy_beads_key_unique` ON `convoy_beads` (`convoy_id`,`key`) WHERE "convoy_beads"."key" is not null;--> statement-breakpoint
ALTER TABLE `convoys` ADD `blocked_beads` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `convoys` ADD `waves` integer DEFAULT 1 NOT NULL;