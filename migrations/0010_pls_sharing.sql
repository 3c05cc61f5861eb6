CREATE TABLE `course_templates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`title` text NOT NULL,
	`why` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`steps` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `course_templates_course_idx` ON `course_templates` (`course_id`);--> statement-breakpoint
CREATE TABLE `grant_access` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`grant_id` integer NOT NULL,
	`at` integer NOT NULL,
	`via` text NOT NULL,
	`what` text NOT NULL,
	FOREIGN KEY (`grant_id`) REFERENCES `grants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `grant_access_grant_idx` ON `grant_access` (`grant_id`,`at`);--> statement-breakpoint
CREATE TABLE `grants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` integer NOT NULL,
	`audience` text NOT NULL,
	`audience_kind` text DEFAULT 'other' NOT NULL,
	`scopes` text NOT NULL,
	`link_hash` text,
	`token_hash` text,
	`expires_at` integer,
	`revoked_at` integer,
	`last_used_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `grants_link_hash_unique` ON `grants` (`link_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `grants_token_hash_unique` ON `grants` (`token_hash`);--> statement-breakpoint
CREATE INDEX `grants_person_idx` ON `grants` (`person_id`);--> statement-breakpoint
CREATE TABLE `pls_follows` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` integer NOT NULL,
	`feed_url` text NOT NULL,
	`title` text DEFAULT '' NOT NULL,
	`etag` text,
	`last_modified` text,
	`last_polled_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pls_follows_person_url_idx` ON `pls_follows` (`person_id`,`feed_url`);--> statement-breakpoint
CREATE TABLE `pls_homes` (
	`person_id` integer PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `pls_remote_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`follow_id` integer NOT NULL,
	`url` text NOT NULL,
	`title` text DEFAULT '' NOT NULL,
	`excerpt` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`published_at` integer,
	FOREIGN KEY (`follow_id`) REFERENCES `pls_follows`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pls_remote_items_follow_url_idx` ON `pls_remote_items` (`follow_id`,`url`);--> statement-breakpoint
CREATE TABLE `suggestions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` integer NOT NULL,
	`grant_id` integer,
	`from_label` text NOT NULL,
	`kind` text NOT NULL,
	`objective_id` integer,
	`title` text NOT NULL,
	`body` text DEFAULT '' NOT NULL,
	`url` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`grant_id`) REFERENCES `grants`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`objective_id`) REFERENCES `objectives`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `suggestions_person_idx` ON `suggestions` (`person_id`,`status`);