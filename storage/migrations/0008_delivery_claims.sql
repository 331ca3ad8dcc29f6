-- A dispatcher claims due deliveries for a while (a lease) before sending them: two processes draining one store
-- never send the same delivery, and the claims of a process that died expire so another one retries its work.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN claimed_until TEXT;
CREATE INDEX deliveries_channel_claims ON deliveries (platform, channel_id, status);
