CREATE TABLE `websub_subscriptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source_id` integer,
	`hub` text NOT NULL,
	`topic` text NOT NULL,
	`callback_id` text NOT NULL,
	`secret` text NOT NULL,
	`state` text NOT NULL,
	`requested_at` integer NOT NULL,
	`verified_at` integer,
	`lease_expires_at` integer,
	`last_delivery_at` integer,
	`last_error` text,
	FOREIGN KEY (`source_id`) REFERENCES `sources`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `websub_subscriptions_callback_id_unique` ON `websub_subscriptions` (`callback_id`);--> statement-breakpoint
CREATE INDEX `websub_subscriptions_source_idx` ON `websub_subscriptions` (`source_id`);