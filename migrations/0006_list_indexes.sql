DROP INDEX `items_course_author_idx`;--> statement-breakpoint
DROP INDEX `items_cross_post_idx`;--> statement-breakpoint
CREATE INDEX `items_author_idx` ON `items` (`author_key`);--> statement-breakpoint
CREATE INDEX `items_course_person_published_idx` ON `items` (`course_id`,`person_id`,`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `items_cross_post_idx` ON `items` (`cross_post_of`) WHERE "items"."cross_post_of" IS NOT NULL;