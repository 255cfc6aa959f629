ALTER TABLE `convoy_beads` ADD `title` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `body` text;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `position` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `convoy_beads` ADD `delivered` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `convoy_beads_position_idx` ON `convoy_beads` (`convoy_id`,`position`);--> statement-breakpoint
CREATE INDEX `convoy_beads_delivery_idx` ON `convoy_beads` (`convoy_id`,`rig_id`,`delivered`,`position`);--> statement-breakpoint
ALTER TABLE `convoys` ADD `idempotency_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `convoys_idempotency_key_unique` ON `convoys` (`idempotency_key`);