-- Every item a course shows is now re-checked for as long as it is shown (after the early checks,
-- every RECHECK_MAX_INTERVAL_DAYS). Items whose old schedule had ended (recheck_at NULL) get a next
-- check spread over the coming 30 days, so an upgrade does not ask every blog about every post at once.
UPDATE `items` SET `recheck_at` = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) + (abs(random()) % 2592000000) WHERE `recheck_at` IS NULL AND `deleted_at` IS NULL;
