DROP INDEX `convoy_beads_position_idx`;--> statement-breakpoint
CREATE INDEX `convoy_beads_position_rig_idx` ON `convoy_beads` (`convoy_id`,`position`,`rig_id`);