DROP INDEX `convoy_beads_position_idx`;--> statement-breakpoint
DROP INDEX `convoy_beads_rig_idx`;--> statement-breakpoint
DROP INDEX `convoy_beads_rig_status_idx`;--> statement-breakpoint
CREATE INDEX `convoy_beads_position_rig_idx` ON `convoy_beads` (`convoy_id`,`position`,`rig_id`);