ALTER TABLE `town_settings` ADD `aging_minutes` integer;--> statement-breakpoint
ALTER TABLE `convoys` ADD `priority` integer DEFAULT 2 NOT NULL;