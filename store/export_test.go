package store

// RecordMigrationForTest marks a migration as applied, to test what happens
// when a newer build has touched the file.
func RecordMigrationForTest(tx *Tx, name string) error {
	_, err := tx.tx.Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, '2030-01-01T00:00:00.000Z')`, name)
	return err
}

// SetKeywordDaysPerPassForTest makes the keyword-days check split its
// counts into passes of n keys, and returns what undoes it.
func SetKeywordDaysPerPassForTest(n int) (undo func()) {
	old := keywordDaysPerPass
	keywordDaysPerPass = n
	return func() { keywordDaysPerPass = old }
}
