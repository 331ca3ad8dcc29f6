-- Programmes learned from the stream (kind 'learned') next to the registered ones; merges of two learned
-- programmes (undoable: what moved is kept as JSON); names each stored event mentions (lookup of a name with no
-- programme); intervention names seen on ClinicalTrials.gov (suggestions); one day's cache of registry
-- searches; trial versions read from the registry's history (dated at their version dates).
ALTER TABLE programs ADD COLUMN kind TEXT NOT NULL DEFAULT 'registered';
CREATE INDEX programs_kind ON programs (kind, name);

CREATE TABLE program_merges (
    id INTEGER PRIMARY KEY,
    kept_id INTEGER NOT NULL,
    kept_name TEXT NOT NULL,
    merged_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    moved TEXT NOT NULL,                  -- JSON: the merged programme, its aliases, events, ledger rows
    merged_at TEXT NOT NULL,
    undone_at TEXT
);

CREATE TABLE event_names (
    norm TEXT NOT NULL,                   -- folded drug name as the event states it
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    PRIMARY KEY (norm, event_id)
);

CREATE TABLE intervention_names (
    norm TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    seen_at TEXT NOT NULL
);

CREATE TABLE registry_searches (
    query_key TEXT PRIMARY KEY,
    body TEXT NOT NULL,                   -- JSON list of trial snapshots
    fetched_at TEXT NOT NULL
);

CREATE TABLE trial_versions (
    nct_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    version_date TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (nct_id, version)
);
