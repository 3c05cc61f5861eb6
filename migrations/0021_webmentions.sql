CREATE TABLE `webmentions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`source` text NOT NULL,
	`target` text NOT NULL,
	`source_host` text NOT NULL,
	`client_hash` text NOT NULL,
	`status_id` text NOT NULL,
	`state` text NOT NULL,
	`reason` text,
	`item_id` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_until` integer,
	`received_at` integer NOT NULL,
	`checked_at` integer,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`item_id`) REFERENCES `items`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webmentions_status_id_unique` ON `webmentions` (`status_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `webmentions_source_target_uq` ON `webmentions` (`source`,`target`);--> statement-breakpoint
CREATE INDEX `webmentions_pending_idx` ON `webmentions` (`state`,`lease_until`);--> statement-breakpoint
CREATE INDEX `webmentions_host_idx` ON `webmentions` (`source_host`,`received_at`);--> statement-breakpoint
CREATE INDEX `webmentions_client_idx` ON `webmentions` (`client_hash`,`received_at`);--> statement-breakpoint
ALTER TABLE `courses` ADD `mentions_join` integer DEFAULT false NOT NULL;