ALTER TABLE `items` ADD `recheck_at` integer;--> statement-breakpoint
ALTER TABLE `items` ADD `recheck_misses` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `items_recheck_idx` ON `items` (`recheck_at`);--> statement-breakpoint
ALTER TABLE `sources` ADD `owner_name` text;--> statement-breakpoint
ALTER TABLE `sources` ADD `home_page_url` text;--> statement-breakpoint
ALTER TABLE `sources` ADD `discovery_note` text;