-- Custom SQL migration file, put your code below! ---- Beads closed by their work before outcomes existed were all successes: `done`. Beads closed by a
-- convoy's cancel keep no outcome.
UPDATE `beads` SET `outcome` = 'done' WHERE `status` = 'closed' AND `close_reason` = 'done';
