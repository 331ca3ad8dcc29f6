-- One delivery per event × channel (and lane), listing the subscriptions it satisfied; subscriptions unique per
-- channel, mode and normalised filter set.
--
-- A lane is 'instant' (one message per event and channel, whatever number of subscriptions matched) or
-- 'digest:<subscription id>' (a digest subscription keeps its own daily message).

-- 1. Subscriptions get a key for their filter set: SubscriptionFilters.key() (each list trimmed, lower-cased,
--    deduplicated and sorted; keys in order; compact JSON), computed here for the rows written before. Identical
--    duplicates (a retried subscribe) are merged into one, preferring an enabled row, then the oldest.
ALTER TABLE subscriptions ADD COLUMN filters_key TEXT NOT NULL DEFAULT '';
UPDATE subscriptions SET filters_key = json_object(
    'keywords', json((SELECT json_group_array(v) FROM (SELECT DISTINCT lower(trim(value)) AS v FROM json_each(subscriptions.filters, '$.keywords') ORDER BY v))),
    'kinds', json((SELECT json_group_array(v) FROM (SELECT DISTINCT lower(trim(value)) AS v FROM json_each(subscriptions.filters, '$.kinds') ORDER BY v))),
    'programs', json((SELECT json_group_array(v) FROM (SELECT DISTINCT lower(trim(value)) AS v FROM json_each(subscriptions.filters, '$.programs') ORDER BY v))),
    'source_ids', json((SELECT json_group_array(v) FROM (SELECT DISTINCT value AS v FROM json_each(subscriptions.filters, '$.source_ids') ORDER BY v))),
    'sponsors', json((SELECT json_group_array(v) FROM (SELECT DISTINCT lower(trim(value)) AS v FROM json_each(subscriptions.filters, '$.sponsors') ORDER BY v))),
    'subtypes', json((SELECT json_group_array(v) FROM (SELECT DISTINCT lower(trim(value)) AS v FROM json_each(subscriptions.filters, '$.subtypes') ORDER BY v)))
);

CREATE TABLE migrate_sub_keep AS
SELECT s.id AS id,
       (SELECT s2.id FROM subscriptions s2
         WHERE s2.platform = s.platform AND s2.channel_id = s.channel_id AND s2.mode = s.mode
           AND s2.filters_key = s.filters_key
         ORDER BY s2.disabled, s2.id LIMIT 1) AS keep_id
FROM subscriptions s;

-- 2. Every old row (event × subscription) mapped to its new delivery (event × channel × lane).
CREATE TABLE migrate_delivery_map AS
SELECT d.id AS old_id, d.event_id AS event_id, k.keep_id AS sub_id, s.platform AS platform,
       s.channel_id AS channel_id,
       CASE WHEN s.mode = 'digest' THEN 'digest:' || k.keep_id ELSE 'instant' END AS lane,
       d.status AS status
FROM deliveries d
JOIN migrate_sub_keep k ON k.id = d.subscription_id
JOIN subscriptions s ON s.id = k.keep_id;
CREATE INDEX migrate_delivery_map_group ON migrate_delivery_map (event_id, platform, channel_id, lane);

-- The row that stands for its group: a sent one (the channel has the alert: the others would be duplicates),
-- else a pending one (the oldest, so its Discord nonce stays), else the oldest.
CREATE TABLE migrate_delivery_rep AS
SELECT m.old_id AS old_id, m.sub_id AS sub_id,
       (SELECT m2.old_id FROM migrate_delivery_map m2
         WHERE m2.event_id = m.event_id AND m2.platform = m.platform AND m2.channel_id = m.channel_id
           AND m2.lane = m.lane
         ORDER BY CASE m2.status WHEN 'sent' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, m2.old_id LIMIT 1) AS rep_id
FROM migrate_delivery_map m;

CREATE TABLE deliveries_new (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    platform TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    lane TEXT NOT NULL DEFAULT 'instant',   -- instant | digest:<subscription id>
    status TEXT NOT NULL DEFAULT 'pending', -- pending | sent | dead
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    platform_message_id TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    UNIQUE (event_id, platform, channel_id, lane)
);

INSERT INTO deliveries_new (id, event_id, platform, channel_id, lane, status, attempts, next_attempt_at,
                            last_error, platform_message_id, created_at, sent_at)
SELECT d.id, d.event_id, m.platform, m.channel_id, m.lane, d.status, d.attempts, d.next_attempt_at,
       d.last_error, d.platform_message_id, d.created_at, d.sent_at
FROM deliveries d JOIN migrate_delivery_map m ON m.old_id = d.id
WHERE d.id IN (SELECT rep_id FROM migrate_delivery_rep);

DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

-- Created after the old table is gone: dropping it must not cascade into the links.
CREATE TABLE delivery_subscriptions (
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    PRIMARY KEY (delivery_id, subscription_id)
) WITHOUT ROWID;

INSERT OR IGNORE INTO delivery_subscriptions (delivery_id, subscription_id)
SELECT rep_id, sub_id FROM migrate_delivery_rep;

CREATE INDEX delivery_subscriptions_sub ON delivery_subscriptions (subscription_id);

-- 3. The merged duplicates go; from now on the schema refuses them.
DELETE FROM subscriptions WHERE id IN (SELECT id FROM migrate_sub_keep WHERE id != keep_id);
DROP TABLE migrate_delivery_rep;
DROP TABLE migrate_delivery_map;
DROP TABLE migrate_sub_keep;
CREATE UNIQUE INDEX subscriptions_unique ON subscriptions (platform, channel_id, mode, filters_key);
