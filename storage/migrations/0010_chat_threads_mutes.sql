-- Chat UI: conversations per programme or trial, programme mutes per channel, follow-up updates of posted alerts.

-- The message that started a channel's conversation about a topic ('program:<folded name>' or 'trial:<NCT id>'):
-- later alerts about the same topic are posted in its thread. thread_id is set once a thread exists (Discord:
-- created on the message; Slack: the root's ts; a forum post is its own thread).
CREATE TABLE conversations (
    platform TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    root_message_id TEXT NOT NULL,
    thread_id TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (platform, channel_id, topic)
);

-- A programme muted in one channel: no alert about it (and nothing else) reaches that channel until unmuted.
CREATE TABLE mutes (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    program TEXT NOT NULL,         -- the programme's name as the registry spells it
    program_key TEXT NOT NULL,     -- folded, what routing compares
    created_by TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (platform, channel_id, program_key)
);

-- An update lane ('update:<what changed>') edits the channel's posted alert and replies with `note`.
-- `progress` records the steps already done ('edited'), so a retried update never edits twice; `sending_at`
-- is written just before a reply is posted, so a retry after a crash looks for that reply before posting again.
-- thread_id: the thread a sent delivery was posted in (a follow-up), so it can be edited there.
ALTER TABLE deliveries ADD COLUMN thread_id TEXT;
ALTER TABLE deliveries ADD COLUMN note TEXT;
ALTER TABLE deliveries ADD COLUMN progress TEXT;
ALTER TABLE deliveries ADD COLUMN sending_at TEXT;
CREATE INDEX deliveries_message ON deliveries (platform, channel_id, platform_message_id);
