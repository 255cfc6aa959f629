CREATE TABLE `mail` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`data` text NOT NULL,
	`sent_at` text NOT NULL,
	`received_at` text NOT NULL,
	`read_at` text
);
--> statement-breakpoint
CREATE INDEX `mail_received_idx` ON `mail` (`received_at`,`id`);--> statement-breakpoint
CREATE INDEX `mail_unread_idx` ON `mail` (`read_at`,`received_at`,`id`);