-- An alias that is a common word matches only with the programme's sponsor named nearby.
ALTER TABLE program_aliases ADD COLUMN needs_sponsor INTEGER NOT NULL DEFAULT 0;
CREATE INDEX event_programs_event ON event_programs (event_id);
CREATE INDEX events_kind_subtype ON events (kind, subtype, detected_at);
