package storetest

import (
	"path/filepath"
	"testing"

	"github.com/timpani-dev/timpani/store"
)

func TestMain(m *testing.M) { Main(m) }

// Copies of the template are databases of their own: migrated, and each
// with its own id, as two fresh databases would be.
func TestCopiesAreDistinctMigratedDatabases(t *testing.T) {
	var ids []string
	for range 2 {
		db := Open(t, filepath.Join(t.TempDir(), "timpani.db"), store.Options{AppVersion: "test"})
		id, err := db.DatabaseID(t.Context())
		if err != nil || id == "" {
			t.Fatalf("database id %q, %v", id, err)
		}
		ids = append(ids, id)
	}
	if ids[0] == ids[1] {
		t.Errorf("two test databases share the id %s", ids[0])
	}
}
