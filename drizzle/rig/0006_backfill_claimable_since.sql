-- Beads open before priorities existed wait from when they arrived, or until their backoff ends.
UPDATE `beads` SET `claimable_since` = coalesce(`retry_at`, `created_at`) WHERE `claimable_since` IS NULL AND `status` = 'open';
