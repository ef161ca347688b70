-- Fewer random writes per clustered item. Which of a cluster's members have
-- a text is now asked of items_text_hash (workspace, text_hash), where all
-- copies of a text sit together and, since identical texts share one
-- cluster, the first copy answers; the members of a cluster are found
-- through items_cluster_published (cluster_id, published_at). At a million
-- items every join wrote a leaf page of this index at a random place.
DROP INDEX items_cluster;

-- From here on vectors.data may also be sparse: a bitmap of ceil(dim/8)
-- bytes (bit i%8 of byte i/8 set when component i is not zero), then the
-- non-zero components as little-endian float32s. A blob of exactly 4×dim
-- bytes is dense, as before; older rows stay as they are.
