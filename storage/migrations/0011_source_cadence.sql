-- Each source's publication times as its items were seen (one row per distinct date): what the adaptive poll
-- schedule (watchers/schedule/cadence.py) learns a source's habits from, and all sources' together its prior.
-- Kept apart from seen_items so pruning or re-keying items never forgets a habit; seeded from the dates seen so far.
CREATE TABLE source_publications (
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    published_at TEXT NOT NULL,
    PRIMARY KEY (source_id, published_at)
);
CREATE INDEX source_publications_recent ON source_publications (published_at);
INSERT INTO source_publications (source_id, published_at)
    SELECT DISTINCT source_id, published_at FROM seen_items WHERE published_at IS NOT NULL;
