-- The poll tick asks for the sources due (`sources.due`: next_poll_at in the past) every few seconds; without an
-- index that is a scan of every source each time (100,000 of them at scale, issue 19), with it the few due.
CREATE INDEX sources_next_poll ON sources (next_poll_at);
