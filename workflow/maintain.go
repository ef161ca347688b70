package workflow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
)

// expireBatch is how many items one expiry transaction deletes: small
// enough that other writers wait briefly, large enough to go fast.
const expireBatch = 500

// Forgetter is a service that keeps its own copy of items, like Alegre's
// documents, and must forget expired ones.
type Forgetter interface {
	// Forget deletes what the service holds for the items of workspace
	// with these ids. Items it never had, or no longer has, are fine.
	Forget(ctx context.Context, workspace string, itemIDs []int64) error
}

// Forgetters returns the forgetters among the actions of def's steps, each
// once: what Expire must tell about a workspace of that workflow.
func Forgetters(actions map[string]Action, def Definition) []Forgetter {
	var out []Forgetter
	for _, s := range def.Steps {
		if f, ok := actions[actionKey(s)].(Forgetter); ok && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// ErrNotForgotten marks an expiry whose items are deleted but which a
// service (a Forgetter) could not make forget some of them.
var ErrNotForgotten = errors.New("expired items not forgotten by a service")

// Expire deletes the items of workspace older than cutoff (by published
// time, or ingest time when there is none) with everything derived from
// them, in transactions of expireBatch items, and records the run. A killed
// expiry leaves whole items deleted or kept; running it again finishes.
// After each committed transaction, forget are told the ids it deleted;
// their failures never undo the expiry: they are returned, wrapping
// ErrNotForgotten, after it finished.
func Expire(ctx context.Context, db *store.DB, workspace string, cutoff time.Time, forget ...Forgetter) (int, error) {
	run := &store.Run{Kind: store.RunExpire, Workspace: workspace, Query: "expire", WindowEnd: store.T(cutoff)}
	if err := db.Update(ctx, func(tx *store.Tx) error { return tx.StartRun(ctx, run) }); err != nil {
		return 0, err
	}
	total := 0
	var err error
	var forgetErrs []error
	for {
		var ids []int64
		err = db.Update(ctx, func(tx *store.Tx) error {
			var err error
			ids, err = tx.ExpireItems(ctx, workspace, cutoff, expireBatch)
			return err
		})
		if err != nil || len(ids) == 0 {
			break
		}
		total += len(ids)
		for _, f := range forget {
			if ferr := f.Forget(ctx, workspace, ids); ferr != nil {
				forgetErrs = append(forgetErrs, ferr)
			}
		}
	}
	run.Status, run.Items = store.RunCompleted, total
	if err != nil {
		run.Status, run.Error = store.RunFailed, err.Error()
	}
	cctx := context.WithoutCancel(ctx)
	if serr := db.Update(cctx, func(tx *store.Tx) error {
		if err := tx.FoldKeywordCounts(cctx); err != nil {
			return err
		}
		return tx.SaveRun(cctx, run)
	}); serr != nil && err == nil {
		err = serr
	}
	if len(forgetErrs) > 0 {
		err = errors.Join(err, fmt.Errorf("%w: %w", ErrNotForgotten, errors.Join(forgetErrs...)))
	}
	return total, err
}

// MergeSummary counts what a merge pass did.
type MergeSummary struct {
	Checked int
	Merged  int
}

// MergeClusters re-checks the clusters of workspace that grew since their
// last check, highest priority first, up to limit: a cluster whose exemplar
// matches a member of another cluster at or above threshold belongs with
// it, and the smaller of the two (ties: the newer) is merged into the
// larger, recorded so the absorbed id still resolves. A cluster with no
// such match is marked checked. Each check is its own transaction.
func MergeClusters(ctx context.Context, db *store.DB, ix *Indexes, workspace string, threshold float64, limit int) (MergeSummary, error) {
	var sum MergeSummary
	ids, err := db.ClustersToCheck(ctx, workspace, limit)
	if err != nil {
		return sum, err
	}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		err := db.Update(ctx, func(tx *store.Tx) error {
			merged, err := checkCluster(ctx, tx, db, ix, id, threshold)
			if merged {
				sum.Merged++
			}
			return err
		})
		if err != nil {
			return sum, err
		}
		sum.Checked++
	}
	return sum, nil
}

func checkCluster(ctx context.Context, tx *store.Tx, db *store.DB, ix *Indexes, id int64, threshold float64) (bool, error) {
	c, err := tx.Cluster(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil // emptied by expiry since the list was made
	}
	if err != nil || c.MergedInto != 0 || c.Size == 0 {
		return false, err
	}
	ex, err := tx.Vector(ctx, c.ExemplarItemID, c.Model)
	if errors.Is(err, store.ErrNotFound) {
		return false, tx.Checked(ctx, c.ID)
	}
	if err != nil {
		return false, err
	}
	li, err := ix.current(ctx, tx, db, c.Workspace, c.Model, len(ex.Data), nil)
	if err != nil {
		return false, err
	}
	// More than the usual few: the first ones are likely its own members.
	matches := li.idx.Search(ex.Data, 4*defaultCandidates, threshold)
	ids := make([]int64, len(matches))
	for i, m := range matches {
		ids[i] = m.ID
	}
	members, err := tx.Memberships(ctx, ids)
	if err != nil {
		return false, err
	}
	var cands []clustering.Candidate
	for _, m := range matches {
		mem, ok := members[m.ID]
		if ok && mem.ClusterID != 0 && mem.ClusterID != c.ID {
			cands = append(cands, clustering.Candidate{ItemID: m.ID, Score: m.Score, ClusterID: mem.ClusterID, ClusterSize: mem.ClusterSize})
		}
	}
	if len(cands) == 0 {
		return false, tx.Checked(ctx, c.ID)
	}
	clustering.Rank(cands)
	best := cands[0]
	absorbed, survivor := c.ID, best.ClusterID
	if c.Size > best.ClusterSize || (c.Size == best.ClusterSize && c.ID < best.ClusterID) {
		absorbed, survivor = survivor, absorbed
	}
	if _, err := tx.Merge(ctx, absorbed, survivor, best.Score); err != nil {
		return false, fmt.Errorf("merge cluster %d into %d: %w", absorbed, survivor, err)
	}
	return true, nil
}

// UpdateTrends stores the trend score of every cluster of workspace as of
// its latest day (see clustering.Trend) and returns how many score above 0.
func UpdateTrends(ctx context.Context, db *store.DB, workspace string, opt clustering.TrendOptions) (int, error) {
	opt = opt.WithDefaults()
	asOf, ok, err := db.LatestDay(ctx, workspace)
	if err != nil || !ok {
		return 0, err
	}
	w := store.Window{AsOf: asOf, RecentDays: opt.RecentDays, BaselineDays: opt.BaselineDays}
	n := 0
	err = db.Update(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.UpdateClusterTrends(ctx, workspace, w, func(g store.Growth) float64 {
			return clustering.Trend(g.Recent, g.Baseline, opt)
		})
		if err != nil {
			return err
		}
		_, err = tx.UpdateKeywordTrends(ctx, workspace, w, func(_ string, g store.Growth) float64 {
			return clustering.Trend(g.Recent, g.Baseline, opt)
		})
		return err
	})
	return n, err
}

// KeywordTrend is a keyword's trend score with the counts behind it.
type KeywordTrend struct {
	Keyword  string
	Recent   int
	Baseline int
	Trend    float64
}

// KeywordTrends returns up to limit keywords of workspace and model with a
// trend score above 0, highest first, as of the workspace's latest day.
func KeywordTrends(ctx context.Context, db *store.DB, workspace, model string, opt clustering.TrendOptions, limit int) ([]KeywordTrend, error) {
	opt = opt.WithDefaults()
	asOf, ok, err := db.LatestDay(ctx, workspace)
	if err != nil || !ok {
		return nil, err
	}
	growth, err := db.KeywordGrowth(ctx, workspace, model, store.Window{AsOf: asOf, RecentDays: opt.RecentDays, BaselineDays: opt.BaselineDays})
	if err != nil {
		return nil, err
	}
	var out []KeywordTrend
	for _, g := range growth {
		if s := clustering.Trend(g.Recent, g.Baseline, opt); s > 0 {
			out = append(out, KeywordTrend{Keyword: g.Keyword, Recent: g.Recent, Baseline: g.Baseline, Trend: s})
		}
	}
	slices.SortFunc(out, func(a, b KeywordTrend) int {
		return cmp.Or(cmp.Compare(b.Trend, a.Trend), cmp.Compare(a.Keyword, b.Keyword))
	})
	return out[:min(limit, len(out))], nil
}
