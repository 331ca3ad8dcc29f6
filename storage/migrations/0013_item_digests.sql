-- Each feed source's digests of the items its last recorded poll kept (8 bytes each): the parser reads again
-- only the items whose digest is not among them (watchers/parse/feed_fast.py). A source without them (NULL:
-- before this version, or a feed read by feedparser) has every item read, as before.
ALTER TABLE sources ADD COLUMN item_digests BLOB;
