-- ClinicalTrials.gov watcher: what is watched, the last snapshot of each trial, the changes seen.
-- Portable SQL (SQLite now, PostgreSQL later).
CREATE TABLE trial_queries (
    id INTEGER PRIMARY KEY,
    program TEXT NOT NULL UNIQUE,
    terms TEXT NOT NULL DEFAULT '[]',      -- JSON list: intervention name and aliases
    sponsor TEXT,
    requested_platform TEXT,               -- who asked: gets the "now watching" summary
    requested_channel TEXT,
    requested_user TEXT,
    primed INTEGER NOT NULL DEFAULT 0,     -- 1 once the first search recorded the existing trials
    created_at TEXT NOT NULL
);

CREATE TABLE trial_watches (
    nct_id TEXT PRIMARY KEY,
    program TEXT,
    query_id INTEGER REFERENCES trial_queries(id) ON DELETE CASCADE,
    requested_platform TEXT,
    requested_channel TEXT,
    requested_user TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX trial_watches_query ON trial_watches (query_id);

CREATE TABLE trial_snapshots (
    nct_id TEXT PRIMARY KEY,
    last_update_posted TEXT,
    snapshot TEXT NOT NULL,                -- JSON TrialSnapshot
    first_seen_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE trial_changes (
    id INTEGER PRIMARY KEY,
    nct_id TEXT NOT NULL,
    field TEXT NOT NULL,
    change TEXT NOT NULL,                  -- slip | pulled_in | enrollment_opened | ...
    detail TEXT NOT NULL,                  -- JSON TrialChange
    last_update_posted TEXT,
    seen_at TEXT NOT NULL
);
CREATE INDEX trial_changes_trial ON trial_changes (nct_id, field);
