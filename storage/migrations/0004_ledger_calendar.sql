-- Designation ledger: one row per (programme, designation), every source that reported it.
CREATE TABLE designations (
    id INTEGER PRIMARY KEY,
    program_key TEXT NOT NULL,            -- folded programme name
    program TEXT NOT NULL,
    designation TEXT NOT NULL,
    indication TEXT,
    first_event_id INTEGER REFERENCES events(id) ON DELETE SET NULL,
    first_seen_at TEXT NOT NULL,
    UNIQUE (program_key, designation)
);

CREATE TABLE designation_sources (
    designation_id INTEGER NOT NULL REFERENCES designations(id) ON DELETE CASCADE,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    reported_by TEXT NOT NULL,            -- company | fda | registry | other
    seen_at TEXT NOT NULL,
    PRIMARY KEY (designation_id, event_id)
);

-- Catalyst calendar: dated milestones (PDUFA, guidance, primary completion) with their history.
CREATE TABLE catalysts (
    id INTEGER PRIMARY KEY,
    program_key TEXT NOT NULL,
    program TEXT NOT NULL,
    kind TEXT NOT NULL,                   -- pdufa | guidance | primary_completion | adcomm
    label TEXT NOT NULL,
    date TEXT NOT NULL,                   -- ISO day or month
    precision TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',  -- open | met | overdue | superseded
    outcome TEXT,
    event_id INTEGER REFERENCES events(id) ON DELETE SET NULL,
    history TEXT NOT NULL DEFAULT '[]',   -- JSON list of {date, precision, event_id, seen_at}
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX catalysts_open ON catalysts (status, date);
CREATE INDEX catalysts_program ON catalysts (program_key, kind, status);

ALTER TABLE events ADD COLUMN reported_by TEXT NOT NULL DEFAULT 'other';
ALTER TABLE events ADD COLUMN suppressed INTEGER NOT NULL DEFAULT 0;  -- stored, not alerted (ledger duplicate)
