CREATE TABLE `objectives` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` integer NOT NULL,
	`title` text NOT NULL,
	`why` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`target_date` text,
	`status` text DEFAULT 'planned' NOT NULL,
	`visibility` text DEFAULT 'private' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`achieved_at` integer,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `objectives_person_idx` ON `objectives` (`person_id`,`status`);--> statement-breakpoint
CREATE TABLE `plan_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` integer NOT NULL,
	`objective_id` integer,
	`what` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `plan_changes_person_idx` ON `plan_changes` (`person_id`,`at`);--> statement-breakpoint
CREATE TABLE `plan_steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`objective_id` integer NOT NULL,
	`title` text NOT NULL,
	`status` text DEFAULT 'todo' NOT NULL,
	`resource_url` text,
	`due_date` text,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`objective_id`) REFERENCES `objectives`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `plan_steps_objective_idx` ON `plan_steps` (`objective_id`,`position`);--> statement-breakpoint
CREATE TABLE `portfolio_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` integer NOT NULL,
	`item_id` integer,
	`url` text NOT NULL,
	`title` text NOT NULL,
	`kind` text NOT NULL,
	`reflection` text DEFAULT '' NOT NULL,
	`visibility` text DEFAULT 'private' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`item_id`) REFERENCES `items`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `portfolio_entries_person_idx` ON `portfolio_entries` (`person_id`);--> statement-breakpoint
CREATE INDEX `portfolio_entries_item_idx` ON `portfolio_entries` (`item_id`);--> statement-breakpoint
CREATE TABLE `portfolio_links` (
	`entry_id` integer NOT NULL,
	`objective_id` integer NOT NULL,
	`auto` integer DEFAULT false NOT NULL,
	`removed` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`entry_id`, `objective_id`),
	FOREIGN KEY (`entry_id`) REFERENCES `portfolio_entries`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`objective_id`) REFERENCES `objectives`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `portfolio_links_objective_idx` ON `portfolio_links` (`objective_id`);--> statement-breakpoint
CREATE TABLE `resources` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` integer NOT NULL,
	`objective_id` integer,
	`title` text NOT NULL,
	`url` text NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`suggested_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`objective_id`) REFERENCES `objectives`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `resources_person_idx` ON `resources` (`person_id`);