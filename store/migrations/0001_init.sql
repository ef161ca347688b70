-- timpani's first schema. Times are ISO-8601 UTC text (2024-01-20T03:00:01.123Z)
-- so researchers can read and sort them in sqlite3, Datasette or pandas.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

-- One acquisition, ingest, workflow or expiry run. Fetch runs are keyed by
-- (workspace, source, query, date_id, window) so a killed fetch resumes from
-- its cursor and a finished window is not fetched twice.
CREATE TABLE runs (
	id               INTEGER PRIMARY KEY,
	kind             TEXT NOT NULL,              -- fetch | ingest | workflow | expire
	workspace        TEXT NOT NULL,
	source           TEXT NOT NULL DEFAULT '',
	query            TEXT NOT NULL DEFAULT '',
	date_id          INTEGER NOT NULL DEFAULT 0, -- YYYYMMDD partition day; 0 when not applicable
	window_start     TEXT,
	window_end       TEXT,
	status           TEXT NOT NULL,              -- running | completed | failed
	started_at       TEXT NOT NULL,
	ended_at         TEXT,
	lease_owner      TEXT NOT NULL DEFAULT '',
	lease_until      TEXT,
	cursor           TEXT NOT NULL DEFAULT '',   -- next page to fetch
	pages            INTEGER NOT NULL DEFAULT 0,
	records          INTEGER NOT NULL DEFAULT 0, -- raw records archived (fetch) or read (ingest)
	reported_total   INTEGER NOT NULL DEFAULT -1, -- what the source said the window holds; -1 unknown
	items            INTEGER NOT NULL DEFAULT 0, -- items created (ingest) or processed (workflow)
	failed_items     INTEGER NOT NULL DEFAULT 0,
	skipped          INTEGER NOT NULL DEFAULT 0, -- records a source skipped as unreadable (bad lines)
	retries          INTEGER NOT NULL DEFAULT 0,
	rate_limit_waits INTEGER NOT NULL DEFAULT 0,
	windows_split    INTEGER NOT NULL DEFAULT 0,
	error            TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX runs_fetch_key ON runs (workspace, source, query, date_id, window_start, window_end) WHERE kind = 'fetch';
CREATE INDEX runs_started ON runs (started_at);

-- One archived page: a gzipped JSON Lines file under the raw folder. The row
-- is written only after the file is durably in place.
CREATE TABLE raw_pages (
	id          INTEGER PRIMARY KEY,
	run_id      INTEGER NOT NULL REFERENCES runs (id),
	page        INTEGER NOT NULL,       -- 0-based page number within the run
	workspace   TEXT NOT NULL,
	source      TEXT NOT NULL,
	query       TEXT NOT NULL,
	date_id     INTEGER NOT NULL,
	path        TEXT NOT NULL UNIQUE,   -- relative to the raw folder
	sha256      TEXT NOT NULL,
	records     INTEGER NOT NULL,
	bytes       INTEGER NOT NULL,
	created_at  TEXT NOT NULL,
	ingested_at TEXT,                   -- NULL until its records are items
	ingest_error TEXT NOT NULL DEFAULT '',
	UNIQUE (run_id, page)
) STRICT;
CREATE INDEX raw_pages_pending ON raw_pages (workspace, id) WHERE ingested_at IS NULL;

CREATE TABLE clusters (
	id                 INTEGER PRIMARY KEY,
	workspace          TEXT NOT NULL,
	model              TEXT NOT NULL,            -- the vector model its members were compared with
	size               INTEGER NOT NULL DEFAULT 0, -- current members
	added_total        INTEGER NOT NULL DEFAULT 0, -- every add ever, never decremented
	unique_texts       INTEGER NOT NULL DEFAULT 0,
	exemplar_item_id   INTEGER,                  -- no FK: items and clusters reference each other
	first_published_at TEXT,
	last_published_at  TEXT,
	cohesion           REAL NOT NULL DEFAULT 1,  -- mean similarity of members to the centroid
	priority           REAL NOT NULL DEFAULT 0,  -- how urgently it should be re-checked for merges
	trend              REAL NOT NULL DEFAULT 0,
	merged_into        INTEGER REFERENCES clusters (id), -- set when absorbed; the row stays so ids resolve
	created_at         TEXT NOT NULL,
	updated_at         TEXT NOT NULL
) STRICT;
CREATE INDEX clusters_workspace_size ON clusters (workspace, size DESC) WHERE merged_into IS NULL;

-- A content item: one text extracted from one raw record, and its place in
-- its workspace's workflow.
CREATE TABLE items (
	id              INTEGER PRIMARY KEY,
	workspace       TEXT NOT NULL,
	source          TEXT NOT NULL,
	query           TEXT NOT NULL,
	date_id         INTEGER NOT NULL,
	run_id          INTEGER NOT NULL REFERENCES runs (id),  -- the fetch run that archived the record
	page_id         INTEGER REFERENCES raw_pages (id),
	raw_id          TEXT NOT NULL,              -- the source-native id
	raw_created_at  TEXT NOT NULL,              -- when the record was downloaded
	source_field    TEXT NOT NULL DEFAULT '',   -- which field the text came from; '' for single-text sources
	raw_text        TEXT NOT NULL,              -- the text as extracted
	text            TEXT NOT NULL DEFAULT '',   -- the normalised text; '' until a step sets it, and models then read raw_text
	author          TEXT NOT NULL DEFAULT '',
	published_at    TEXT,
	url             TEXT NOT NULL DEFAULT '',
	language        TEXT NOT NULL DEFAULT '',   -- reported by the source or identified
	language_score  REAL,
	workflow        TEXT NOT NULL,
	state           TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0, -- claims of the current step
	lease_owner     TEXT NOT NULL DEFAULT '',
	lease_until     TEXT,
	next_attempt_at TEXT,
	last_error      TEXT NOT NULL DEFAULT '',
	failed_from     TEXT NOT NULL DEFAULT '',   -- the last good state, where retry resumes
	cluster_id      INTEGER REFERENCES clusters (id),
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	UNIQUE (workspace, source, raw_id, source_field)
) STRICT;
CREATE INDEX items_claim ON items (workspace, state, id);
CREATE INDEX items_published ON items (workspace, published_at);
CREATE INDEX items_cluster ON items (cluster_id) WHERE cluster_id IS NOT NULL;
CREATE INDEX items_date ON items (workspace, date_id);

-- Every transition of every item: per-item provenance.
CREATE TABLE item_events (
	id         INTEGER PRIMARY KEY,
	item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	at         TEXT NOT NULL,
	attempt    INTEGER NOT NULL,
	worker     TEXT NOT NULL DEFAULT '',
	error      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX item_events_item ON item_events (item_id, id);

-- A term a model attached to an item, once per (item, model, keyword);
-- occurrences counts repeats within the text (a hashtag used twice).
-- WITHOUT ROWID: the key is the row, which keeps the many small inserts cheap.
CREATE TABLE keywords (
	item_id      INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	model        TEXT NOT NULL,
	keyword      TEXT NOT NULL,
	workspace    TEXT NOT NULL,
	score        REAL NOT NULL,
	occurrences  INTEGER NOT NULL DEFAULT 1,
	published_at TEXT,                       -- copied from the item for trend queries
	created_at   TEXT NOT NULL,
	PRIMARY KEY (item_id, model, keyword)
) STRICT, WITHOUT ROWID;
CREATE INDEX keywords_lookup ON keywords (workspace, model, keyword);

-- One vector per (item, model); vectors of different models never mix.
CREATE TABLE vectors (
	item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	model      TEXT NOT NULL,
	dim        INTEGER NOT NULL,
	data       BLOB NOT NULL,                -- little-endian float32 × dim
	created_at TEXT NOT NULL,
	PRIMARY KEY (item_id, model)
) STRICT;

-- Daily counts kept as items arrive, so trend pages never rescan items.
CREATE TABLE cluster_days (
	cluster_id INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
	day        TEXT NOT NULL,                -- YYYY-MM-DD of published time
	items      INTEGER NOT NULL,
	PRIMARY KEY (cluster_id, day)
) STRICT;

CREATE TABLE keyword_days (
	workspace TEXT NOT NULL,
	model     TEXT NOT NULL,
	keyword   TEXT NOT NULL,
	day       TEXT NOT NULL,
	items     INTEGER NOT NULL,
	PRIMARY KEY (workspace, model, keyword, day)
) STRICT;
