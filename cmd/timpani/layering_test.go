package main

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLayering keeps the import graph acyclic by rule: leaves (store,
// sources, clustering) import nothing of ours, ui only the store, workflow
// the leaves. Sub-packages count as their top-level folder.
func TestLayering(t *testing.T) {
	const mod = "github.com/timpani-dev/timpani/"
	allowed := map[string][]string{
		"store": nil, "sources": nil, "clustering": nil,
		"ui":       {"store"},
		"workflow": {"store", "sources", "clustering"},
	}
	for top, ok := range allowed {
		err := filepath.WalkDir("../../"+top, func(path string, d os.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case !d.IsDir():
				return nil
			case d.Name() == "testdata":
				return filepath.SkipDir
			}
			pkg, err := build.ImportDir(path, 0) // non-test imports only
			if err != nil {
				if _, none := err.(*build.NoGoError); none {
					return nil
				}
				return err
			}
			for _, imp := range pkg.Imports {
				name, in := strings.CutPrefix(imp, mod)
				if !in {
					continue
				}
				first := strings.Split(name, "/")[0]
				if first != top && !slices.Contains(ok, first) {
					t.Errorf("%s imports %s; %s may import only %v", path, imp, top, ok)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", top, err)
		}
	}
}
