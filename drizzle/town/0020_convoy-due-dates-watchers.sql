CREATE TABLE `convoy_watchers` (
	`id` text PRIMARY KEY NOT NULL,
	`convoy_id` text NOT NULL,
	`webhook_url` text,
	`email` text,
	`signing_secret` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `convoy_watchers_convoy_idx` ON `convoy_watchers` (`convoy_id`,`created_at`,`id`);--> statement-breakpoint
ALTER TABLE `convoys` ADD `due_at` text;--> statement-breakpoint
ALTER TABLE `convoys` ADD `due_alert` text;--> statement-breakpoint
ALTER TABLE `convoys` ADD `due_check_at` integer;--> statement-breakpoint
ALTER TABLE `convoys` ADD `watchers` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `convoys_due_check_idx` ON `convoys` (`due_check_at`) WHERE "convoys"."due_check_at" is not null;--> statement-breakpoint
ALTER TABLE `outbox` ADD `watcher_id` text;