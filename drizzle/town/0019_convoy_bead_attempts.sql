ALTER TABLE `convoy_beads` ADD `attempt` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `held_by` text;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `ref` text;