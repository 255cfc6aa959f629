ALTER TABLE `escalations` ADD `idempotency_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `escalations_idempotency_key_unique` ON `escalations` (`idempotency_key`);