-- Each registered cluster's latest agent contact, shared by the replicas: each writes the
-- polls it served in batches and rereads the rows written since its last read. Kept out of
-- fluxconfig_clusters so a batch rewrites narrow rows and notifies nobody. Only the key is
-- indexed, so an update is a heap-only tuple when its page has room, which the fill factor
-- leaves; the reread filters written_at by scanning, a few thousand rows.
CREATE TABLE fluxconfig_contacts (
    cluster       text COLLATE "C" PRIMARY KEY,
    last_poll     timestamptz NOT NULL,
    user_agent    text NOT NULL DEFAULT '',
    written_at    timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 70);

-- The contacts persisted in the registrations so far.
INSERT INTO fluxconfig_contacts (cluster, last_poll, user_agent)
SELECT name, (doc->>'lastPoll')::timestamptz, coalesce('fluxconfig-agent/' || (doc->>'agentVersion'), '')
FROM fluxconfig_clusters WHERE doc ? 'lastPoll';
