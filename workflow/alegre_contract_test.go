package workflow

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow/lexembed"
	"github.com/timpani-dev/timpani/workflow/modelserver"
)

// These tests run the Alegre actions against timpani's own
// Alegre-compatible server (`timpani models serve`), whose only model key
// is the built-in lexical embedder's.

// startModelserver serves a fresh built-in model server on loopback.
func startModelserver(tb testing.TB) *httptest.Server {
	tb.Helper()
	s := modelserver.New(modelserver.Options{Log: testLog(tb)})
	srv := httptest.NewServer(s.Handler())
	tb.Cleanup(srv.Close)
	return srv
}

// alegreRun runs the "alegre" workflow (embed and cluster on the model
// server) over ws until idle and checks every item completed.
func alegreRun(tb testing.TB, db *store.DB, url string, params map[string]any, batch int, ws string) {
	tb.Helper()
	r := testAlegre(url, ServiceConfig{Model: lexembed.Model})
	p := runAlegre(tb, db, alegreWorkflowActions(db, r), alegreDefs(params, batch), ws, "alegre")
	if p.Completed != p.Active {
		tb.Errorf("%d of %d items completed", p.Completed, p.Active)
	}
	for state, n := range stateCounts(tb, db, ws) {
		if state != store.Completed {
			tb.Errorf("%d items of %s in %s; want all completed", n, ws, state)
		}
	}
}

func TestAlegreContractIdenticalTextsShareACluster(t *testing.T) {
	texts := []post{
		{"Vote counting machines were hacked in three states", 0},
		{"Completely unrelated post about the weather in Lisbon", 1},
		{"Vote counting machines were hacked in three states", 2},
		{"Vote counting machines were hacked in three states!!", 3},
		{"Another unrelated post, this one about football", 4},
		{"Vote  counting machines were hacked in three states", 30},
		{"Vote counting machines were hacked in three states", 7},
	}
	for _, batch := range []int{1, 3, 500} {
		t.Run(fmt.Sprintf("batch%d", batch), func(t *testing.T) {
			srv := startModelserver(t)
			db := mustDB(t)
			ids := addPosts(t, db, "ws", "alegre", texts...)
			alegreRun(t, db, srv.URL, nil, batch, "ws")
			of := clusterOf(t, db, ids)
			vote := of[ids[0]]
			for i, id := range ids {
				together := i != 1 && i != 4
				if (of[id] == vote) != together {
					t.Errorf("%q in cluster %d; vote cluster %d, want together = %v", texts[i].text, of[id], vote, together)
				}
			}
			if of[ids[1]] == of[ids[4]] {
				t.Errorf("the two unrelated posts share cluster %d", of[ids[1]])
			}
			c := mustCluster(t, db, vote)
			if c.Size != 5 || c.AddedTotal != 5 || c.UniqueTexts != 2 || c.Model != lexembed.Model {
				t.Errorf("vote cluster = size %d, added %d, unique %d, model %q; want 5, 5, 2, %q", c.Size, c.AddedTotal, c.UniqueTexts, c.Model, lexembed.Model)
			}
			checkBookkeeping(t, db, "ws")
		})
	}
}

func TestAlegreContractWorkspacesNeverMix(t *testing.T) {
	srv := startModelserver(t)
	db := mustDB(t)
	// The same texts in both, and in beta a near copy that would join
	// alpha's cluster if Alegre's context did not keep workspaces apart.
	a := addPosts(t, db, "alpha", "alegre", post{"Same words in two workspaces about the flooded bridge", 0},
		post{"Same words in two workspaces about the flooded bridge", 1})
	alegreRun(t, db, srv.URL, nil, 500, "alpha")
	b := addPosts(t, db, "beta", "alegre", post{"Same words in two workspaces about the flooded bridge!", 0},
		post{"Same words in two workspaces about the flooded bridge", 1})
	alegreRun(t, db, srv.URL, nil, 500, "beta")
	ofA, ofB := clusterOf(t, db, a), clusterOf(t, db, b)
	if ofA[a[0]] != ofA[a[1]] || ofB[b[0]] != ofB[b[1]] {
		t.Errorf("clusters alpha %v, beta %v; want each workspace's copies together", ofA, ofB)
	}
	if ofA[a[0]] == ofB[b[0]] {
		t.Errorf("both workspaces' items are in cluster %d", ofA[a[0]])
	}
	for _, ws := range []string{"alpha", "beta"} {
		cs, err := db.ListClusters(t.Context(), ws, store.BySize, 1, 10)
		if err != nil || len(cs) != 1 || cs[0].Workspace != ws || cs[0].Size != 2 {
			t.Errorf("clusters of %s = %v, %v; want one of 2 items", ws, cs, err)
		}
		checkBookkeeping(t, db, ws)
	}
}

func TestAlegreContractThresholdOneKeepsNearCopiesApart(t *testing.T) {
	near := []post{
		{"The minister said the vaccine contains microchips, watch the video", 0},
		{"The minister said the vaccine contains microchips, watch this video", 1},
	}
	for _, tc := range []struct {
		threshold any
		together  bool
	}{{1.0, false}, {int64(1), false}, {nil, true}, {0.5, true}} {
		t.Run(fmt.Sprint(tc.threshold), func(t *testing.T) {
			srv := startModelserver(t)
			db := mustDB(t)
			ids := addPosts(t, db, "ws", "alegre", near...)
			params := map[string]any{}
			if tc.threshold != nil {
				params["threshold"] = tc.threshold
			}
			alegreRun(t, db, srv.URL, params, 500, "ws")
			of := clusterOf(t, db, ids)
			if got := of[ids[0]] == of[ids[1]]; got != tc.together {
				t.Errorf("together = %v; want %v (similarity %.3f)", got, tc.together,
					lexembed.Cosine(lexembed.Embed(near[0].text), lexembed.Embed(near[1].text)))
			}
		})
	}
}

func TestAlegreContractExpiryForgetsDocuments(t *testing.T) {
	srv := startModelserver(t)
	db := mustDB(t)
	text := "Water from the river is poisoned, do not drink it"
	ids := addPosts(t, db, "ws", "alegre", post{text, 0}, post{text, 48}, post{text + " today", 48})
	alegreRun(t, db, srv.URL, nil, 500, "ws")

	r := testAlegre(srv.URL, ServiceConfig{Model: lexembed.Model})
	acts := alegreWorkflowActions(db, r)
	forget := Forgetters(acts, alegreDefs(nil, 500)["alegre"])
	n, err := Expire(t.Context(), db, "ws", clusterEpoch.Add(time.Hour), forget...)
	if err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v; want 1, nil", n, err)
	}
	// Alegre no longer finds the expired item, and still finds the others.
	res := acts["alegre.cluster"].Apply(t.Context(), Batch{Workspace: "ws", Step: Step{Params: map[string]any{"threshold": 0.5}},
		Items: []store.Item{{ID: 1 << 40, Workspace: "ws", RawText: text}}})
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	found := map[int64]bool{}
	for _, m := range res[0].Matches {
		found[m.ID] = true
	}
	if found[ids[0]] || !found[ids[1]] || !found[ids[2]] {
		t.Errorf("search finds %v; want items %d and %d, not the expired %d", res[0].Matches, ids[1], ids[2], ids[0])
	}
	// Forgetting it again is fine: Alegre answers 404, which means gone.
	if err := forget[0].Forget(t.Context(), "ws", []int64{ids[0]}); err != nil {
		t.Errorf("Forget of a forgotten item = %v; want nil", err)
	}
	// A new copy still joins the surviving cluster.
	later := addPostsFrom(t, db, "ws", "alegre", "another source", post{text, 72})
	alegreRun(t, db, srv.URL, nil, 500, "ws")
	if got, want := clusterOf(t, db, later)[later[0]], clusterOf(t, db, ids[1:2])[ids[1]]; got != want {
		t.Errorf("a new copy went to cluster %d, not %d", got, want)
	}
	checkBookkeeping(t, db, "ws")
}

func TestAlegreContractDeleteOfAnUnknownDocumentIs404(t *testing.T) {
	// The shape Forget relies on: the server answers 404 for a document it
	// does not have.
	srv := startModelserver(t)
	r := testAlegre(srv.URL, ServiceConfig{})
	err := r.call(t.Context(), http.MethodDelete, alegrePath, alegreDoc("ws", 404404), nil)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusNotFound {
		t.Errorf("delete of an unknown document = %v; want 404", err)
	}
}
