CREATE TABLE `blocked_authors` (
	`course_id` integer NOT NULL,
	`kind` text NOT NULL,
	`author_key` text NOT NULL,
	`label` text NOT NULL,
	`blocked_by` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`course_id`, `kind`, `author_key`),
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`blocked_by`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `identities` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` integer NOT NULL,
	`kind` text NOT NULL,
	`address` text NOT NULL,
	`author_key` text NOT NULL,
	`verify_code` text NOT NULL,
	`verified_at` integer,
	`verified_by` text,
	`last_check_error` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identities_person_kind_key_uq` ON `identities` (`person_id`,`kind`,`author_key`);--> statement-breakpoint
CREATE INDEX `identities_kind_key_idx` ON `identities` (`kind`,`author_key`);--> statement-breakpoint
CREATE TABLE `service_sessions` (
	`service` text PRIMARY KEY NOT NULL,
	`data` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `items` ADD `remote_id` text;--> statement-breakpoint
ALTER TABLE `items` ADD `author_key` text;--> statement-breakpoint
ALTER TABLE `items` ADD `author_handle` text;--> statement-breakpoint
ALTER TABLE `items` ADD `author_url` text;--> statement-breakpoint
ALTER TABLE `items` ADD `content_warning` text;--> statement-breakpoint
ALTER TABLE `items` ADD `sensitive` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `items` ADD `cross_post_of` integer;--> statement-breakpoint
CREATE INDEX `items_course_author_idx` ON `items` (`course_id`,`author_key`);--> statement-breakpoint
CREATE INDEX `items_cross_post_idx` ON `items` (`cross_post_of`);--> statement-breakpoint
ALTER TABLE `sources` ADD `tag` text;--> statement-breakpoint
ALTER TABLE `sources` ADD `access_token` text;--> statement-breakpoint
ALTER TABLE `sources` ADD `cursor` text;