-- Every close before outcomes existed was a success: `done`, counted as such.
UPDATE `convoy_beads` SET `outcome` = 'done' WHERE `status` = 'closed';--> statement-breakpoint
UPDATE `convoys` SET `done_beads` = `closed_beads`;
