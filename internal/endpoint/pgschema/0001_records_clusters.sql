-- The records and the cluster registrations, each a JSON document under its key. COLLATE "C"
-- orders names bytewise, as bbolt does, whatever the database's locale.
CREATE TABLE fluxconfig_records (
    cluster text COLLATE "C" NOT NULL,
    name    text COLLATE "C" NOT NULL,
    doc     jsonb NOT NULL,
    PRIMARY KEY (cluster, name)
);

CREATE TABLE fluxconfig_clusters (
    name text COLLATE "C" PRIMARY KEY,
    doc  jsonb NOT NULL
);
