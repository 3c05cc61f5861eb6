CREATE TABLE `removed_entry_links` (
	`person_id` integer NOT NULL,
	`url` text NOT NULL,
	`objective_id` integer NOT NULL,
	`auto` integer DEFAULT false NOT NULL,
	`removed` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`person_id`, `url`, `objective_id`),
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`objective_id`) REFERENCES `objectives`(`id`) ON UPDATE no action ON DELETE cascade
);
