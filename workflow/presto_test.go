package workflow

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow/modelserver"
)

// callbackServer serves the runner's callback handler on loopback; the
// handler is set once the runner exists, since the runner needs the URL.
type callbackServer struct {
	*httptest.Server
	mu sync.Mutex
	h  http.Handler
}

func newCallbackServer(t testing.TB) *callbackServer {
	cs := &callbackServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		h := cs.h
		cs.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(cs.Close)
	return cs
}

// prestoRunner builds a runner for workflow "p" with the given steps and
// one presto service at prestoURL, its callbacks served by cs.
func prestoRunner(t *testing.T, db *store.DB, cs *callbackServer, svc ServiceConfig, opt Options, steps ...Step) *Runner {
	t.Helper()
	svc.Name, svc.Kind = "presto", "presto"
	acts := Actions(ActionOptions{DB: db, Services: []ServiceConfig{svc}})
	for _, a := range acts {
		if p, ok := a.(*prestoAction); ok {
			p.backoff = time.Millisecond
		}
	}
	opt.CallbackBase = cs.URL
	opt.Log = testLog(t)
	if opt.Backoff == 0 {
		opt.Backoff, opt.MaxBackoff = 10*time.Millisecond, 50*time.Millisecond
	}
	r, err := NewRunner(db, map[string]Definition{"p": {Name: "p", Steps: steps}}, acts, opt)
	if err != nil {
		t.Fatal(err)
	}
	cs.mu.Lock()
	cs.h = r.CallbackHandler()
	cs.mu.Unlock()
	return r
}

func seedTexts(t *testing.T, db *store.DB, ws string, texts ...string) []int64 {
	t.Helper()
	var ids []int64
	err := db.Update(t.Context(), func(tx *store.Tx) error {
		run := &store.Run{Kind: store.RunFetch, Workspace: ws}
		if err := tx.StartRun(t.Context(), run); err != nil {
			return err
		}
		for i, text := range texts {
			it := &store.Item{Workspace: ws, Source: "src", Query: "q", DateID: 20240301, RunID: run.ID,
				RawID: fmt.Sprint(i), RawText: text, Workflow: "p", State: store.Ready,
				PublishedAt: store.T(time.Date(2024, 3, 1, 10, i, 0, 0, time.UTC))}
			if _, err := tx.InsertItem(t.Context(), it); err != nil {
				return err
			}
			ids = append(ids, it.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func itemState(t *testing.T, db *store.DB, id int64) store.Item {
	t.Helper()
	it, err := db.Item(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

var prestoTexts = []string{
	"The river flooded the old market square after three days of heavy rain #flood",
	"Vaccination campaign starts in every village school next Monday, officials say",
	"The river flooded the old market square after three days of heavy rain #flood",
	"Fuel prices rise again as the strike at the port enters its second week",
}

// The contract test: keywords and vectors from `timpani models serve`'s
// Presto side, over real HTTP in both directions, then the built-in
// cluster and hashtags steps.
func TestPrestoWorkflowAgainstTheBuiltInModelServer(t *testing.T) {
	db := mustDB(t)
	ms := modelserver.New(modelserver.Options{Log: testLog(t), CallbackBackoff: 10 * time.Millisecond})
	msHTTP := httptest.NewServer(ms.Handler())
	t.Cleanup(msHTTP.Close)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- ms.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	cs := newCallbackServer(t)
	r := prestoRunner(t, db, cs, ServiceConfig{URL: msHTTP.URL}, Options{MaxWait: 30 * time.Second},
		Step{State: "keyworded", Action: "keywords", Service: "presto"},
		Step{State: "vectorized", Action: "embed", Service: "presto", Params: map[string]any{"model": "hashed_ngrams"}},
		Step{State: "clustered", Action: "cluster", Params: map[string]any{"model": "hashed_ngrams", "threshold": 0.9}},
		Step{State: "hashtagged", Action: "hashtags"},
	)
	ids := seedTexts(t, db, "ws", prestoTexts...)
	prog, err := r.RunUntilIdle(t.Context(), "ws", "p")
	if err != nil {
		t.Fatal(err)
	}
	if prog.Completed != len(ids) || prog.Submitted != 2*len(ids) {
		t.Fatalf("progress = %+v; want %d completed, %d submitted", prog, len(ids), 2*len(ids))
	}
	top, err := db.TopKeywords(t.Context(), "ws", "yake_keywords.Model", 100)
	if err != nil || len(top) < 10 {
		t.Errorf("yake_keywords.Model keywords %v %v; want ten or more", top, err)
	}
	for _, id := range ids {
		if kws, err := db.Keywords(t.Context(), id); err != nil || len(kws) < 3 {
			t.Errorf("item %d: keywords %v %v; want some", id, kws, err)
		}
		if _, err := db.Vector(t.Context(), id, "hashed_ngrams"); err != nil {
			t.Errorf("item %d: %v", id, err)
		}
	}
	c0, c1, c2 := itemState(t, db, ids[0]).ClusterID, itemState(t, db, ids[1]).ClusterID, itemState(t, db, ids[2]).ClusterID
	if !c0.Valid || c0 != c2 || c1 == c0 {
		t.Errorf("clusters %v %v %v; want the identical texts together, the other apart", c0, c2, c1)
	}
	hs, err := db.ServiceHealths(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].Service != "presto" || hs[0].Calls < int64(4*len(ids)) || hs[0].Failing() {
		t.Errorf("service health = %+v; want presto with submissions and callbacks counted, not failing", hs)
	}
}

// fakePresto accepts submissions and calls back only when the test says.
type fakePresto struct {
	*httptest.Server
	mu    sync.Mutex
	subs  []prestoSubmission
	fail  int // answer this many submissions with 500 first
	calls int
}

type prestoSubmission struct {
	Path string
	Body map[string]any
	Raw  []byte
}

func newFakePresto(t *testing.T) *fakePresto {
	f := &fakePresto{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls++
		if f.fail > 0 {
			f.fail--
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		}
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		f.subs = append(f.subs, prestoSubmission{Path: r.URL.Path, Body: body, Raw: b})
		json.NewEncoder(w).Encode(map[string]any{"message": "Message pushed successfully", "queue": strings.TrimPrefix(r.URL.Path, "/process_item/"), "body": body})
	}))
	t.Cleanup(f.Close)
	return f
}

// submissions lists what was submitted, in arrival order.
func (f *fakePresto) submissions() []prestoSubmission {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]prestoSubmission(nil), f.subs...)
}

// byItem orders submissions by item id (a batch is submitted concurrently).
func byItem(subs []prestoSubmission) []prestoSubmission {
	slices.SortStableFunc(subs, func(a, b prestoSubmission) int {
		return cmp.Compare(a.Body["raw"].(map[string]any)["content_item_id"].(float64), b.Body["raw"].(map[string]any)["content_item_id"].(float64))
	})
	return subs
}

// waitFor polls until cond holds or fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// callback posts a Presto callback message for a submission.
func callback(t *testing.T, url string, body map[string]any, modelName string, result any) (int, CallbackReply) {
	t.Helper()
	b := map[string]any{}
	for k, v := range body {
		b[k] = v
	}
	b["result"] = result
	payload, _ := json.Marshal(map[string]any{"body": b, "model_name": modelName, "retry_count": 0})
	return postCallback(t, url, payload)
}

func postCallback(t *testing.T, url string, payload []byte) (int, CallbackReply) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep CallbackReply
	json.NewDecoder(resp.Body).Decode(&rep)
	return resp.StatusCode, rep
}

func keywordsResult(kws ...string) map[string]any {
	var out [][2]any
	for i, k := range kws {
		out = append(out, [2]any{k, 0.01 * float64(i+1)})
	}
	return map[string]any{"keywords": out}
}

// runAsync runs the workflow in the background; the returned func waits
// for it.
func runAsync(t *testing.T, r *Runner, ws string) func() Progress {
	t.Helper()
	type outcome struct {
		p   Progress
		err error
	}
	ch := make(chan outcome, 1)
	go func() {
		p, err := r.RunUntilIdle(t.Context(), ws, "p")
		ch <- outcome{p, err}
	}()
	return func() Progress {
		o := <-ch
		if o.err != nil {
			t.Fatal(o.err)
		}
		return o.p
	}
}

var callbackURLRE = regexp.MustCompile(`^http://127\.0\.0\.1:\d+/callbacks/presto/(\d+)/keyworded/[A-Za-z0-9_-]{24}$`)

func TestPrestoSubmissionsHaveTheOriginalsShape(t *testing.T) {
	db := mustDB(t)
	fp := newFakePresto(t)
	cs := newCallbackServer(t)
	r := prestoRunner(t, db, cs, ServiceConfig{URL: fp.URL}, Options{MaxWait: 10 * time.Second},
		Step{State: "keyworded", Action: "keywords", Service: "presto", Params: map[string]any{"parameters": map[string]any{"max_ngram_size": int64(2)}}})
	ids := seedTexts(t, db, "ws", prestoTexts[:2]...)
	wait := runAsync(t, r, "ws")
	waitFor(t, "two submissions", func() bool { return len(fp.submissions()) == 2 })
	for _, s := range fp.submissions() {
		if s.Path != "/process_item/yake_keywords__Model" {
			t.Errorf("path %s; want /process_item/yake_keywords__Model", s.Path)
		}
		if _, has := s.Body["result"]; has {
			t.Errorf("body has a result key (Presto crashes on it): %s", s.Raw)
		}
		id := s.Body["raw"].(map[string]any)["content_item_id"]
		want := map[string]any{"id": fmt.Sprintf("timpani_%v", id), "content_hash": nil, "url": nil,
			"raw":        map[string]any{"content_item_id": id, "target_state": "keyworded", "workspace_id": "ws"},
			"parameters": map[string]any{"max_ngram_size": float64(2)}}
		for k, v := range want {
			if fmt.Sprint(s.Body[k]) != fmt.Sprint(v) {
				t.Errorf("body[%s] = %v; want %v", k, s.Body[k], v)
			}
		}
		if !callbackURLRE.MatchString(s.Body["callback_url"].(string)) {
			t.Errorf("callback_url %q does not look like %s", s.Body["callback_url"], callbackURLRE)
		}
		if code, rep := callback(t, s.Body["callback_url"].(string), s.Body, "yake_keywords.Model", keywordsResult("river", "market")); code != 200 || rep.Status != "applied" {
			t.Errorf("callback = %d %+v; want 200 applied", code, rep)
		}
	}
	if p := wait(); p.Completed != 2 {
		t.Errorf("progress %+v; want 2 completed", p)
	}
	kws, _ := db.Keywords(t.Context(), ids[0])
	if len(kws) != 2 || kws[0].Text != "river" || kws[1].Text != "market" {
		t.Errorf("keywords %+v; want river and market", kws)
	}
}

func TestPrestoCallbacksAreAuthenticatedIdempotentAndChecked(t *testing.T) {
	db := mustDB(t)
	fp := newFakePresto(t)
	cs := newCallbackServer(t)
	r := prestoRunner(t, db, cs, ServiceConfig{URL: fp.URL}, Options{MaxWait: 10 * time.Second},
		Step{State: "keyworded", Action: "keywords", Service: "presto"},
		Step{State: "hashtagged", Action: "hashtags"})
	ids := seedTexts(t, db, "ws", prestoTexts[:2]...)
	wait := runAsync(t, r, "ws")
	waitFor(t, "two submissions", func() bool { return len(fp.submissions()) == 2 })
	subs := byItem(fp.submissions())
	s0, s1 := subs[0], subs[1]
	url0 := s0.Body["callback_url"].(string)
	url1 := s1.Body["callback_url"].(string)

	forged := []struct{ name, url string }{
		{"bad signature", url0[:len(url0)-3] + "AAA"},
		{"another item's signature", strings.Replace(url0, fmt.Sprintf("/%d/", ids[0]), fmt.Sprintf("/%d/", ids[1]), 1)},
		{"another state", strings.Replace(url0, "/keyworded/", "/hashtagged/", 1)},
	}
	for _, f := range forged {
		if code, rep := callback(t, f.url, s0.Body, "yake_keywords.Model", keywordsResult("forged")); code != http.StatusForbidden {
			t.Errorf("%s: %d %+v; want 403", f.name, code, rep)
		}
	}
	if code, _ := postCallback(t, url0, []byte(`{"body": {"id": `)); code != http.StatusBadRequest {
		t.Errorf("malformed JSON: %d; want 400", code)
	}
	if code, rep := callback(t, url0, s0.Body, "fasttext.Model", keywordsResult("x")); code != http.StatusBadRequest || !strings.Contains(rep.Detail, "yake_keywords.Model") {
		t.Errorf("wrong model: %d %+v; want 400 naming the model expected", code, rep)
	}
	if code, rep := callback(t, url0, s1.Body, "yake_keywords.Model", keywordsResult("x")); code != http.StatusBadRequest {
		t.Errorf("another item's body on this URL: %d %+v; want 400", code, rep)
	}
	if it := itemState(t, db, ids[0]); it.State != store.Ready {
		t.Fatalf("after refused callbacks item is %s; want still ready", it.State)
	}

	// Presto's error result: recorded, the item submitted again.
	errResult := map[string]any{"error": "worker timed out", "error_details": map[string]any{}, "error_code": 500}
	if code, rep := callback(t, url0, s0.Body, "yake_keywords.Model", errResult); code != 200 || rep.Status != "error recorded" {
		t.Errorf("error result: %d %+v; want 200 error recorded", code, rep)
	}
	waitFor(t, "the resubmission", func() bool { return len(fp.submissions()) == 3 })

	// The late answer to the first submission still counts once; the
	// answer to the second is then a repeat.
	if code, rep := callback(t, url0, s0.Body, "yake_keywords.Model", keywordsResult("river")); code != 200 || rep.Status != "applied" {
		t.Errorf("late callback: %d %+v; want 200 applied", code, rep)
	}
	if code, rep := callback(t, url0, s0.Body, "yake_keywords.Model", keywordsResult("river", "other")); code != 200 || rep.Status != "ignored" {
		t.Errorf("repeated callback: %d %+v; want 200 ignored", code, rep)
	}
	if code, rep := callback(t, url1, s1.Body, "yake_keywords.Model", keywordsResult("vaccination")); code != 200 || rep.Status != "applied" {
		t.Errorf("callback: %d %+v; want 200 applied", code, rep)
	}
	if p := wait(); p.Completed != 2 {
		t.Errorf("progress %+v; want 2 completed", p)
	}
	top, _ := db.TopKeywords(t.Context(), "ws", "yake_keywords.Model", 10)
	if fmt.Sprint(top) != "[{yake_keywords.Model river 1} {yake_keywords.Model vaccination 1}]" {
		t.Errorf("keywords %v; want only the first applied result of each item", top)
	}
	evs, _ := db.Events(t.Context(), ids[0])
	var path []string
	for _, e := range evs {
		path = append(path, string(e.From)+">"+string(e.To))
	}
	if got := strings.Join(path, " "); !strings.Contains(got, "ready>ready ready>keyworded keyworded>hashtagged hashtagged>completed") {
		t.Errorf("events %s; want the error logged as a stay, then one transition per step", got)
	}
	hs, _ := db.ServiceHealths(t.Context())
	if len(hs) != 1 || hs[0].Failures != 1 || hs[0].Failing() {
		t.Errorf("health %+v; want one failure recorded, not failing now", hs)
	}
}

func TestPrestoPermanentErrorsFailTheItem(t *testing.T) {
	db := mustDB(t)
	fp := newFakePresto(t)
	cs := newCallbackServer(t)
	r := prestoRunner(t, db, cs, ServiceConfig{URL: fp.URL}, Options{MaxWait: 10 * time.Second},
		Step{State: "vectorized", Action: "embed", Service: "presto"})
	ids := seedTexts(t, db, "ws", prestoTexts[:3]...)
	wait := runAsync(t, r, "ws")
	waitFor(t, "three submissions", func() bool { return len(fp.submissions()) == 3 })
	subs := byItem(fp.submissions())
	answers := []struct {
		result any
		status string
	}{
		{map[string]any{"error": "model not available offline", "error_code": 501}, "failed"},
		{map[string]any{"hash_value": nil}, "error recorded"}, // Presto's swallowed vectorisation error
		{[]float64{0.6, 0.8, 0}, "applied"},
	}
	for i, a := range answers {
		s := subs[i]
		if code, rep := callback(t, s.Body["callback_url"].(string), s.Body, "paraphrase_multilingual.Model", a.result); code != 200 || rep.Status != a.status {
			t.Errorf("callback %d: %d %+v; want 200 %s", i, code, rep, a.status)
		}
	}
	waitFor(t, "the resubmission", func() bool { return len(fp.submissions()) == 4 })
	s := fp.submissions()[3]
	callback(t, s.Body["callback_url"].(string), s.Body, "paraphrase_multilingual.Model", []float64{3, 4})
	// The run completes what the callbacks moved; the failure was the
	// callback's to record.
	if p := wait(); p.Completed != 2 {
		t.Errorf("progress %+v; want 2 completed", p)
	}
	if it := itemState(t, db, ids[0]); it.State != store.Failed || !strings.Contains(it.LastError, "not available offline (code 501)") {
		t.Errorf("item 0: %s %q; want failed with the model's error", it.State, it.LastError)
	}
	v, err := db.Vector(t.Context(), ids[2], "paraphrase_multilingual")
	if err != nil || len(v.Data) != 3 || v.Data[0] != 0.6 {
		t.Errorf("vector %v %v; want the unit vector as sent", v.Data, err)
	}
}

func TestPrestoItemsWithoutACallbackAreResubmittedThenFail(t *testing.T) {
	db := mustDB(t)
	fp := newFakePresto(t)
	cs := newCallbackServer(t)
	r := prestoRunner(t, db, cs, ServiceConfig{URL: fp.URL, CallbackDeadline: 200 * time.Millisecond}, Options{MaxWait: 10 * time.Second},
		Step{State: "keyworded", Action: "keywords", Service: "presto", MaxAttempts: 2})
	ids := seedTexts(t, db, "ws", prestoTexts[0])
	p, err := r.RunUntilIdle(t.Context(), "ws", "p")
	if err != nil {
		t.Fatal(err)
	}
	if p.Failed != 1 || p.Submitted != 2 || len(fp.submissions()) != 2 {
		t.Errorf("progress %+v, %d submissions; want 2 submissions then 1 failed", p, len(fp.submissions()))
	}
	it := itemState(t, db, ids[0])
	if it.State != store.Failed || it.LastError != "gave up after 2 attempts: no callback from presto within 200ms" {
		t.Errorf("item %s %q; want failed for want of a callback", it.State, it.LastError)
	}
	// A callback that arrives after the item failed changes nothing.
	s := fp.submissions()[0]
	if code, rep := callback(t, s.Body["callback_url"].(string), s.Body, "yake_keywords.Model", keywordsResult("late")); code != 200 || rep.Status != "ignored" {
		t.Errorf("callback after failure: %d %+v; want 200 ignored", code, rep)
	}
}

func TestAServiceThatIsDownLeavesItemsWaiting(t *testing.T) {
	db := mustDB(t)
	fp := newFakePresto(t)
	down := fp.URL
	fp.Close() // refused connections from now on
	cs := newCallbackServer(t)
	r := prestoRunner(t, db, cs, ServiceConfig{URL: down, Retries: -1}, Options{MaxWait: 300 * time.Millisecond},
		Step{State: "keyworded", Action: "keywords", Service: "presto", MaxAttempts: 2})
	ids := seedTexts(t, db, "ws", prestoTexts[:2]...)
	p, err := r.RunUntilIdle(t.Context(), "ws", "p")
	if err != nil {
		t.Fatal(err)
	}
	if p.Failed != 0 || p.Waiting.Backoff == 0 {
		t.Errorf("progress %+v; want nothing failed, items waiting", p)
	}
	for _, id := range ids {
		it := itemState(t, db, id)
		if it.State != store.Ready || it.Attempts != 0 || !strings.Contains(it.LastError, "connection refused") {
			t.Errorf("item %d: %s, %d attempts, %q; want ready, no attempt spent, the reason kept", id, it.State, it.Attempts, it.LastError)
		}
	}
	hs, _ := db.ServiceHealths(t.Context())
	if len(hs) != 1 || !hs[0].Failing() || !strings.Contains(hs[0].Error, "connection refused") {
		t.Errorf("health %+v; want presto failing with connection refused", hs)
	}
}

func TestPrestoSubmissionErrors(t *testing.T) {
	db := mustDB(t)
	fp := newFakePresto(t)
	fp.fail = 1 // the first submission gets a 500, retried within the call
	cs := newCallbackServer(t)
	r := prestoRunner(t, db, cs, ServiceConfig{URL: fp.URL}, Options{MaxWait: 10 * time.Second},
		Step{State: "keyworded", Action: "keywords", Service: "presto"})
	ids := seedTexts(t, db, "ws", prestoTexts[0], "   ", strings.Repeat("long text ", 30000))
	wait := runAsync(t, r, "ws")
	waitFor(t, "a submission", func() bool { return len(fp.submissions()) == 1 })
	s := fp.submissions()[0]
	callback(t, s.Body["callback_url"].(string), s.Body, "yake_keywords.Model", keywordsResult("river"))
	p := wait()
	if p.Completed != 1 || p.Failed != 2 {
		t.Errorf("progress %+v; want 1 completed, the empty and the oversized failed", p)
	}
	if it := itemState(t, db, ids[2]); !strings.Contains(it.LastError, "Presto's queue takes under 256000") {
		t.Errorf("oversized item: %q", it.LastError)
	}
}
