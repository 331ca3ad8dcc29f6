-- PostgreSQL's spelling of 0013_item_digests.sql (BYTEA for SQLite's BLOB): each feed source's digests of the
-- items its last recorded poll kept, so the parser reads again only the items whose digest is not among them.
ALTER TABLE sources ADD COLUMN item_digests BYTEA;
