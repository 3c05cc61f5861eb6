ALTER TABLE `people` ADD `roster_of` integer;--> statement-breakpoint
ALTER TABLE `people` ADD `claim_hash` text;--> statement-breakpoint
ALTER TABLE `people` ADD `roster_email` text;--> statement-breakpoint
CREATE INDEX `people_roster_idx` ON `people` (`roster_of`) WHERE "people"."roster_of" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `people_claim_uq` ON `people` (`claim_hash`);