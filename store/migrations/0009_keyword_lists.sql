-- One row per (item, model) holding that model's keywords for the item, in
-- place of one row per keyword. A keyword row repeated the item, model,
-- workspace and times, and was a B-tree entry of its own: storing ten
-- keywords an item took about a seventh of the meedan workflow's time on
-- short posts, more than any model but YAKE. keywords is now a view that spreads each list back
-- into rows, so every reader sees the rows as before; writers write
-- item_keywords.
--
-- keywords holds a JSON array with one [keyword, score, occurrences] array
-- per keyword. Scores round-trip exactly: timpani writes the shortest
-- decimal that reads back as the same float64, and json_array here writes
-- 17 significant digits.
CREATE TABLE item_keywords (
	item_id      INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	model        TEXT NOT NULL,
	workspace    TEXT NOT NULL,
	published_at TEXT,                       -- copied from the item for trend queries
	created_at   TEXT NOT NULL,
	keywords     TEXT NOT NULL,
	PRIMARY KEY (item_id, model)
) STRICT;

-- In the primary key's order, so the grouping streams: no sort of every
-- keyword row, which at a million items would hold them all in memory.
INSERT INTO item_keywords (item_id, model, workspace, published_at, created_at, keywords)
	SELECT item_id, model, min(workspace), min(published_at), min(created_at),
		json_group_array(json_array(keyword, score, occurrences))
	FROM keywords GROUP BY item_id, model;

DROP TABLE keywords;

CREATE VIEW keywords (item_id, model, keyword, workspace, score, occurrences, published_at, created_at) AS
	SELECT k.item_id, k.model, json_extract(j.value, '$[0]'), k.workspace, json_extract(j.value, '$[1]'),
		json_extract(j.value, '$[2]'), k.published_at, k.created_at
	FROM item_keywords k, json_each(k.keywords) j;
