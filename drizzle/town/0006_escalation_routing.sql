CREATE TABLE `escalation_routing` (
	`id` integer PRIMARY KEY NOT NULL,
	`webhook_url` text,
	`email_to` text,
	`routes` text,
	`stale_after_minutes` integer,
	`max_re_escalations` integer,
	`webhook_disabled_at` text,
	`webhook_disabled_reason` text,
	`updated_at` text NOT NULL,
	CONSTRAINT "escalation_routing_singleton" CHECK("escalation_routing"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE `escalations` ADD `original_severity` text;--> statement-breakpoint
ALTER TABLE `escalations` ADD `acknowledged_by` text;--> statement-breakpoint
ALTER TABLE `escalations` ADD `last_re_escalated_at` text;--> statement-breakpoint
CREATE INDEX `escalations_ack_created_idx` ON `escalations` (`acknowledged`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `escalations_severity_created_idx` ON `escalations` (`severity`,`created_at`,`id`);