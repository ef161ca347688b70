package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/timpani-dev/timpani/store"
)

// CheckCmd verifies the database's invariants and its agreement with the
// raw archive.
type CheckCmd struct {
	Settled bool `help:"Also require what holds once fetch and run have finished and nothing runs: every item completed or failed, no lease held, every page ingested, no stray file in the archive."`
	JSON    bool `help:"Print JSON."`
}

type checkReport struct {
	Checks   int             `json:"checks"`
	Problems []store.Problem `json:"problems"`
}

// Run prints every problem found and fails when there is one.
func (c *CheckCmd) Run(ctx context.Context, app *App) error {
	if err := app.Open(ctx); err != nil {
		return err
	}
	opt := store.CheckOptions{Settled: c.Settled}
	problems, err := app.db.Check(ctx, filepath.Join(app.Config.DataDir, "raw"), opt)
	if err != nil {
		return err
	}
	rep := checkReport{Checks: len(store.CheckNames(opt, true)), Problems: problems}
	if rep.Problems == nil {
		rep.Problems = []store.Problem{}
	}
	if c.JSON {
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, p := range problems {
			fmt.Fprintf(app.Stdout, "%s: %d: %s\n", p.Check, p.Count, p.Detail)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d of %d checks failed", len(problems), rep.Checks)
	}
	if !c.JSON {
		app.printf("ok: %d checks passed\n", rep.Checks)
	}
	return nil
}
