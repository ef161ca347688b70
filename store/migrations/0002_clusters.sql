-- Clustering: what the cluster step needs to keep its bookkeeping in the
-- same transaction as each item's transition, without rescanning members.

-- The hash of the text the cluster step compared (see clustering.TextHash):
-- the exact-duplicate fast path and the unique-text count use it.
ALTER TABLE items ADD COLUMN text_hash INTEGER;
CREATE INDEX items_text_hash ON items (workspace, text_hash) WHERE text_hash IS NOT NULL;
DROP INDEX items_cluster;
CREATE INDEX items_cluster ON items (cluster_id, text_hash) WHERE cluster_id IS NOT NULL;

-- The sum of the members' unit vectors (little-endian float32): cohesion is
-- |sum|/size, the mean cosine of the members to their centroid, and the
-- exemplar is the member most aligned with it. NULL while the cluster has
-- one member, whose own vector is the sum.
ALTER TABLE clusters ADD COLUMN vector_sum BLOB;
-- The exemplar's dot product with vector_sum: how central it is.
ALTER TABLE clusters ADD COLUMN exemplar_score REAL NOT NULL DEFAULT 1;
ALTER TABLE clusters ADD COLUMN merged_at TEXT;
CREATE INDEX clusters_priority ON clusters (workspace, priority DESC) WHERE merged_into IS NULL AND priority > 0;
CREATE INDEX clusters_merged_into ON clusters (merged_into) WHERE merged_into IS NOT NULL;

-- Every merge: the absorbed cluster keeps its row and points at the
-- survivor, so links and exports that name it still resolve.
CREATE TABLE cluster_merges (
	id        INTEGER PRIMARY KEY,
	workspace TEXT NOT NULL,
	absorbed  INTEGER NOT NULL REFERENCES clusters (id),
	survivor  INTEGER NOT NULL REFERENCES clusters (id),
	items     INTEGER NOT NULL,   -- members moved
	score     REAL NOT NULL,      -- the similarity that justified it
	at        TEXT NOT NULL
) STRICT;
CREATE INDEX cluster_merges_survivor ON cluster_merges (survivor);

CREATE INDEX cluster_days_day ON cluster_days (day);
CREATE INDEX keyword_days_day ON keyword_days (workspace, day);

-- Vectors get ids that are never reused (AUTOINCREMENT), so an in-memory
-- index can catch up with what other processes added by id alone, and
-- every deletion leaves a tombstone it can catch up with the same way.
CREATE TABLE vectors_new (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	model      TEXT NOT NULL,
	dim        INTEGER NOT NULL,
	data       BLOB NOT NULL,                -- little-endian float32 × dim
	created_at TEXT NOT NULL,
	UNIQUE (item_id, model)
) STRICT;
INSERT INTO vectors_new (item_id, model, dim, data, created_at)
	SELECT item_id, model, dim, data, created_at FROM vectors ORDER BY rowid;
DROP TABLE vectors;
ALTER TABLE vectors_new RENAME TO vectors;

-- text_hash is the deleted item's, so an index that skipped the item's
-- exact duplicates can put one of them in its place.
CREATE TABLE vector_tombstones (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	vector_id INTEGER NOT NULL,
	item_id   INTEGER NOT NULL,
	model     TEXT NOT NULL,
	workspace TEXT,
	text_hash INTEGER
) STRICT;
CREATE TRIGGER vectors_tombstone AFTER DELETE ON vectors BEGIN
	INSERT INTO vector_tombstones (vector_id, item_id, model, workspace, text_hash)
	SELECT old.id, old.item_id, old.model, i.workspace, i.text_hash
	FROM (SELECT 1) LEFT JOIN items i ON i.id = old.item_id;
END;

-- Names this database, so files derived from it (a saved index) are never
-- applied to another one.
INSERT INTO meta (key, value) VALUES ('database_id', lower(hex(randomblob(16))));
