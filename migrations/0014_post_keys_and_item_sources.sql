CREATE TABLE `item_sources` (
	`item_id` integer NOT NULL,
	`source_id` integer NOT NULL,
	PRIMARY KEY(`item_id`, `source_id`),
	FOREIGN KEY (`item_id`) REFERENCES `items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_id`) REFERENCES `sources`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `item_sources_source_idx` ON `item_sources` (`source_id`);--> statement-breakpoint
DROP INDEX `items_course_url_uq`;--> statement-breakpoint
ALTER TABLE `items` ADD `post_key` text;--> statement-breakpoint
ALTER TABLE `items` ADD `author_sites` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `items_course_key_uq` ON `items` (`course_id`,`post_key`);--> statement-breakpoint
CREATE INDEX `items_course_url_idx` ON `items` (`course_id`,`canonical_url`);--> statement-breakpoint
CREATE INDEX `items_unkeyed_idx` ON `items` (`id`) WHERE "items"."post_key" IS NULL;--> statement-breakpoint
ALTER TABLE `tombstones` ADD `post_key` text;--> statement-breakpoint
CREATE INDEX `tombstones_course_key_idx` ON `tombstones` (`course_id`,`post_key`);--> statement-breakpoint
CREATE INDEX `tombstones_unkeyed_idx` ON `tombstones` (`course_id`) WHERE "tombstones"."post_key" IS NULL;--> statement-breakpoint
-- Every item's source so far is its one source.
INSERT OR IGNORE INTO `item_sources` (`item_id`, `source_id`) SELECT `id`, `source_id` FROM `items` WHERE `source_id` IS NOT NULL;
