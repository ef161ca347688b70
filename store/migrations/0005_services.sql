-- Remote model services: how their calls went, so `status` and the viewer
-- can say which service is failing. One row per configured service name,
-- added to by every process that calls it.
CREATE TABLE service_health (
	service         TEXT PRIMARY KEY,
	kind            TEXT NOT NULL,
	calls           INTEGER NOT NULL DEFAULT 0,
	failures        INTEGER NOT NULL DEFAULT 0,
	last_ok_at      TEXT,
	last_error_at   TEXT,
	last_error      TEXT NOT NULL DEFAULT '',
	updated_at      TEXT NOT NULL
) STRICT;
