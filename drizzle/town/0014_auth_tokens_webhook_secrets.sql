CREATE TABLE `auth_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`rig_id` text,
	`label` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE INDEX `auth_tokens_rig_idx` ON `auth_tokens` (`rig_id`);--> statement-breakpoint
CREATE TABLE `webhook_secrets` (
	`id` text PRIMARY KEY NOT NULL,
	`secret` text NOT NULL,
	`created_at` text NOT NULL,
	`retires_at` text
);
