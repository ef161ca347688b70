package store_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
)

// TestKeywordPagesRunAcrossThePopularIndex lists keywords by count a few
// at a time: the popular ones come from their index, the long tail from a
// sort, and the pages must join up into one ordered list without gaps or
// repeats, and stay right as expiry takes items away.
func TestKeywordPagesRunAcrossThePopularIndex(t *testing.T) {
	db := mustOpen(t)
	ids := seed(t, db, "ws", 30)
	var rows []store.KeywordRow
	for k := 1; k <= 25; k++ { // keyword kNN on NN items: both sides of the threshold
		for i := range k {
			rows = append(rows, store.KeywordRow{ItemID: ids[i], Workspace: "ws", Model: "m",
				PublishedAt: store.T(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)),
				Keyword:     store.Keyword{Text: fmt.Sprintf("k%02d", k), Score: 1}})
		}
	}
	// The page reads the folded totals, as they stand after a workflow run.
	update(t, db, func(tx *store.Tx) error {
		if err := tx.AddKeywordsMany(t.Context(), rows); err != nil {
			return err
		}
		return tx.FoldKeywordCounts(t.Context())
	})
	check := func(top, gone int) {
		t.Helper()
		var got []string
		for page := 0; ; page++ {
			part, err := db.ListKeywords(t.Context(), store.KeywordFilter{Workspace: "ws"}, 4, page*4)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range part {
				got = append(got, fmt.Sprintf("%s:%d", k.Keyword, k.Items))
			}
			if len(part) < 4 {
				break
			}
		}
		var want []string
		for k := 25; k >= 1; k-- {
			if n := min(k, top) - gone; n > 0 {
				want = append(want, fmt.Sprintf("k%02d:%d", k, n))
			}
		}
		// Equal counts sort by keyword.
		slices.SortStableFunc(want, func(a, b string) int {
			var ka, na, kb, nb int
			fmt.Sscanf(a, "k%d:%d", &ka, &na)
			fmt.Sscanf(b, "k%d:%d", &kb, &nb)
			if na != nb {
				return nb - na
			}
			return ka - kb
		})
		if !slices.Equal(got, want) {
			t.Errorf("pages of 4 joined:\n got %v\nwant %v", got, want)
		}
	}
	check(30, 0)
	// Expire the first 18 items, which carry every keyword: counts fall
	// across the threshold and out of the list.
	update(t, db, func(tx *store.Tx) error {
		if _, err := tx.ExpireItems(t.Context(), "ws", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), 18); err != nil {
			return err
		}
		return tx.FoldKeywordCounts(t.Context())
	})
	check(30, 18)
}

// TestRunningTotalsMatchTheItems checks the totals the viewer reads
// against the items themselves after every kind of write: batch and
// single inserts, a transition that sets the language, a re-ingest that
// moves the published day, a retry, and expiry.
func TestRunningTotalsMatchTheItems(t *testing.T) {
	db := mustOpen(t)
	ctx := t.Context()
	day := func(d int) store.Time { return store.T(time.Date(2024, 3, d, 10, 0, 0, 0, time.UTC)) }
	var run store.Run
	var items []*store.Item
	for i := range 40 {
		it := &store.Item{Workspace: "ws", Source: []string{"a", "b"}[i%2], Query: "q", DateID: 20240301 + i%3,
			RawID: fmt.Sprint(i), RawText: "text", Workflow: "w", State: store.Ready, Language: []string{"", "en"}[i%2]}
		if i%5 != 0 {
			it.PublishedAt = day(1 + i%4)
		}
		items = append(items, it)
	}
	update(t, db, func(tx *store.Tx) error {
		run = store.Run{Kind: store.RunFetch, Workspace: "ws"}
		if err := tx.StartRun(ctx, &run); err != nil {
			return err
		}
		for _, it := range items {
			it.RunID = run.ID
		}
		if _, err := tx.InsertItems(ctx, items[:30]); err != nil {
			return err
		}
		for _, it := range items[30:] {
			if _, err := tx.InsertItem(ctx, it); err != nil {
				return err
			}
		}
		// Repeats are not counted twice.
		_, err := tx.InsertItems(ctx, []*store.Item{{Workspace: "ws", Source: "a", Query: "q", DateID: 20240301,
			RunID: run.ID, RawID: "0", RawText: "again", Workflow: "w", State: store.Ready}})
		return err
	})
	check := func(when string) {
		t.Helper()
		all, err := db.ListItems(ctx, store.ItemFilter{Workspace: "ws"}, store.NewestFirst, 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		states := map[store.State]int{}
		bySourceLang := map[[2]string]int{}
		for _, it := range all {
			states[it.State]++
			bySourceLang[[2]string{it.Source, it.Language}]++
		}
		counts, err := db.StateCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[store.State]int{}
		for _, c := range counts {
			got[c.State] = c.Items
		}
		if fmt.Sprint(got) != fmt.Sprint(states) {
			t.Errorf("%s: state totals %v, items say %v", when, got, states)
		}
		for _, src := range []string{"a", "b"} {
			for _, lang := range []string{"", "en", "fr"} {
				f := store.ItemFilter{Workspace: "ws", Source: src, Language: lang}
				n, err := db.CountItems(ctx, f, 1000)
				if err != nil {
					t.Fatal(err)
				}
				want := bySourceLang[[2]string{src, lang}]
				if lang == "" {
					want = bySourceLang[[2]string{src, ""}] + bySourceLang[[2]string{src, "en"}] + bySourceLang[[2]string{src, "fr"}]
				}
				if n.N != want || !n.Exact {
					t.Errorf("%s: source %s language %q: totals say %+v, items %d", when, src, lang, n, want)
				}
			}
		}
	}
	check("after insert")
	update(t, db, func(tx *store.Tx) error {
		var advs []store.Advance
		fr := "fr"
		for _, it := range items[:10] {
			advs = append(advs, store.Advance{ItemID: it.ID, Path: []store.State{store.Ready, store.Completed},
				Language: &fr, LanguageScore: 0.9})
		}
		_, err := tx.AdvanceMany(ctx, "", advs)
		return err
	})
	check("after transitions that set the language")
	update(t, db, func(tx *store.Tx) error {
		it := *items[12]
		it.PublishedAt, it.State = day(9), store.Ready
		_, err := tx.ReplaceItem(ctx, &it)
		return err
	})
	check("after a re-ingest that moves the day")
	update(t, db, func(tx *store.Tx) error {
		_, err := tx.ExpireItems(ctx, "ws", time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC), 1000)
		return err
	})
	check("after expiry")
}

// A cluster page counts the keywords of the cluster's members, per model,
// most carried first, ties by model and keyword.
func TestClusterKeywordsCountTheMembersKeywords(t *testing.T) {
	db := mustOpen(t)
	ctx := t.Context()
	ids := seed(t, db, "ws", 4)
	c := &store.Cluster{Workspace: "ws", Model: "m"}
	update(t, db, func(tx *store.Tx) error {
		if err := tx.CreateCluster(ctx, c); err != nil {
			return err
		}
		var rows []store.ItemCluster
		for i, id := range ids[:3] { // the fourth item stays out
			rows = append(rows, store.ItemCluster{ItemID: id, ClusterID: c.ID, TextHash: int64(i)})
		}
		return tx.SetItemClusters(ctx, rows)
	})
	addKeywords(t, db, keywordRows("ws", "yake", "common", store.Time{}, ids...),
		keywordRows("ws", "yake", `say "two"`, store.Time{}, ids[0], ids[1]),
		keywordRows("ws", "hashtags", "#two", store.Time{}, ids[1], ids[2]),
		keywordRows("ws", "yake", "outside", store.Time{}, ids[3]),
		[]store.KeywordRow{{ItemID: ids[2], Workspace: "ws", Model: "yake", Keyword: store.Keyword{Text: "endless", Score: math.Inf(1)}}})
	got, err := db.ClusterKeywords(ctx, c.ID, 100, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.KeywordCount{{Model: "yake", Keyword: "common", Items: 3}, {Model: "hashtags", Keyword: "#two", Items: 2},
		{Model: "yake", Keyword: `say "two"`, Items: 2}, {Model: "yake", Keyword: "endless", Items: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("cluster keywords:\n%+v\nwant\n%+v", got, want)
	}
	if got, err := db.ClusterKeywords(ctx, c.ID, 100, 2); err != nil || !slices.Equal(got, want[:2]) {
		t.Errorf("the first two: %+v, %v; want %+v", got, err, want[:2])
	}
}
