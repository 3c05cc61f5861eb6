CREATE TABLE `feed_versions` (
	`path` text PRIMARY KEY NOT NULL,
	`etag` text NOT NULL,
	`since` integer NOT NULL
);
