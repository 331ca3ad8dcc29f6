-- Item identity beyond one key: the content key (normalised title + lede) beside the GUID/link key, the item's
-- date (the feed's recent history: older items are recorded silently) and its last classification (an edit that
-- changes it alerts once).
ALTER TABLE seen_items ADD COLUMN content_key TEXT;
ALTER TABLE seen_items ADD COLUMN published_at TEXT;
ALTER TABLE seen_items ADD COLUMN classified_as TEXT;  -- kind/subtype; NULL: recorded without classifying (priming)
CREATE INDEX seen_items_content ON seen_items (source_id, content_key);

-- One release told by several sources (IR feed and wire) is one event: fused on its content fingerprint, with
-- every source and link that told it.
ALTER TABLE events ADD COLUMN fingerprint TEXT;
CREATE INDEX events_fingerprint ON events (fingerprint);
CREATE TABLE event_sources (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    url TEXT,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (event_id, source_id)
);
