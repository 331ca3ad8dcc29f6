-- Portable SQL (SQLite now, PostgreSQL later): no SQLite-only column types.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                -- rss | ctgov | openfda | ...
    url TEXT NOT NULL,
    name TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_success_at TEXT,
    last_attempt_at TEXT,
    next_poll_at TEXT,
    last_error TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    primed INTEGER NOT NULL DEFAULT 0, -- 1 once the first poll recorded the existing items
    created_at TEXT NOT NULL,
    UNIQUE (kind, url)
);

CREATE TABLE seen_items (
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    item_key TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    PRIMARY KEY (source_id, item_key)
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    subtype TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    url TEXT,
    published_at TEXT,
    detected_at TEXT NOT NULL,
    programs TEXT NOT NULL DEFAULT '[]',   -- JSON list of programme names
    sponsor TEXT,
    trial TEXT,
    facts TEXT NOT NULL DEFAULT '{}',      -- JSON object
    evidence TEXT NOT NULL DEFAULT '[]'    -- JSON list of {rule, phrase}
);
CREATE INDEX events_detected ON events (detected_at);
CREATE INDEX events_kind ON events (kind, detected_at);
CREATE INDEX events_trial ON events (trial);

CREATE TABLE programs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    sponsors TEXT NOT NULL DEFAULT '[]',   -- JSON list
    nct_ids TEXT NOT NULL DEFAULT '[]',    -- JSON list
    cik TEXT,
    ticker TEXT,
    indication TEXT,
    notes TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE program_aliases (
    program_id INTEGER NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    norm TEXT NOT NULL,                    -- lower-case, hyphens/spaces removed
    PRIMARY KEY (program_id, norm)
);
CREATE INDEX program_aliases_norm ON program_aliases (norm);

CREATE TABLE event_programs (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    program_id INTEGER NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    PRIMARY KEY (program_id, event_id)
);

CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,               -- console | discord | slack
    channel_id TEXT NOT NULL,
    filters TEXT NOT NULL DEFAULT '{}',   -- JSON SubscriptionFilters
    mention TEXT,
    mode TEXT NOT NULL DEFAULT 'instant', -- instant | digest
    digest_hour INTEGER,
    created_by TEXT,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT
);
CREATE INDEX subscriptions_channel ON subscriptions (platform, channel_id);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending', -- pending | sent | dead
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    platform_message_id TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    UNIQUE (event_id, subscription_id)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
