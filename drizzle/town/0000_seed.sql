CREATE TABLE `convoy_beads` (
	`convoy_id` text NOT NULL,
	`bead_id` text NOT NULL,
	`rig_id` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	PRIMARY KEY(`convoy_id`, `bead_id`),
	CONSTRAINT "convoy_beads_status_check" CHECK("convoy_beads"."status" in ('open', 'closed'))
);
--> statement-breakpoint
CREATE TABLE `convoys` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`total_beads` integer DEFAULT 0 NOT NULL,
	`closed_beads` integer DEFAULT 0 NOT NULL,
	`created_by` text,
	`created_at` text NOT NULL,
	`landed_at` text,
	CONSTRAINT "convoys_status_check" CHECK("convoys"."status" in ('active', 'landed', 'cancelled'))
);
--> statement-breakpoint
CREATE INDEX `convoys_created_idx` ON `convoys` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `convoys_status_created_idx` ON `convoys` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `escalations` (
	`id` text PRIMARY KEY NOT NULL,
	`source_rig_id` text NOT NULL,
	`source_agent_id` text,
	`severity` text NOT NULL,
	`category` text,
	`message` text NOT NULL,
	`acknowledged` integer DEFAULT false NOT NULL,
	`re_escalation_count` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`acknowledged_at` text,
	CONSTRAINT "escalations_severity_check" CHECK("escalations"."severity" in ('low', 'medium', 'high', 'critical'))
);
--> statement-breakpoint
CREATE INDEX `escalations_created_idx` ON `escalations` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `rigs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`rig_do_id` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rigs_name_unique` ON `rigs` (`name`);