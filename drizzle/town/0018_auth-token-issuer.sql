ALTER TABLE `auth_tokens` ADD `issued_by` text;--> statement-breakpoint
CREATE INDEX `auth_tokens_created_idx` ON `auth_tokens` (`created_at`,`id`);