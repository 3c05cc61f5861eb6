ALTER TABLE `sources` ADD `websub_hub` text;--> statement-breakpoint
ALTER TABLE `sources` ADD `websub_topic` text;