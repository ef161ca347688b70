package workflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
)

// alegreRequestSeen is one request a fake Alegre received.
type alegreRequestSeen struct {
	Method, Path string
	Header       http.Header
	Body         map[string]any
}

// recordingServer serves handle on loopback and records every request.
type recordingServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []alegreRequestSeen
}

func newRecordingServer(tb testing.TB, handle func(w http.ResponseWriter, r *http.Request, body map[string]any)) *recordingServer {
	tb.Helper()
	rs := &recordingServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var body map[string]any
		if len(data) > 0 {
			if err := json.Unmarshal(data, &body); err != nil {
				http.Error(w, "bad json: "+err.Error(), http.StatusBadRequest)
				return
			}
		}
		rs.mu.Lock()
		rs.seen = append(rs.seen, alegreRequestSeen{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		rs.mu.Unlock()
		handle(w, r, body)
	}))
	tb.Cleanup(rs.Close)
	return rs
}

func (rs *recordingServer) requests() []alegreRequestSeen {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return slices.Clone(rs.seen)
}

func writeJSONAnswer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// testAlegre is a remote for an Alegre service at url, with no retries and
// tiny backoffs unless cfg says otherwise.
func testAlegre(url string, cfg ServiceConfig) *remote {
	cfg.Name, cfg.Kind, cfg.URL = "alegre", "alegre", url
	if cfg.Retries == 0 {
		cfg.Retries = -1
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	r := newRemote(cfg)
	r.backoff = time.Millisecond
	return r
}

// alegreWorkflowActions are the built-in actions and the Alegre ones of r,
// found as "alegre.<action>".
func alegreWorkflowActions(db *store.DB, r *remote) map[string]Action {
	acts := Actions(ActionOptions{DB: db})
	for name, a := range alegreActions(r, ActionOptions{DB: db}) {
		acts["alegre."+name] = a
	}
	return acts
}

// alegreDefs are the workflows "alegre" (embed and cluster on Alegre, the
// cluster step with params) and "alegre-embed" (embed only).
func alegreDefs(params map[string]any, batch int) map[string]Definition {
	embed := Step{State: "vectorized", Action: "embed", Service: "alegre", BatchSize: batch}
	cluster := Step{State: "clustered", Action: "cluster", Service: "alegre", Params: params, BatchSize: batch}
	return map[string]Definition{
		"alegre":       {Name: "alegre", Steps: []Step{embed, cluster}},
		"alegre-embed": {Name: "alegre-embed", Steps: []Step{embed}},
	}
}

// runAlegre runs workflow wf of defs over ws until idle; no item may fail.
func runAlegre(tb testing.TB, db *store.DB, acts map[string]Action, defs map[string]Definition, ws, wf string) Progress {
	tb.Helper()
	r, err := NewRunner(db, defs, acts, Options{Workers: 2, Log: testLog(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := r.RunUntilIdle(tb.Context(), ws, wf)
	if err != nil {
		tb.Fatal(err)
	}
	if p.Failed > 0 {
		tb.Fatalf("%d items failed", p.Failed)
	}
	return p
}

func oneItem(id int64, text string) Batch {
	return Batch{Workspace: "ws", Items: []store.Item{{ID: id, Workspace: "ws", RawText: text}}}
}

func TestAlegreEmbedSendsTheOriginalsStoreBody(t *testing.T) {
	tests := []struct {
		name       string
		cfgModel   string
		params     map[string]any
		wantModels []any
	}{
		{"default model", "", nil, []any{DefaultAlegreModel}},
		{"service model", "xlm-r-bert-base-nli-stsb-mean-tokens", nil, []any{"xlm-r-bert-base-nli-stsb-mean-tokens"}},
		{"step model", "xlm-r-bert-base-nli-stsb-mean-tokens", map[string]any{"model": "indian-sbert"}, []any{"indian-sbert"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
				writeJSONAnswer(w, http.StatusOK, map[string]bool{"success": true})
			})
			a := alegreActions(testAlegre(srv.URL, ServiceConfig{Model: tc.cfgModel}), ActionOptions{})["embed"]
			b := Batch{Workspace: "news-ws", Step: Step{Params: tc.params}, Items: []store.Item{
				{ID: 7, Workspace: "news-ws", RawText: "raw text", Text: "clean text"},
				{ID: 8, Workspace: "news-ws", RawText: "only raw"},
			}}
			res := a.Apply(t.Context(), b)
			for i, r := range res {
				if r.Err != nil || len(r.Vectors) != 0 {
					t.Errorf("item %d: result = %+v; want success without local vectors", i, r)
				}
			}
			reqs := srv.requests()
			slices.SortFunc(reqs, func(x, y alegreRequestSeen) int {
				return strings.Compare(x.Body["doc_id"].(string), y.Body["doc_id"].(string))
			})
			if len(reqs) != 2 {
				t.Fatalf("%d requests; want 2", len(reqs))
			}
			for i, want := range []map[string]any{
				{"text": "clean text", "doc_id": "timpani_7", "models": tc.wantModels,
					"context": map[string]any{"type": "timpani_content_item_text", "workspace_id": "news-ws"}},
				{"text": "only raw", "doc_id": "timpani_8", "models": tc.wantModels,
					"context": map[string]any{"type": "timpani_content_item_text", "workspace_id": "news-ws"}},
			} {
				got := reqs[i]
				if got.Method != http.MethodPost || got.Path != "/text/similarity/" {
					t.Errorf("request %d = %s %s; want POST /text/similarity/", i, got.Method, got.Path)
				}
				if !reflect.DeepEqual(got.Body, want) {
					t.Errorf("request %d body = %v; want %v", i, got.Body, want)
				}
				if ua := got.Header.Get("User-Agent"); ua != UserAgent {
					t.Errorf("User-Agent = %q; want %q", ua, UserAgent)
				}
				if ct := got.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
		})
	}
}

func TestAlegreFailuresAreClassified(t *testing.T) {
	tests := []struct {
		name        string
		action      string
		text        string
		answer      func(w http.ResponseWriter, r *http.Request)
		retryable   bool
		unavailable bool
		unusable    bool
		requests    int
	}{
		{"store success false", "embed", "some text", func(w http.ResponseWriter, _ *http.Request) {
			writeJSONAnswer(w, http.StatusOK, map[string]bool{"success": false})
		}, true, false, false, 1},
		{"store 500", "embed", "some text", func(w http.ResponseWriter, _ *http.Request) {
			writeJSONAnswer(w, http.StatusInternalServerError, map[string]string{"message": "assert failed"})
		}, true, false, false, 1},
		{"store malformed JSON", "embed", "some text", func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"success": tru`)
		}, true, false, false, 1},
		{"store 400", "embed", "some text", func(w http.ResponseWriter, _ *http.Request) {
			writeJSONAnswer(w, http.StatusBadRequest, map[string]string{"message": "unknown model"})
		}, false, false, false, 1},
		{"store 503", "embed", "some text", func(w http.ResponseWriter, _ *http.Request) {
			writeJSONAnswer(w, http.StatusServiceUnavailable, map[string]string{"message": "busy"})
		}, true, true, false, 1},
		{"store slow", "embed", "some text", func(_ http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // past the client's timeout
		}, true, true, false, 1},
		{"store empty text", "embed", "  \n ", nil, false, false, true, 0},
		{"search 500", "cluster", "some text", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		}, true, false, false, 1},
		{"search malformed JSON", "cluster", "some text", func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `<html>gateway</html>`)
		}, true, false, false, 1},
		{"search without result", "cluster", "some text", func(w http.ResponseWriter, _ *http.Request) {
			writeJSONAnswer(w, http.StatusOK, map[string]any{"hits": []any{}})
		}, true, false, false, 1},
		{"search error answer", "cluster", "some text", func(w http.ResponseWriter, _ *http.Request) {
			writeJSONAnswer(w, http.StatusOK, map[string]any{"error": "too many clauses"})
		}, false, false, false, 1},
		{"search slow", "cluster", "some text", func(_ http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, true, true, false, 1},
		{"search empty text", "cluster", "", nil, false, false, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) { tc.answer(w, r) })
			a := alegreActions(testAlegre(srv.URL, ServiceConfig{Timeout: 50 * time.Millisecond}), ActionOptions{})[tc.action]
			res := a.Apply(t.Context(), oneItem(3, tc.text))
			err := res[0].Err
			if err == nil {
				t.Fatalf("Apply = success; want an error")
			}
			if got := retryable(err); got != tc.retryable {
				t.Errorf("retryable(%v) = %v; want %v", err, got, tc.retryable)
			}
			if got := unavailable(err); got != tc.unavailable {
				t.Errorf("unavailable(%v) = %v; want %v", err, got, tc.unavailable)
			}
			if got := errors.Is(err, ErrUnusable); got != tc.unusable {
				t.Errorf("errors.Is(%v, ErrUnusable) = %v; want %v", err, got, tc.unusable)
			}
			var se *StepError
			if !tc.unusable && !errors.As(err, &se) {
				t.Errorf("error %v (%T) is not a *StepError", err, err)
			}
			if n := len(srv.requests()); n != tc.requests {
				t.Errorf("%d requests; want %d", n, tc.requests)
			}
		})
	}
}

func TestAlegreStoreFailuresAreRetried(t *testing.T) {
	// failures answers the first n stores with fail, the others with success.
	failures := func(n int, fail func(w http.ResponseWriter)) func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		var mu sync.Mutex
		stores := 0
		return func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			if r.URL.Path == "/text/similarity/search/" {
				writeJSONAnswer(w, http.StatusOK, map[string]any{"result": []any{}})
				return
			}
			mu.Lock()
			stores++
			failing := stores <= n
			mu.Unlock()
			if failing {
				fail(w)
				return
			}
			writeJSONAnswer(w, http.StatusOK, map[string]bool{"success": true})
		}
	}
	t.Run("500 is tried again within the attempt", func(t *testing.T) {
		srv := newRecordingServer(t, failures(1, func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }))
		a := alegreActions(testAlegre(srv.URL, ServiceConfig{Retries: 2}), ActionOptions{})["embed"]
		if res := a.Apply(t.Context(), oneItem(1, "text")); res[0].Err != nil {
			t.Fatalf("Apply = %v; want success on the second try", res[0].Err)
		}
		if n := len(srv.requests()); n != 2 {
			t.Errorf("%d requests; want 2", n)
		}
	})
	t.Run("success false is tried again by the runner", func(t *testing.T) {
		srv := newRecordingServer(t, failures(1, func(w http.ResponseWriter) {
			writeJSONAnswer(w, http.StatusOK, map[string]bool{"success": false})
		}))
		db := mustDB(t)
		acts := alegreWorkflowActions(db, testAlegre(srv.URL, ServiceConfig{Retries: 2}))
		addPosts(t, db, "ws", "alegre", post{"a post", 0})
		r, err := NewRunner(db, alegreDefs(nil, 10), acts, Options{Backoff: time.Millisecond, Log: testLog(t)})
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.RunUntilIdle(t.Context(), "ws", "alegre")
		if err != nil || p.Completed != 1 || p.Retried != 1 {
			t.Errorf("RunUntilIdle = %+v, %v; want the item completed after one retry", p, err)
		}
	})
}

func TestAlegreSearchBodyAndMatches(t *testing.T) {
	answer := map[string]any{"result": []map[string]any{
		{"id": "timpani_5", "_id": "timpani_5", "score": 2.0, "_score": 2.0, "content": "itself"}, // the item itself
		{"id": "timpani_9", "score": 1.97, "model": "m"},
		{"id": "check_12", "score": 1.99},     // not ours
		{"id": "timpani_abc", "score": 1.99},  // not an item id
		{"id": "timpani_", "score": 1.99},     // nor this
		{"_id": "timpani_11", "_score": 1.96}, // the older shape
		{"id": "timpani_4", "score": 1.5},
	}}
	tests := []struct {
		name          string
		params        map[string]any
		wantThreshold float64
		wantLimit     any
	}{
		{"defaults", nil, 0.95, nil},
		{"float threshold and limit", map[string]any{"threshold": 0.875, "limit": int64(50)}, 0.875, 50.0},
		{"TOML integer threshold", map[string]any{"threshold": int64(1)}, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
				writeJSONAnswer(w, http.StatusOK, answer)
			})
			a := alegreActions(testAlegre(srv.URL, ServiceConfig{Model: "m"}), ActionOptions{})["cluster"]
			b := oneItem(5, "the text")
			b.Step.Params = tc.params
			res := a.Apply(t.Context(), b)
			if res[0].Err != nil {
				t.Fatal(res[0].Err)
			}
			want := []clustering.Match{{ID: 9, Score: 0.97}, {ID: 11, Score: 0.96}, {ID: 4, Score: 0.5}}
			got := res[0].Matches
			if len(got) != len(want) {
				t.Fatalf("matches = %v; want %v", got, want)
			}
			for i := range want {
				if got[i].ID != want[i].ID || math.Abs(got[i].Score-want[i].Score) > 1e-9 {
					t.Errorf("match %d = %+v; want %+v (cosine = score - 1)", i, got[i], want[i])
				}
			}
			reqs := srv.requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/text/similarity/search/" {
				t.Fatalf("requests = %+v; want one POST /text/similarity/search/", reqs)
			}
			wantBody := map[string]any{"text": "the text", "doc_id": "timpani_5", "models": []any{"m"}, "threshold": tc.wantThreshold,
				"context": map[string]any{"type": "timpani_content_item_text", "workspace_id": "ws"}}
			if tc.wantLimit != nil {
				wantBody["limit"] = tc.wantLimit
			}
			if !reflect.DeepEqual(reqs[0].Body, wantBody) {
				t.Errorf("search body = %v; want %v", reqs[0].Body, wantBody)
			}
		})
	}
}

func TestAlegreCheckParams(t *testing.T) {
	tests := []struct {
		action string
		params map[string]any
		want   []string
	}{
		{"embed", nil, nil},
		{"embed", map[string]any{"model": "indian-sbert"}, nil},
		{"embed", map[string]any{"model": ""}, []string{"model must be"}},
		{"embed", map[string]any{"threshold": 0.9}, []string{`unknown parameter "threshold" (known: model)`}},
		{"cluster", map[string]any{"model": "m", "threshold": 0.875, "limit": int64(200)}, nil},
		{"cluster", map[string]any{"threshold": int64(1)}, nil},
		{"cluster", map[string]any{"threshold": 1.5, "limit": 2.5}, []string{"threshold must be", "limit must be"}},
		{"cluster", map[string]any{"threshold": "high"}, []string{"threshold must be"}},
		{"cluster", map[string]any{"limit": int64(0)}, []string{"limit must be"}},
		{"cluster", map[string]any{"candidates": int64(3)}, []string{`unknown parameter "candidates"`}},
	}
	acts := alegreActions(testAlegre("http://127.0.0.1:1", ServiceConfig{}), ActionOptions{})
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.action, tc.params), func(t *testing.T) {
			err := acts[tc.action].(ParamChecker).CheckParams(tc.params)
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("CheckParams = %v; want nil", err)
				}
				return
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("CheckParams = %v; want it to say %q", err, w)
				}
			}
		})
	}
}

// scriptedAlegre is a fake Alegre whose searches answer from a script: for
// a query text, the stored texts it matches and their cosine. Each answer
// also carries the item itself (as Alegre does once it is stored) and a
// document timpani never stored.
type scriptedAlegre struct {
	*recordingServer
	mu     sync.Mutex
	docs   map[string]string // doc id -> text
	script map[string]map[string]float64
}

func newScriptedAlegre(tb testing.TB, script map[string]map[string]float64) *scriptedAlegre {
	s := &scriptedAlegre{docs: map[string]string{}, script: script}
	s.recordingServer = newRecordingServer(tb, func(w http.ResponseWriter, r *http.Request, body map[string]any) {
		s.mu.Lock()
		defer s.mu.Unlock()
		id, _ := body["doc_id"].(string)
		text, _ := body["text"].(string)
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/text/similarity/":
			s.docs[id] = text
			writeJSONAnswer(w, http.StatusOK, map[string]bool{"success": true})
		case r.Method == http.MethodPost && r.URL.Path == "/text/similarity/search/":
			hits := []map[string]any{{"id": id, "score": 2.0}, {"id": "someone_else_1", "score": 2.0}}
			for doc, t := range s.docs {
				if cos, ok := s.script[text][t]; ok && doc != id {
					hits = append(hits, map[string]any{"id": doc, "score": cos + 1})
				}
			}
			writeJSONAnswer(w, http.StatusOK, map[string]any{"result": hits})
		default:
			http.NotFound(w, r)
		}
	})
	return s
}

func TestAlegreClusterPlacesItemsByTheBuiltinRules(t *testing.T) {
	const (
		worse  = "worse match"
		best   = "best match"
		item   = "the item"
		second = "a second item"
		far    = "a far item"
		copy   = "the item" // its exact copy: no search needed
	)
	srv := newScriptedAlegre(t, map[string]map[string]float64{
		item:   {worse: 0.96, best: 0.98},
		second: {best: 0.96, worse: 0.99}, // a clustered match beats an unclustered better one
		far:    {worse: 0.90},             // below the threshold
	})
	db := mustDB(t)
	r := testAlegre(srv.URL, ServiceConfig{Model: "scripted-model"})
	acts := alegreWorkflowActions(db, r)
	defs := alegreDefs(nil, 500)
	ids := map[string]int64{}
	for _, p := range []string{worse, best} {
		ids[p] = addPosts(t, db, "ws", "alegre-embed", post{p, 0})[0]
	}
	runAlegre(t, db, acts, defs, "ws", "alegre-embed")

	ids[item] = addPosts(t, db, "ws", "alegre", post{item, 1})[0]
	runAlegre(t, db, acts, defs, "ws", "alegre")
	of := func(text string) int64 {
		it, err := db.Item(t.Context(), ids[text])
		if err != nil {
			t.Fatal(err)
		}
		return it.ClusterID.Int64
	}
	pair := of(item)
	if pair == 0 || of(best) != pair || of(worse) != 0 {
		t.Fatalf("clusters: item %d, best %d, worse %d; want the item paired with the best match only", pair, of(best), of(worse))
	}
	c := mustCluster(t, db, pair)
	if c.Size != 2 || c.AddedTotal != 2 || c.UniqueTexts != 2 || c.Model != "scripted-model" || c.Workspace != "ws" {
		t.Errorf("pair cluster = %+v; want size 2, added 2, 2 texts, model scripted-model", c)
	}
	if c.ExemplarItemID != ids[best] || c.VectorSum != nil || c.Cohesion != 1 {
		t.Errorf("pair cluster exemplar %d, sum %v, cohesion %v; want the first member %d, no sum, 1", c.ExemplarItemID, c.VectorSum, c.Cohesion, ids[best])
	}

	ids[second] = addPosts(t, db, "ws", "alegre", post{second, 30})[0]
	ids[far] = addPosts(t, db, "ws", "alegre", post{far, 2})[0]
	copyID := addPosts(t, db, "ws", "alegre", post{copy, 3})[0]
	runAlegre(t, db, acts, defs, "ws", "alegre")
	if of(second) != pair {
		t.Errorf("second item in cluster %d; want the clustered match's %d", of(second), pair)
	}
	if got, _ := db.Item(t.Context(), copyID); got.ClusterID.Int64 != pair {
		t.Errorf("exact copy in cluster %d; want its twin's %d", got.ClusterID.Int64, pair)
	}
	if of(far) == 0 || of(far) == pair || of(worse) != 0 {
		t.Errorf("far item in cluster %d, worse match in %d; want the far item alone and the worse match unclustered", of(far), of(worse))
	}
	c = mustCluster(t, db, pair)
	if c.Size != 4 || c.AddedTotal != 4 || c.UniqueTexts != 3 || c.ExemplarItemID != ids[best] {
		t.Errorf("cluster = size %d, added %d, unique %d, exemplar %d; want 4, 4, 3, %d", c.Size, c.AddedTotal, c.UniqueTexts, c.ExemplarItemID, ids[best])
	}
	if !c.FirstPublishedAt.Equal(clusterEpoch) || !c.LastPublishedAt.Equal(clusterEpoch.Add(30*time.Hour)) {
		t.Errorf("published %v..%v; want the members' span", c.FirstPublishedAt, c.LastPublishedAt)
	}
	days, err := db.ClusterDays(t.Context(), pair)
	if err != nil || days["2024-03-01"] != 3 || days["2024-03-02"] != 1 {
		t.Errorf("cluster days = %v, %v; want 3 on 2024-03-01, 1 on 2024-03-02", days, err)
	}
	checkBookkeeping(t, db, "ws")
}

func TestAlegreForget(t *testing.T) {
	tests := []struct {
		name    string
		status  map[string]int // by doc id; 200 otherwise
		wantErr []string
	}{
		{"deleted", nil, nil},
		{"already gone", map[string]int{"timpani_2": http.StatusNotFound}, nil},
		{"server error", map[string]int{"timpani_2": http.StatusInternalServerError, "timpani_3": http.StatusBadRequest},
			[]string{"delete 2 of 3", "item 2:", "500", "item 3:", "400"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecordingServer(t, func(w http.ResponseWriter, _ *http.Request, body map[string]any) {
				id, _ := body["doc_id"].(string)
				if s, ok := tc.status[id]; ok {
					writeJSONAnswer(w, s, map[string]string{"message": "Doc Not Found for id " + id + "! No Deletion Occurred."})
					return
				}
				writeJSONAnswer(w, http.StatusOK, map[string]string{"_index": "alegre_similarity", "_id": id, "result": "deleted"})
			})
			f := alegreActions(testAlegre(srv.URL, ServiceConfig{}), ActionOptions{})["embed"].(Forgetter)
			err := f.Forget(t.Context(), "ws-9", []int64{1, 2, 3})
			if len(tc.wantErr) == 0 && err != nil {
				t.Errorf("Forget = %v; want nil", err)
			}
			for _, w := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Forget = %v; want it to say %q", err, w)
				}
			}
			reqs := srv.requests()
			var got []string
			for _, r := range reqs {
				if r.Method != http.MethodDelete || r.Path != "/text/similarity/" {
					t.Errorf("request %s %s; want DELETE /text/similarity/", r.Method, r.Path)
				}
				want := map[string]any{"doc_id": r.Body["doc_id"], "context": map[string]any{"type": "timpani_content_item_text", "workspace_id": "ws-9"}}
				if !reflect.DeepEqual(r.Body, want) {
					t.Errorf("delete body = %v; want %v", r.Body, want)
				}
				got = append(got, r.Body["doc_id"].(string))
			}
			slices.Sort(got)
			if fmt.Sprint(got) != "[timpani_1 timpani_2 timpani_3]" {
				t.Errorf("deleted %v; want timpani_1..3", got)
			}
		})
	}
}

func TestAlegreExpiryForgetsExpiredItems(t *testing.T) {
	for _, tc := range []struct {
		name          string
		status        int // the answer to deleting the first expired item
		wantForgotten bool
	}{
		{"404 counts as forgotten", http.StatusNotFound, true},
		{"a failure is reported but the expiry stands", http.StatusInternalServerError, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var firstExpired string
			srv := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request, body map[string]any) {
				switch {
				case r.Method == http.MethodDelete && body["doc_id"] == firstExpired:
					writeJSONAnswer(w, tc.status, map[string]string{"message": "no"})
				case r.Method == http.MethodDelete:
					writeJSONAnswer(w, http.StatusOK, map[string]string{"result": "deleted"})
				case r.URL.Path == "/text/similarity/search/":
					writeJSONAnswer(w, http.StatusOK, map[string]any{"result": []any{}})
				default:
					writeJSONAnswer(w, http.StatusOK, map[string]bool{"success": true})
				}
			})
			db := mustDB(t)
			r := testAlegre(srv.URL, ServiceConfig{})
			acts := alegreWorkflowActions(db, r)
			defs := alegreDefs(nil, 500)
			ids := addPosts(t, db, "ws", "alegre", post{"old one", 0}, post{"old two", 0}, post{"new", 48})
			firstExpired = "timpani_" + strconv.FormatInt(ids[0], 10)
			runAlegre(t, db, acts, defs, "ws", "alegre")

			n, err := Expire(t.Context(), db, "ws", clusterEpoch.Add(time.Hour), Forgetters(acts, defs["alegre"])...)
			if n != 2 {
				t.Errorf("Expire = %d; want 2", n)
			}
			if tc.wantForgotten && err != nil {
				t.Errorf("Expire = %v; want nil", err)
			}
			if !tc.wantForgotten && (!errors.Is(err, ErrNotForgotten) || !strings.Contains(err.Error(), fmt.Sprintf("item %d", ids[0]))) {
				t.Errorf("Expire = %v; want ErrNotForgotten naming item %d", err, ids[0])
			}
			for _, id := range ids[:2] {
				if _, err := db.Item(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("expired item %d: %v; want it deleted", id, err)
				}
			}
			var deleted []string
			for _, rq := range srv.requests() {
				if rq.Method != http.MethodDelete {
					continue
				}
				want := map[string]any{"doc_id": rq.Body["doc_id"], "context": map[string]any{"type": "timpani_content_item_text", "workspace_id": "ws"}}
				if !reflect.DeepEqual(rq.Body, want) {
					t.Errorf("delete body = %v; want %v", rq.Body, want)
				}
				deleted = append(deleted, rq.Body["doc_id"].(string))
			}
			slices.Sort(deleted)
			want := []string{"timpani_" + strconv.FormatInt(ids[0], 10), "timpani_" + strconv.FormatInt(ids[1], 10)}
			if !slices.Equal(deleted, want) {
				t.Errorf("deleted %v; want %v", deleted, want)
			}
			runs, err := db.Runs(t.Context(), store.RunFilter{Workspace: "ws", Kind: string(store.RunExpire)})
			if err != nil || len(runs) != 1 || runs[0].Status != store.RunCompleted || runs[0].Items != 2 {
				t.Errorf("expire runs = %+v, %v; want one completed run of 2 items", runs, err)
			}
		})
	}
}

func TestForgettersAreTheWorkflowsAlegreEmbed(t *testing.T) {
	r := testAlegre("http://127.0.0.1:1", ServiceConfig{})
	acts := alegreWorkflowActions(nil, r)
	got := Forgetters(acts, alegreDefs(nil, 1)["alegre"])
	if len(got) != 1 || got[0] != acts["alegre.embed"].(Forgetter) {
		t.Errorf("Forgetters(alegre) = %v; want the alegre embed action once", got)
	}
	if got := Forgetters(acts, Builtins()["default"]); len(got) != 0 {
		t.Errorf("Forgetters(default) = %v; want none", got)
	}
}

func TestAlegreActionsShareOneHealthTally(t *testing.T) {
	srv := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		if r.URL.Path == "/text/similarity/search/" {
			writeJSONAnswer(w, http.StatusOK, map[string]any{"result": []any{}})
			return
		}
		writeJSONAnswer(w, http.StatusOK, map[string]bool{"success": true})
	})
	acts := alegreActions(testAlegre(srv.URL, ServiceConfig{}), ActionOptions{})
	acts["embed"].Apply(t.Context(), oneItem(1, "text"))
	acts["cluster"].Apply(t.Context(), oneItem(1, "text"))
	h, ok := acts["cluster"].(healthReporter).drainHealth()
	if !ok || h.Calls != 2 || h.Failures != 0 || h.Service != "alegre" || h.Kind != "alegre" {
		t.Errorf("drainHealth = %+v, %v; want 2 calls of service alegre", h, ok)
	}
	if _, ok := acts["embed"].(healthReporter).drainHealth(); ok {
		t.Errorf("embed's drainHealth after cluster's reported calls again; want one shared tally")
	}
}

func TestClusterThresholdOfAnAlegreStep(t *testing.T) {
	tests := []struct {
		params    map[string]any
		model     string
		threshold float64
	}{
		{nil, "", 0.95},
		{map[string]any{"threshold": 0.875, "limit": int64(20), "model": "indian-sbert"}, "indian-sbert", 0.875},
	}
	for _, tc := range tests {
		model, threshold, err := ClusterThreshold(Step{Action: "cluster", Service: "alegre", Params: tc.params})
		if err != nil || model != tc.model || threshold != tc.threshold {
			t.Errorf("ClusterThreshold(%v) = %q, %v, %v; want %q, %v", tc.params, model, threshold, err, tc.model, tc.threshold)
		}
	}
}
