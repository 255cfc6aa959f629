CREATE TABLE `town` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL
);
