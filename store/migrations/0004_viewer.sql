-- The viewer: running totals and sort indexes, so every page answers from
-- small indexed reads instead of scanning a million items.

-- Items per workspace, published day ('' when the source gave no time),
-- source and language: the timelines of a workspace, a source or a
-- language. Inserts are counted by the store, a batch at a time
-- (store.countInserted: a trigger would upsert once per row on ingest's hot
-- path); re-ingest, the language step and deletions by the triggers below.
CREATE TABLE item_days (
	workspace TEXT NOT NULL,
	day       TEXT NOT NULL,
	source    TEXT NOT NULL,
	language  TEXT NOT NULL,
	items     INTEGER NOT NULL,
	PRIMARY KEY (workspace, day, source, language)
) STRICT, WITHOUT ROWID;

INSERT INTO item_days (workspace, day, source, language, items)
	SELECT workspace, coalesce(substr(published_at, 1, 10), ''), source, language, count(*) FROM items GROUP BY 1, 2, 3, 4;

CREATE TRIGGER item_days_delete AFTER DELETE ON items BEGIN
	UPDATE item_days SET items = items - 1 WHERE workspace = OLD.workspace
		AND day = coalesce(substr(OLD.published_at, 1, 10), '') AND source = OLD.source AND language = OLD.language;
END;

CREATE TRIGGER item_days_update AFTER UPDATE OF published_at, source, language ON items
	WHEN coalesce(substr(OLD.published_at, 1, 10), '') != coalesce(substr(NEW.published_at, 1, 10), '')
		OR OLD.source != NEW.source OR OLD.language != NEW.language BEGIN
	UPDATE item_days SET items = items - 1 WHERE workspace = OLD.workspace
		AND day = coalesce(substr(OLD.published_at, 1, 10), '') AND source = OLD.source AND language = OLD.language;
	INSERT INTO item_days (workspace, day, source, language, items)
		VALUES (NEW.workspace, coalesce(substr(NEW.published_at, 1, 10), ''), NEW.source, NEW.language, 1)
		ON CONFLICT DO UPDATE SET items = items + 1;
END;

-- Items per workspace, fetch day and state: the status page and the state
-- counts read a few hundred rows instead of counting a million items.
-- Inserts are counted by the store (store.countInserted), transitions and
-- deletions by the triggers below.
CREATE TABLE item_states (
	workspace TEXT NOT NULL,
	date_id   INTEGER NOT NULL,
	state     TEXT NOT NULL,
	items     INTEGER NOT NULL,
	PRIMARY KEY (workspace, date_id, state)
) STRICT, WITHOUT ROWID;

INSERT INTO item_states (workspace, date_id, state, items)
	SELECT workspace, date_id, state, count(*) FROM items GROUP BY 1, 2, 3;

CREATE TRIGGER item_states_delete AFTER DELETE ON items BEGIN
	UPDATE item_states SET items = items - 1
		WHERE workspace = OLD.workspace AND date_id = OLD.date_id AND state = OLD.state;
END;

CREATE TRIGGER item_states_update AFTER UPDATE OF state, date_id ON items
	WHEN OLD.state != NEW.state OR OLD.date_id != NEW.date_id BEGIN
	UPDATE item_states SET items = items - 1
		WHERE workspace = OLD.workspace AND date_id = OLD.date_id AND state = OLD.state;
	INSERT INTO item_states (workspace, date_id, state, items) VALUES (NEW.workspace, NEW.date_id, NEW.state, 1)
		ON CONFLICT DO UPDATE SET items = items + 1;
END;

-- Items carrying each keyword, all time, and its trend score: the keywords
-- page sorts on these. AddKeywordsMany adds (one upsert per keyword and
-- batch); the trigger takes away whatever deletes a keyword row.
CREATE TABLE keyword_totals (
	workspace TEXT NOT NULL,
	model     TEXT NOT NULL,
	keyword   TEXT NOT NULL,
	items     INTEGER NOT NULL,
	trend     REAL NOT NULL DEFAULT 0,
	PRIMARY KEY (workspace, model, keyword)
) STRICT, WITHOUT ROWID;
-- Only keywords on ten items or more are indexed by count: every batch
-- moves the counts of the long tail, and an index entry that moves with
-- each of them made the keyword step a tenth slower. The keywords page
-- reads the popular ones from this index and sorts the tail only when a
-- page reaches it.
CREATE INDEX keyword_totals_popular ON keyword_totals (workspace, items DESC) WHERE items >= 10;
CREATE INDEX keyword_totals_trend ON keyword_totals (workspace, trend DESC) WHERE trend > 0;

INSERT INTO keyword_totals (workspace, model, keyword, items)
	SELECT workspace, model, keyword, count(*) FROM keywords GROUP BY 1, 2, 3;

CREATE TRIGGER keyword_totals_delete AFTER DELETE ON keywords BEGIN
	UPDATE keyword_totals SET items = items - 1
		WHERE workspace = OLD.workspace AND model = OLD.model AND keyword = OLD.keyword;
END;

-- The clusters page's other sort orders.
CREATE INDEX clusters_added ON clusters (workspace, added_total DESC) WHERE merged_into IS NULL;
CREATE INDEX clusters_trend ON clusters (workspace, trend DESC) WHERE merged_into IS NULL;
CREATE INDEX clusters_recent ON clusters (workspace, last_published_at DESC) WHERE merged_into IS NULL;
CREATE INDEX clusters_unique ON clusters (workspace, unique_texts DESC) WHERE merged_into IS NULL;

-- A cluster's members, newest first, without sorting all of them.
CREATE INDEX items_cluster_published ON items (cluster_id, published_at) WHERE cluster_id IS NOT NULL;

-- Content filters that are not served by the published-time index.
CREATE INDEX items_source ON items (workspace, source, published_at);
CREATE INDEX items_language ON items (workspace, language, published_at);
