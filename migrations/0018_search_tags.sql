-- Search matches tags too: "reading-notes" and "#learningdesign" find the posts that carry them,
-- not only those that say the words. The external-content FTS5 index gains the items' tags
-- column (a JSON list, which the unicode61 tokenizer reads as words), with its triggers
-- (re-indexing only when a searched field really changed, as 0008 made it).
DROP TRIGGER IF EXISTS `items_fts_insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `items_fts_delete`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `items_fts_update`;
--> statement-breakpoint
DROP TABLE IF EXISTS `items_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `items_fts` USING fts5(title, excerpt, author_name, author_handle, tags, content='items', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `items_fts_insert` AFTER INSERT ON `items` BEGIN
  INSERT INTO items_fts(rowid, title, excerpt, author_name, author_handle, tags) VALUES (new.id, new.title, new.excerpt, new.author_name, new.author_handle, new.tags);
END;
--> statement-breakpoint
CREATE TRIGGER `items_fts_delete` AFTER DELETE ON `items` BEGIN
  INSERT INTO items_fts(items_fts, rowid, title, excerpt, author_name, author_handle, tags) VALUES ('delete', old.id, old.title, old.excerpt, old.author_name, old.author_handle, old.tags);
END;
--> statement-breakpoint
CREATE TRIGGER `items_fts_update` AFTER UPDATE OF title, excerpt, author_name, author_handle, tags ON `items`
WHEN old.title IS NOT new.title OR old.excerpt IS NOT new.excerpt OR old.author_name IS NOT new.author_name OR old.author_handle IS NOT new.author_handle OR old.tags IS NOT new.tags
BEGIN
  INSERT INTO items_fts(items_fts, rowid, title, excerpt, author_name, author_handle, tags) VALUES ('delete', old.id, old.title, old.excerpt, old.author_name, old.author_handle, old.tags);
  INSERT INTO items_fts(rowid, title, excerpt, author_name, author_handle, tags) VALUES (new.id, new.title, new.excerpt, new.author_name, new.author_handle, new.tags);
END;
--> statement-breakpoint
INSERT INTO items_fts(items_fts) VALUES ('rebuild');