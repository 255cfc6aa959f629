CREATE TABLE `pauses` (
	`scope` text PRIMARY KEY NOT NULL,
	`paused` integer NOT NULL,
	`version` integer NOT NULL
);
