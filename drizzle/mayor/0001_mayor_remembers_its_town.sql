CREATE TABLE `mayor` (
	`town_id` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL
);
