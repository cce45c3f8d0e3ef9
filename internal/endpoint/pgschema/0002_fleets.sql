-- Fleet configurations: the current revision of each, and the last revisions of each.
CREATE TABLE fluxconfig_fleets (
    name text COLLATE "C" PRIMARY KEY,
    doc  jsonb NOT NULL
);

CREATE TABLE fluxconfig_fleet_revisions (
    name     text COLLATE "C" NOT NULL,
    revision bigint NOT NULL,
    doc      jsonb NOT NULL,
    PRIMARY KEY (name, revision)
);
