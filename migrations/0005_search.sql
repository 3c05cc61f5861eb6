-- Full-text search over the pointers the hub keeps (title, excerpt, author):
-- an external-content FTS5 index on items, kept in step by triggers, so an
-- ingest upsert, an edit or a removal updates it in the same transaction.
-- Works the same on the libSQL file, on D1 and on sqld.
CREATE VIRTUAL TABLE `items_fts` USING fts5(title, excerpt, author_name, author_handle, content='items', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `items_fts_insert` AFTER INSERT ON `items` BEGIN
  INSERT INTO items_fts(rowid, title, excerpt, author_name, author_handle) VALUES (new.id, new.title, new.excerpt, new.author_name, new.author_handle);
END;
--> statement-breakpoint
CREATE TRIGGER `items_fts_delete` AFTER DELETE ON `items` BEGIN
  INSERT INTO items_fts(items_fts, rowid, title, excerpt, author_name, author_handle) VALUES ('delete', old.id, old.title, old.excerpt, old.author_name, old.author_handle);
END;
--> statement-breakpoint
CREATE TRIGGER `items_fts_update` AFTER UPDATE OF title, excerpt, author_name, author_handle ON `items` BEGIN
  INSERT INTO items_fts(items_fts, rowid, title, excerpt, author_name, author_handle) VALUES ('delete', old.id, old.title, old.excerpt, old.author_name, old.author_handle);
  INSERT INTO items_fts(rowid, title, excerpt, author_name, author_handle) VALUES (new.id, new.title, new.excerpt, new.author_name, new.author_handle);
END;
--> statement-breakpoint
INSERT INTO items_fts(items_fts) VALUES ('rebuild');
