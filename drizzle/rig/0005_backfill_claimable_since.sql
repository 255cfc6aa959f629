-- Beads claimable before priorities existed wait from when they arrived (the best time the rig knows).
UPDATE `beads` SET `claimable_since` = coalesce(`retry_at`, `created_at`) WHERE `claimable_since` IS NULL AND `status` = 'open';
