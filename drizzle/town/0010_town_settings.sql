CREATE TABLE `town_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`event_retention_days` integer,
	`convoy_retention_days` integer,
	`outbox_retention_days` integer,
	`storage_budget_bytes` integer,
	`updated_at` text NOT NULL,
	CONSTRAINT "town_settings_singleton" CHECK("town_settings"."id" = 1)
);
