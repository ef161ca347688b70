-- Keyword storage that does not write a random page per keyword.
--
-- Until now every keyword row also went into keywords_lookup (workspace,
-- model, keyword), and every batch added its counts to keyword_totals and
-- keyword_days, one upsert per keyword: three B-trees keyed by the keyword,
-- so each of a batch's thousands of keywords dirtied a page at its own
-- random place, and a commit rewrote most of those tables' pages.

-- Which items carry a keyword: one document per (item, model) in a
-- contentless full-text index whose terms are the keywords' tokens
-- (keywordToken: a hash of workspace and keyword). FTS5 writes a commit's
-- postings as one new segment and merges segments in the background, so a
-- batch writes a few sequential pages. A document's rowid is
-- item_id << 8 | slot, the slot numbering the workspace's keyword models.
CREATE VIRTUAL TABLE keyword_postings USING fts5(tokens, content='', contentless_delete=1, detail=none,
	tokenize='ascii');
CREATE TABLE keyword_models (
	workspace TEXT NOT NULL,
	model     TEXT NOT NULL,
	slot      INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 255),
	PRIMARY KEY (workspace, model),
	UNIQUE (workspace, slot)
) STRICT;
INSERT INTO keyword_models (workspace, model, slot)
	SELECT workspace, model, row_number() OVER (PARTITION BY workspace ORDER BY model) - 1
	FROM (SELECT DISTINCT workspace, model FROM keyword_totals);
DROP INDEX keywords_lookup;

-- Counts not yet folded into keyword_totals and keyword_days: a batch
-- appends its (keyword, day) counts here, a deletion appends -1s, and
-- FoldKeywordCounts adds them all up in key order every so often and at
-- the end of a workflow run. keyword_totals + these = the keyword rows.
CREATE TABLE keyword_counts_pending (
	workspace TEXT NOT NULL,
	model     TEXT NOT NULL,
	keyword   TEXT NOT NULL,
	day       TEXT NOT NULL,                 -- '' for items without a published time
	items     INTEGER NOT NULL
) STRICT;
DROP TRIGGER keyword_totals_delete;
