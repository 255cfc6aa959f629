DROP INDEX `escalations_idempotency_key_unique`;--> statement-breakpoint
DROP INDEX `escalations_open_dedup_key_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `escalations_source_idempotency_key_unique` ON `escalations` (`source_rig_id`,`idempotency_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `escalations_source_open_dedup_key_unique` ON `escalations` (`source_rig_id`,`dedup_key`) WHERE "escalations"."resolved_at" is null;