package workflow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// post is an item to cluster: its text and how many hours after the first
// post it was published.
type post struct {
	text string
	hour int
}

var clusterEpoch = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// addPosts inserts posts as ready items of workflow wf in workspace ws,
// with raw ids numbering them after the items already there.
func addPosts(tb testing.TB, db *store.DB, ws, wf string, posts ...post) []int64 {
	tb.Helper()
	return addPostsFrom(tb, db, ws, wf, "src", posts...)
}

func addPostsFrom(tb testing.TB, db *store.DB, ws, wf, source string, posts ...post) []int64 {
	tb.Helper()
	var ids []int64
	existing := 0
	for _, n := range stateCounts(tb, db, ws) {
		existing += n
	}
	err := db.Update(tb.Context(), func(tx *store.Tx) error {
		run := &store.Run{Kind: store.RunFetch, Workspace: ws}
		if err := tx.StartRun(tb.Context(), run); err != nil {
			return err
		}
		for _, p := range posts {
			it := &store.Item{Workspace: ws, Source: source, Query: "q", DateID: 20240301, RunID: run.ID,
				RawID: strconv.Itoa(existing + len(ids)), RawText: p.text, Workflow: wf, State: store.Ready,
				PublishedAt: store.T(clusterEpoch.Add(time.Duration(p.hour) * time.Hour))}
			if ok, err := tx.InsertItem(tb.Context(), it); err != nil || !ok {
				return fmt.Errorf("insert %s: %v, %w", it.RawID, ok, err)
			}
			ids = append(ids, it.ID)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return ids
}

// clusterWorkflow is the default workflow with the cluster step's
// parameters and batch size set.
func clusterWorkflow(params map[string]any, batch int) map[string]Definition {
	defs := Builtins()
	d := defs["default"]
	d.Steps = slices.Clone(d.Steps)
	for i := range d.Steps {
		d.Steps[i].BatchSize = batch
	}
	d.Steps[1].Params = params
	defs["default"] = d
	return defs
}

type clusterRun struct {
	db      *store.DB
	indexes *Indexes
	defs    map[string]Definition
	workers int
}

func newClusterRun(tb testing.TB, db *store.DB, params map[string]any, batch int) *clusterRun {
	return &clusterRun{db: db, indexes: NewIndexes("", clustering.IndexOptions{}, nil), defs: clusterWorkflow(params, batch), workers: 2}
}

func (c *clusterRun) run(tb testing.TB, ws string) Progress {
	tb.Helper()
	r, err := NewRunner(c.db, c.defs, Actions(ActionOptions{DB: c.db, Indexes: c.indexes}), Options{Workers: c.workers})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := r.RunUntilIdle(tb.Context(), ws, "default")
	if err != nil {
		tb.Fatal(err)
	}
	if p.Failed > 0 {
		tb.Fatalf("%d items failed", p.Failed)
	}
	return p
}

// clusterOf maps item id to cluster id; every item must have one.
func clusterOf(tb testing.TB, db *store.DB, ids []int64) map[int64]int64 {
	tb.Helper()
	out := map[int64]int64{}
	for _, id := range ids {
		it, err := db.Item(tb.Context(), id)
		if err != nil {
			tb.Fatal(err)
		}
		if !it.ClusterID.Valid {
			tb.Fatalf("item %d (%q) has no cluster", id, it.RawText)
		}
		out[id] = it.ClusterID.Int64
	}
	return out
}

func mustCluster(tb testing.TB, db *store.DB, id int64) *store.Cluster {
	tb.Helper()
	c, err := db.Cluster(tb.Context(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// checkBookkeeping recomputes every live cluster of ws from its members and
// compares: size, unique texts, daily counts, first/last published time,
// vector sum, cohesion and that the exemplar is a member.
func checkBookkeeping(tb testing.TB, db *store.DB, ws string) {
	tb.Helper()
	ctx := tb.Context()
	clusters, err := db.ListClusters(ctx, ws, store.BySize, 1, 1<<30)
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range clusters {
		var members []store.Item
		var sum []float32
		texts := map[string]bool{}
		days := map[string]int{}
		var first, last time.Time
		remote := false
		ids, err := db.ClusterMembers(ctx, c.ID, 1<<30)
		if err != nil {
			tb.Fatal(err)
		}
		for _, id := range ids {
			it, _ := db.Item(ctx, id)
			members = append(members, it)
			texts[clustering.SameTextKey(textOf(it))] = true
			days[store.DayOf(it)]++
			if first.IsZero() || it.PublishedAt.Before(first) {
				first = it.PublishedAt.Time
			}
			if it.PublishedAt.After(last) {
				last = it.PublishedAt.Time
			}
			v, err := db.Vector(ctx, id, c.Model)
			if errors.Is(err, store.ErrNotFound) {
				remote = true // a service (Alegre) keeps the vectors
				continue
			}
			if err != nil {
				tb.Fatal(err)
			}
			if sum == nil {
				sum = make([]float32, len(v.Data))
			}
			for i := range sum {
				sum[i] += v.Data[i]
			}
		}
		if c.Size != len(members) || c.UniqueTexts != len(texts) {
			tb.Errorf("cluster %d: size %d, unique %d; members say %d, %d", c.ID, c.Size, c.UniqueTexts, len(members), len(texts))
		}
		if !first.Equal(c.FirstPublishedAt.Time) || !last.Equal(c.LastPublishedAt.Time) {
			tb.Errorf("cluster %d: published %v..%v; members say %v..%v", c.ID, c.FirstPublishedAt, c.LastPublishedAt, first, last)
		}
		gotDays, err := db.ClusterDays(ctx, c.ID)
		if err != nil {
			tb.Fatal(err)
		}
		if fmt.Sprint(gotDays) != fmt.Sprint(days) {
			tb.Errorf("cluster %d: days %v; members say %v", c.ID, gotDays, days)
		}
		if !slices.Contains(ids, c.ExemplarItemID) {
			tb.Errorf("cluster %d: exemplar %d is not a member of %v", c.ID, c.ExemplarItemID, ids)
		}
		if remote {
			// Without vectors the exemplar stays the first member and
			// there is no centroid to measure cohesion by.
			if c.VectorSum != nil || c.Cohesion != 1 {
				tb.Errorf("cluster %d: vector sum %v, cohesion %v; want none, 1", c.ID, c.VectorSum != nil, c.Cohesion)
			}
			continue
		}
		var norm float64
		for _, x := range sum {
			norm += float64(x) * float64(x)
		}
		want := math.Min(1, math.Sqrt(norm)/float64(len(members)))
		if math.Abs(c.Cohesion-want) > 1e-4 {
			tb.Errorf("cluster %d: cohesion %.5f; members say %.5f", c.ID, c.Cohesion, want)
		}
	}
}

func TestIdenticalTextsEndInOneClusterWhateverTheOrder(t *testing.T) {
	texts := []post{
		{"Vote counting machines were hacked in three states", 0},
		{"Completely unrelated post about the weather in Lisbon", 1},
		{"Vote counting machines were hacked in three states", 2},
		{"Vote counting machines were hacked in three states!!", 3},
		{"Another unrelated post, this one about football", 4},
		{"Vote counting machines were hacked in three states", 5},
		{"Vote  counting machines were hacked in three states", 6},
		{"Vote counting machines were hacked in three states", 7},
	}
	orders := [][]int{{0, 1, 2, 3, 4, 5, 6, 7}, {7, 6, 5, 4, 3, 2, 1, 0}, {3, 1, 6, 0, 4, 7, 2, 5}, {1, 4, 3, 6, 2, 0, 7, 5}}
	for _, order := range orders {
		for _, batch := range []int{1, 3, 500} {
			t.Run(fmt.Sprintf("%v/batch%d", order, batch), func(t *testing.T) {
				db := mustDB(t)
				var posts []post
				for _, i := range order {
					posts = append(posts, texts[i])
				}
				ids := addPosts(t, db, "ws", "default", posts...)
				// A threshold of 1 leaves only exact copies to join: the
				// one with "!!" differs, and must stay out.
				newClusterRun(t, db, map[string]any{"threshold": 1.0}, batch).run(t, "ws")
				of := clusterOf(t, db, ids)
				byText := map[string]map[int64]bool{}
				for i, id := range ids {
					key := clustering.SameTextKey(posts[i].text)
					if byText[key] == nil {
						byText[key] = map[int64]bool{}
					}
					byText[key][of[id]] = true
				}
				for text, cs := range byText {
					if len(cs) != 1 {
						t.Errorf("%q is in %d clusters", text, len(cs))
					}
				}
				if len(byText) != 4 {
					t.Errorf("%d distinct texts; want 4", len(byText))
				}
				checkBookkeeping(t, db, "ws")
			})
		}
	}
}

func TestCaseOnlyDifferencesClusterAtTheDefaultThreshold(t *testing.T) {
	db := mustDB(t)
	ids := addPosts(t, db, "ws", "default", post{"Segurança das urnas", 0}, post{"segurança das urnas", 1})
	newClusterRun(t, db, nil, 500).run(t, "ws")
	of := clusterOf(t, db, ids)
	if of[ids[0]] != of[ids[1]] {
		t.Errorf("case variants in clusters %d and %d", of[ids[0]], of[ids[1]])
	}
	c := mustCluster(t, db, of[ids[0]])
	if c.Size != 2 || c.UniqueTexts != 2 || c.AddedTotal != 2 {
		t.Errorf("cluster = size %d, unique %d, added %d; want 2, 2, 2", c.Size, c.UniqueTexts, c.AddedTotal)
	}
}

func TestThresholdOneKeepsNearCopiesApart(t *testing.T) {
	near := []post{
		{"The minister said the vaccine contains microchips, watch the video", 0},
		{"The minister said the vaccine contains microchips, watch this video", 1},
	}
	for _, tc := range []struct {
		threshold any
		together  bool
	}{{1.0, false}, {nil, true}, {0.5, true}} {
		t.Run(fmt.Sprint(tc.threshold), func(t *testing.T) {
			db := mustDB(t)
			ids := addPosts(t, db, "ws", "default", near...)
			params := map[string]any{}
			if tc.threshold != nil {
				params["threshold"] = tc.threshold
			}
			newClusterRun(t, db, params, 500).run(t, "ws")
			of := clusterOf(t, db, ids)
			if got := of[ids[0]] == of[ids[1]]; got != tc.together {
				t.Errorf("together = %v; want %v (similarity %.3f)", got, tc.together,
					lexembed.Cosine(lexembed.Embed(near[0].text), lexembed.Embed(near[1].text)))
			}
		})
	}
}

func TestWorkspacesNeverShareClusters(t *testing.T) {
	db := mustDB(t)
	a := addPosts(t, db, "alpha", "default", post{"Same words in two workspaces", 0})
	b := addPosts(t, db, "beta", "default", post{"Same words in two workspaces", 0})
	cr := newClusterRun(t, db, nil, 500)
	cr.run(t, "alpha")
	cr.run(t, "beta")
	if ca, cb := clusterOf(t, db, a)[a[0]], clusterOf(t, db, b)[b[0]]; ca == cb {
		t.Errorf("both workspaces' items are in cluster %d", ca)
	}
	for _, ws := range []string{"alpha", "beta"} {
		cs, err := db.ListClusters(t.Context(), ws, store.BySize, 1, 10)
		if err != nil || len(cs) != 1 || cs[0].Workspace != ws {
			t.Errorf("clusters of %s = %v, %v", ws, cs, err)
		}
	}
}

func TestClusterBookkeepingAcrossBatches(t *testing.T) {
	db := mustDB(t)
	var posts []post
	for i := range 60 {
		switch i % 3 {
		case 0:
			posts = append(posts, post{"Breaking: the bridge in the north of the city has collapsed", i})
		case 1:
			posts = append(posts, post{fmt.Sprintf("Breaking: the bridge in the north of the city has collapsed %d", i), i})
		default:
			posts = append(posts, post{fmt.Sprintf("unrelated chatter number %d about %s", i, strconv.Itoa(i*7919)), i})
		}
	}
	ids := addPosts(t, db, "ws", "default", posts...)
	newClusterRun(t, db, nil, 7).run(t, "ws")
	of := clusterOf(t, db, ids)
	bridge := of[ids[0]]
	for i, id := range ids {
		if i%3 != 2 && of[id] != bridge {
			t.Errorf("bridge post %d (%q) is in cluster %d, not %d", i, posts[i].text, of[id], bridge)
		}
	}
	c := mustCluster(t, db, bridge)
	if c.Size != 40 || c.AddedTotal != 40 || c.UniqueTexts != 21 {
		t.Errorf("bridge cluster = size %d, added %d, unique %d; want 40, 40, 21", c.Size, c.AddedTotal, c.UniqueTexts)
	}
	if c.Cohesion <= 0.7 || c.Cohesion >= 1 {
		t.Errorf("cohesion %.3f; want in (0.7, 1)", c.Cohesion)
	}
	// The exemplar is the most central member: the exact text repeated 20
	// times, not one of the numbered variants.
	if ex, _ := db.Item(t.Context(), c.ExemplarItemID); ex.RawText != posts[0].text {
		t.Errorf("exemplar = %q; want the repeated text", ex.RawText)
	}
	checkBookkeeping(t, db, "ws")
}

func TestUnclusteredBestMatchFormsAPairWithTheBestCandidate(t *testing.T) {
	db := mustDB(t)
	defs := clusterWorkflow(nil, 500)
	defs["embed-only"] = Definition{Name: "embed-only", Steps: []Step{{State: "vectorized", Action: "embed"}}}
	worse := addPosts(t, db, "ws", "embed-only", post{"Officials confirm flooding closed the coastal highway near the port today", 0})
	best := addPosts(t, db, "ws", "embed-only", post{"Officials confirm flooding closed the coastal highway near the port", 0})
	ix := NewIndexes("", clustering.IndexOptions{}, nil)
	r, err := NewRunner(db, defs, Actions(ActionOptions{DB: db, Indexes: ix}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunUntilIdle(t.Context(), "ws", "embed-only"); err != nil {
		t.Fatal(err)
	}
	item := addPosts(t, db, "ws", "default", post{"Officials confirm flooding closed the coastal highway near the port.", 1})
	if _, err := r.RunUntilIdle(t.Context(), "ws", "default"); err != nil {
		t.Fatal(err)
	}
	it, _ := db.Item(t.Context(), item[0])
	b, _ := db.Item(t.Context(), best[0])
	w, _ := db.Item(t.Context(), worse[0])
	if !it.ClusterID.Valid || it.ClusterID != b.ClusterID || w.ClusterID.Valid {
		t.Errorf("clusters: item %v, best match %v, worse match %v; want the item paired with the best match only", it.ClusterID, b.ClusterID, w.ClusterID)
	}
	if c := mustCluster(t, db, it.ClusterID.Int64); c.Size != 2 || c.AddedTotal != 2 {
		t.Errorf("pair cluster size %d, added %d; want 2, 2", c.Size, c.AddedTotal)
	}
}

// clusteringOf is every item's cluster, by raw id, for comparing runs.
func clusteringOf(tb testing.TB, db *store.DB, ws string) map[string]int64 {
	tb.Helper()
	rows, err := db.ItemClusters(tb.Context(), ws)
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

// generated posts in the style of the faker: stories with exact copies and
// near-copies, and chatter.
func generatedPosts(n int) []post {
	stories := []string{
		"Polling stations in the east will close early because of the storm",
		"A leaked memo says the ministry knew about the contaminated water",
		"Celebrity doctor claims garlic cures the new flu variant",
		"Footage shows ballots being burned behind the town hall",
	}
	var out []post
	for i := range n {
		s := stories[i%len(stories)]
		switch i % 5 {
		case 0, 1:
			out = append(out, post{s, i})
		case 2:
			out = append(out, post{"RT " + s + " #share", i})
		case 3:
			out = append(out, post{fmt.Sprintf("%s (update %d)", s, i), i})
		default:
			out = append(out, post{fmt.Sprintf("random chatter %d: coffee, trains and %d cats", i, i*31), i})
		}
	}
	return out
}

func TestClusteringIsDeterministic(t *testing.T) {
	posts := generatedPosts(400)
	var runs []map[string]int64
	for range 2 {
		db := mustDB(t)
		addPosts(t, db, "ws", "default", posts...)
		cr := newClusterRun(t, db, nil, 23)
		cr.workers = 3
		cr.run(t, "ws")
		runs = append(runs, clusteringOf(t, db, "ws"))
		checkBookkeeping(t, db, "ws")
	}
	if fmt.Sprint(runs[0]) != fmt.Sprint(runs[1]) {
		t.Errorf("two runs of the same input clustered differently")
	}
}

// The index links new vectors into its graph in groups, and the cluster
// step searches the graph ahead for the items up to the next link: the
// clusters are the same whatever the batch size and workers, as if every
// item searched the index just before its placement.
func TestClustersDoNotDependOnBatches(t *testing.T) {
	posts := generatedPosts(700)
	// A small graph linked every 64 vectors, so that batches span links.
	opt := clustering.IndexOptions{M: 8, EfConstruction: 40, EfSearch: 60, ExactBelow: 1, LinkEvery: 64}
	configs := []struct{ batch, workers int }{{1, 1}, {7, 1}, {20, 3}, {45, 2}, {150, 2}}
	if raceEnabled { // a tenth of the work, the same shape
		posts, opt.LinkEvery, configs = generatedPosts(150), 16, configs[1:]
	}
	var runs []map[string]int64
	for _, c := range configs {
		db := mustDB(t)
		addPosts(t, db, "ws", "default", posts...)
		cr := newClusterRun(t, db, nil, c.batch)
		cr.workers = c.workers
		cr.indexes = NewIndexes("", opt, nil)
		cr.run(t, "ws")
		runs = append(runs, clusteringOf(t, db, "ws"))
		checkBookkeeping(t, db, "ws")
	}
	for i, run := range runs[1:] {
		if fmt.Sprint(run) != fmt.Sprint(runs[0]) {
			t.Errorf("%+v clustered differently from %+v", configs[i+1], configs[0])
		}
	}
}

func TestSavedIndexResumesWhereTheLastRunStopped(t *testing.T) {
	posts := generatedPosts(300)
	// One run over everything, as the reference.
	ref := mustDB(t)
	addPosts(t, ref, "ws", "default", posts...)
	newClusterRun(t, ref, nil, 50).run(t, "ws")
	want := clusteringOf(t, ref, "ws")

	for _, saved := range []bool{true, false} {
		t.Run(fmt.Sprintf("saved=%v", saved), func(t *testing.T) {
			dir := t.TempDir()
			db := openDB(t, filepath.Join(dir, "timpani.db"))
			indexDir := ""
			if saved {
				indexDir = filepath.Join(dir, "index")
			}
			// Two "processes", each with its own indexes: the second loads
			// what the first saved, or rebuilds from the database.
			addPosts(t, db, "ws", "default", posts[:150]...)
			first := newClusterRun(t, db, nil, 50)
			first.indexes = NewIndexes(indexDir, clustering.IndexOptions{}, nil)
			first.run(t, "ws")
			if err := first.indexes.Save(t.Context(), db); err != nil {
				t.Fatal(err)
			}
			addPosts(t, db, "ws", "default", posts[150:]...)
			second := newClusterRun(t, db, nil, 50)
			second.indexes = NewIndexes(indexDir, clustering.IndexOptions{}, nil)
			second.run(t, "ws")
			got := clusteringOf(t, db, "ws")
			if len(got) != len(want) {
				t.Fatalf("%d items clustered; want %d", len(got), len(want))
			}
			if !samePartition(got, want) {
				t.Errorf("resumed clustering differs from one run over everything")
			}
			checkBookkeeping(t, db, "ws")
		})
	}
}

// samePartition reports whether two clusterings group the same raw ids
// together, whatever the cluster ids.
func samePartition(a, b map[string]int64) bool {
	ab := map[int64]int64{}
	for k, ca := range a {
		cb, ok := b[k]
		if !ok {
			return false
		}
		if prev, ok := ab[ca]; ok && prev != cb {
			return false
		}
		ab[ca] = cb
	}
	seen := map[int64]bool{}
	for _, cb := range ab {
		if seen[cb] {
			return false
		}
		seen[cb] = true
	}
	return true
}

func TestTwoProcessesClusterOneWorkspaceConsistently(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "timpani.db")
	db1, db2 := openDB(t, path), openDB(t, path)
	posts := generatedPosts(400)
	addPosts(t, db1, "ws", "default", posts...)
	var wg sync.WaitGroup
	for _, db := range []*store.DB{db1, db2} {
		wg.Go(func() {
			cr := newClusterRun(t, db, nil, 10)
			r, err := NewRunner(db, cr.defs, Actions(ActionOptions{DB: db, Indexes: cr.indexes}), Options{Workers: 2})
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := r.RunUntilIdle(context.Background(), "ws", "default"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := clusteringOf(t, db1, "ws")
	if len(got) != len(posts) {
		t.Fatalf("%d items clustered; want %d", len(got), len(posts))
	}
	// Every copy of a story's exact text is in one cluster.
	byText := map[string]map[int64]bool{}
	for i := range posts {
		key := posts[i].text
		if byText[key] == nil {
			byText[key] = map[int64]bool{}
		}
	}
	for raw, c := range got {
		i, _ := strconv.Atoi(raw)
		byText[posts[i].text][c] = true
	}
	for text, cs := range byText {
		if len(cs) != 1 {
			t.Errorf("%q is in %d clusters", text, len(cs))
		}
	}
	checkBookkeeping(t, db1, "ws")
}

func TestExpiryAndReingestUpdateClusters(t *testing.T) {
	db := mustDB(t)
	text := "Water from the river is poisoned, do not drink it"
	ids := addPosts(t, db, "ws", "default",
		post{text, 0}, post{text + " today", 24}, post{text, 48}, post{"a lone post about gardening", 0})
	ix := NewIndexes("", clustering.IndexOptions{}, nil)
	cr := newClusterRun(t, db, nil, 500)
	cr.indexes = ix
	cr.run(t, "ws")
	of := clusterOf(t, db, ids)
	c := mustCluster(t, db, of[ids[0]])
	if c.Size != 3 || c.UniqueTexts != 2 || c.ExemplarItemID != ids[0] {
		t.Fatalf("cluster = size %d, unique %d, exemplar %d; want 3, 2, %d", c.Size, c.UniqueTexts, c.ExemplarItemID, ids[0])
	}
	// Expire the first day: the exemplar and the lone post go.
	n, err := Expire(t.Context(), db, "ws", clusterEpoch.Add(time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("expired %d, %v; want 2", n, err)
	}
	c = mustCluster(t, db, of[ids[0]])
	if c.Size != 2 || c.AddedTotal != 3 || c.UniqueTexts != 2 || (c.ExemplarItemID != ids[1] && c.ExemplarItemID != ids[2]) {
		t.Errorf("after expiry: size %d, added %d, unique %d, exemplar %d; want 2, 3, 2, a surviving member", c.Size, c.AddedTotal, c.UniqueTexts, c.ExemplarItemID)
	}
	if !c.FirstPublishedAt.Equal(clusterEpoch.Add(24 * time.Hour)) {
		t.Errorf("first published %v; want the first surviving member's", c.FirstPublishedAt)
	}
	if _, err := db.Cluster(t.Context(), of[ids[3]]); err == nil {
		t.Errorf("the lone post's cluster outlived its only member")
	}
	checkBookkeeping(t, db, "ws")
	// The index forgets expired items, and a new copy of the text still
	// finds the cluster through the surviving copy.
	matches, err := ix.Similar(t.Context(), db, "ws", lexembed.Model, lexembed.Embed(text), 10, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range matches {
		if m.ID == ids[0] || m.ID == ids[3] {
			t.Errorf("expired item %d is still in the index", m.ID)
		}
	}
	if len(matches) == 0 {
		t.Errorf("no match for the surviving texts")
	}
	later := addPostsFrom(t, db, "ws", "default", "another source", post{text, 72})
	cr.run(t, "ws")
	if got := clusterOf(t, db, later)[later[0]]; got != of[ids[0]] {
		t.Errorf("a new copy went to cluster %d, not %d", got, of[ids[0]])
	}
	checkBookkeeping(t, db, "ws")
}

func TestMergeKeepsIdsResolvable(t *testing.T) {
	db := mustDB(t)
	a := "This belongs in cluster A"
	b := "This is in B but belongs in cluster A"
	ids := addPosts(t, db, "ws", "default", post{a, 0}, post{a, 1}, post{b, 2}, post{b, 3})
	ix := NewIndexes("", clustering.IndexOptions{}, nil)
	cr := newClusterRun(t, db, map[string]any{"threshold": 0.95}, 500)
	cr.indexes = ix
	cr.run(t, "ws")
	of := clusterOf(t, db, ids)
	if of[ids[0]] == of[ids[2]] {
		t.Fatalf("A and B clustered together already at 0.95")
	}
	sum, err := MergeClusters(t.Context(), db, ix, "ws", 0.5, 100)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Merged != 1 {
		t.Fatalf("merge pass = %+v; want one merge", sum)
	}
	after := clusterOf(t, db, ids)
	survivor := after[ids[0]]
	for _, id := range ids {
		if after[id] != survivor {
			t.Errorf("item %d in cluster %d after the merge, not %d", id, after[id], survivor)
		}
	}
	absorbed := of[ids[2]]
	if survivor == absorbed {
		absorbed = of[ids[0]]
	}
	if survivor != min(of[ids[0]], of[ids[2]]) {
		t.Errorf("survivor %d; equal sizes keep the older cluster %d", survivor, min(of[ids[0]], of[ids[2]]))
	}
	got, err := db.ResolveCluster(t.Context(), absorbed)
	if err != nil || got.ID != survivor || got.Size != 4 || got.AddedTotal != 4 || got.UniqueTexts != 2 {
		t.Errorf("resolve %d = %+v, %v; want cluster %d of 4 items, 2 texts", absorbed, got, err, survivor)
	}
	if c := mustCluster(t, db, absorbed); c.MergedInto != survivor || c.Size != 0 {
		t.Errorf("absorbed cluster = merged into %d, size %d", c.MergedInto, c.Size)
	}
	merges, err := db.Merges(t.Context(), "ws")
	if err != nil || len(merges) != 1 || merges[0].Absorbed != absorbed || merges[0].Survivor != survivor || merges[0].Items != 2 {
		t.Errorf("merge records = %+v, %v", merges, err)
	}
	checkBookkeeping(t, db, "ws")
	// A second pass finds nothing more to do.
	if sum, err := MergeClusters(t.Context(), db, ix, "ws", 0.5, 100); err != nil || sum.Merged != 0 {
		t.Errorf("second pass = %+v, %v; want no merges", sum, err)
	}
}

func TestTrendsRankGrowingClusters(t *testing.T) {
	db := mustDB(t)
	var posts []post
	// Steady: 2 a day for 8 days. Rising: nothing, then 6 on the last day.
	for day := range 8 {
		posts = append(posts, post{"steady story about the harbour repairs", 24 * day}, post{"steady story about the harbour repairs", 24*day + 1})
	}
	for i := range 6 {
		posts = append(posts, post{"sudden rumour that the dam will open tonight", 24*7 + i})
	}
	ids := addPosts(t, db, "ws", "default", posts...)
	newClusterRun(t, db, nil, 500).run(t, "ws")
	if _, err := UpdateTrends(t.Context(), db, "ws", clustering.TrendOptions{}); err != nil {
		t.Fatal(err)
	}
	of := clusterOf(t, db, ids)
	steady, rising := mustCluster(t, db, of[ids[0]]), mustCluster(t, db, of[ids[len(ids)-1]])
	if !(rising.Trend > steady.Trend) || rising.Trend <= 0 {
		t.Errorf("trend rising %.2f, steady %.2f; want rising above steady and above 0", rising.Trend, steady.Trend)
	}
	list, err := db.ListClusters(t.Context(), "ws", store.ByTrend, 2, 1)
	if err != nil || len(list) != 1 || list[0].ID != rising.ID {
		t.Errorf("top cluster by trend = %v, %v; want %d", list, err, rising.ID)
	}
}

func TestKeywordTrendsRankRisingKeywords(t *testing.T) {
	db := mustDB(t)
	var posts []post
	for day := range 8 {
		posts = append(posts, post{"#harbour repairs continue", 24 * day}, post{"#harbour works again", 24*day + 1})
	}
	for i := range 5 {
		posts = append(posts, post{fmt.Sprintf("#damopening tonight, post %d", i), 24*7 + i})
	}
	addPosts(t, db, "ws", "meedan", posts...)
	r, err := NewRunner(db, Builtins(), Actions(ActionOptions{DB: db}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunUntilIdle(t.Context(), "ws", "meedan"); err != nil {
		t.Fatal(err)
	}
	got, err := KeywordTrends(t.Context(), db, "ws", HashtagModel, clustering.TrendOptions{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Keyword != "#damopening" || got[0].Recent != 5 || got[0].Baseline != 0 {
		t.Errorf("rising hashtags = %+v; want only #damopening (5 today, none before)", got)
	}
}
