DROP INDEX `convoy_beads_rig_idx`;--> statement-breakpoint
DROP INDEX `convoy_beads_rig_status_idx`;