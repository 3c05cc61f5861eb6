-- A poll re-reads most posts unchanged, and every upsert sets their title and
-- excerpt again: re-index only when a searched field really changed.
DROP TRIGGER `items_fts_update`;
--> statement-breakpoint
CREATE TRIGGER `items_fts_update` AFTER UPDATE OF title, excerpt, author_name, author_handle ON `items`
WHEN old.title IS NOT new.title OR old.excerpt IS NOT new.excerpt OR old.author_name IS NOT new.author_name OR old.author_handle IS NOT new.author_handle
BEGIN
  INSERT INTO items_fts(items_fts, rowid, title, excerpt, author_name, author_handle) VALUES ('delete', old.id, old.title, old.excerpt, old.author_name, old.author_handle);
  INSERT INTO items_fts(rowid, title, excerpt, author_name, author_handle) VALUES (new.id, new.title, new.excerpt, new.author_name, new.author_handle);
END;
