-- Custom SQL migration file, put your code below! --
-- Per-rig progress of the convoys that existed before `rig_progress`: counted once, here, from their
-- bead rows. Their closes carry no time, so their close sketches stay empty.
UPDATE `convoys` SET `rig_progress` = coalesce((
  SELECT json_group_object(`rig_id`, json(`counts`)) FROM (
    SELECT `rig_id`, json_array(count(*), sum(`status` = 'closed')) AS `counts`
    FROM `convoy_beads` WHERE `convoy_beads`.`convoy_id` = `convoys`.`id` GROUP BY `rig_id`
  )
), '{}');
