CREATE TABLE `source_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`kind` text NOT NULL,
	`at` integer NOT NULL,
	`detail` text,
	FOREIGN KEY (`source_id`) REFERENCES `sources`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `source_events_source_kind_at_uq` ON `source_events` (`source_id`,`kind`,`at`);--> statement-breakpoint
CREATE INDEX `source_events_course_at_idx` ON `source_events` (`course_id`,`at`);--> statement-breakpoint
ALTER TABLE `sources` ADD `last_error_code` text;--> statement-breakpoint
-- Polling is now bound to the course's life (at most an hour between polls while a course runs):
-- a healthy source scheduled further out than that by the old adaptive schedule is due within the hour.
UPDATE `sources` SET `next_poll_at` = MIN(`next_poll_at`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) + 3600000) WHERE `status` = 'active' AND `failure_count` = 0;
