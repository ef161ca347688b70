package store

// RecordMigrationForTest marks a migration as applied, to test what happens
// when a newer build has touched the file.
func RecordMigrationForTest(tx *Tx, name string) error {
	_, err := tx.tx.Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, '2030-01-01T00:00:00.000Z')`, name)
	return err
}

// SetKeywordCountsPerPassForTest makes the keyword-count checks split their
// counts into passes of n keys, and returns what undoes it.
func SetKeywordCountsPerPassForTest(n int) (undo func()) {
	old := keywordCountsPerPass
	keywordCountsPerPass = n
	return func() { keywordCountsPerPass = old }
}

// VectorsSinceQueryForTest is VectorsSince's SQL, for its query plan.
const VectorsSinceQueryForTest = vectorsSinceQuery

// ExplainForTest returns the steps of query's plan, outer loop first.
func ExplainForTest(db *DB, query string, args ...any) ([]string, error) {
	var rows []struct {
		ID      int    `db:"id"`
		Parent  int    `db:"parent"`
		NotUsed int    `db:"notused"`
		Detail  string `db:"detail"`
	}
	if err := db.x.Select(&rows, `EXPLAIN QUERY PLAN `+query, args...); err != nil {
		return nil, err
	}
	plan := make([]string, len(rows))
	for i, r := range rows {
		plan[i] = r.Detail
	}
	return plan, nil
}

// ExecForTest runs a statement in tx.
func ExecForTest(tx *Tx, query string, args ...any) error {
	_, err := tx.tx.Exec(query, args...)
	return err
}

// VectorBytesForTest is the stored size of an item's vector by model.
func VectorBytesForTest(db *DB, itemID int64, model string) (int, error) {
	var n int
	err := db.x.Get(&n, `SELECT length(data) FROM vectors WHERE item_id = ? AND model = ?`, itemID, model)
	return n, err
}

// SetKeywordFoldRowsForTest makes AddKeywordsMany fold the pending keyword
// counts once there are n, and returns what undoes it.
func SetKeywordFoldRowsForTest(n int) (undo func()) {
	old := keywordFoldRows
	keywordFoldRows = n
	return func() { keywordFoldRows = old }
}

// KeywordTokenForTest is the postings term of a keyword of workspace.
func KeywordTokenForTest(workspace, keyword string) string { return keywordToken(workspace, keyword) }

// SetKeywordBackfillRowsForTest makes migration 0007 file keywords about n
// rows at a time, and returns what undoes it.
func SetKeywordBackfillRowsForTest(n int) (undo func()) {
	old := keywordBackfillRows
	keywordBackfillRows = n
	return func() { keywordBackfillRows = old }
}

// HoldReadForTest runs a query on a pooled connection and keeps its rows
// open, and the connection busy, until release is called.
func HoldReadForTest(db *DB) (release func(), err error) {
	rows, err := db.x.Query(`SELECT name FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	rows.Next()
	return func() { rows.Close() }, nil
}

// QueryRowForTest scans the one row of query into dest.
func QueryRowForTest(db *DB, query string, dest ...any) error {
	return db.x.QueryRow(query).Scan(dest...)
}

// QueryArgsRowForTest scans the one row of query with args into dest.
func QueryArgsRowForTest(db *DB, query string, args []any, dest ...any) error {
	return db.x.QueryRow(query, args...).Scan(dest...)
}

// KeywordStartForTest is how a keyword's entry in a keyword list starts.
func KeywordStartForTest(keyword string) string { return keywordStart(keyword) }

// DecodeKeywordListForTest reads a keyword list as stored.
func DecodeKeywordListForTest(list string) ([]Keyword, error) { return decodeKeywordList(list) }
