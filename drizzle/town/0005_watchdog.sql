CREATE TABLE `health_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`target` text NOT NULL,
	`checked_at` text NOT NULL,
	`status` text NOT NULL,
	`latency_ms` integer NOT NULL,
	`error` text,
	`transition` text,
	CONSTRAINT "health_checks_status_check" CHECK("health_checks"."status" in ('healthy', 'unhealthy', 'unavailable')),
	CONSTRAINT "health_checks_transition_check" CHECK("health_checks"."transition" in ('failing', 'escalated', 'recovered'))
);
--> statement-breakpoint
CREATE INDEX `health_checks_target_idx` ON `health_checks` (`target`,`id`);--> statement-breakpoint
CREATE TABLE `health_targets` (
	`target` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`last_checked_at` text NOT NULL,
	`latency_ms` integer NOT NULL,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`last_healthy_at` text,
	`failing_since` text,
	`escalation_id` text,
	CONSTRAINT "health_targets_kind_check" CHECK("health_targets"."kind" in ('rig', 'container')),
	CONSTRAINT "health_targets_status_check" CHECK("health_targets"."status" in ('healthy', 'unhealthy', 'unavailable'))
);
--> statement-breakpoint
CREATE TABLE `watchdog_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`last_heartbeat_at` text NOT NULL,
	`last_duration_ms` integer NOT NULL,
	`last_step_errors` integer NOT NULL
);
