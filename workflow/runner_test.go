package workflow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow/lexembed"
)

func TestEveryLegalAndIllegalTransition(t *testing.T) {
	def := Definition{Name: "w", Steps: []Step{{State: "a", Action: "noop"}, {State: "b", Action: "noop"}}}
	legal := map[string]bool{
		"->ready": true, "->failed": true,
		"ready->a": true, "a->b": true, "b->completed": true,
		"ready->failed": true, "a->failed": true, "b->failed": true,
		"failed->ready": true, "failed->a": true, "failed->b": true,
	}
	states := []store.State{"", store.Ready, "a", "b", store.Completed, store.Failed, "unknown"}
	for _, from := range states {
		for _, to := range states[1:] {
			key := string(from) + "->" + string(to)
			if got := def.Allowed(from, to); got != legal[key] {
				t.Errorf("Allowed(%q, %q) = %v; want %v", from, to, got, legal[key])
			}
		}
	}
	noop := Definition{Name: "noop"}
	if !noop.Allowed(store.Ready, store.Completed) || noop.Allowed(store.Completed, store.Ready) {
		t.Error("noop workflow: want only ready->completed")
	}
}

func TestDefinitionValidation(t *testing.T) {
	actions := Actions(ActionOptions{Services: []ServiceConfig{{Name: "presto", Kind: "presto", URL: "http://127.0.0.1:1"}}})
	tests := []struct {
		name  string
		steps []Step
		want  []string
	}{
		{"fine", []Step{{State: "normalized", Action: "normalize"}}, nil},
		{"system state", []Step{{State: "completed", Action: "noop"}}, []string{"system state"}},
		{"bad name", []Step{{State: "Has Space", Action: "noop"}}, []string{"lower_snake_case"}},
		{"repeated", []Step{{State: "a", Action: "noop"}, {State: "a", Action: "noop"}}, []string{"earlier step"}},
		{"unknown action", []Step{{State: "a", Action: "nope"}}, []string{`unknown action "nope"`}},
		{"unknown service", []Step{{State: "a", Action: "embed", Service: "gpu"}}, []string{`no service "gpu" is configured`}},
		{"action the service does not run", []Step{{State: "a", Action: "cluster", Service: "presto"}}, []string{`service "presto" does not run action "cluster" (it runs: embed, keywords, language)`}},
		{"remote action", []Step{{State: "a", Action: "keywords", Service: "presto"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Definition{Steps: tc.steps}.Validate(actions)
			if len(tc.want) == 0 && err != nil {
				t.Fatalf("Validate = %v; want nil", err)
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Validate = %v; want it to mention %q", err, w)
				}
			}
		})
	}
	for name, d := range Builtins() {
		if err := d.Validate(actions); err != nil {
			t.Errorf("built-in workflow %s: %v", name, err)
		}
	}
}

func newTestRunner(tb testing.TB, db *store.DB, def Definition, actions map[string]Action, opt Options) *Runner {
	tb.Helper()
	if opt.Log == nil {
		opt.Log = testLog(tb)
	}
	if opt.Backoff == 0 {
		opt.Backoff, opt.MaxBackoff = time.Millisecond, 5*time.Millisecond
	}
	r, err := NewRunner(db, map[string]Definition{def.Name: def}, actions, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestRunnerCompletesEveryItemExactlyOnce(t *testing.T) {
	db := mustDB(t)
	seedItems(t, db, "ws", "w", 1234)
	a, b := newCounting(nil), newCounting(nil)
	def := Definition{Name: "w", Steps: []Step{{State: "a", Action: "A", BatchSize: 100}, {State: "b", Action: "B", BatchSize: 77}}}
	r := newTestRunner(t, db, def, map[string]Action{"A": a, "B": b}, Options{Workers: 3})
	p, err := r.RunUntilIdle(t.Context(), "ws", "w")
	if err != nil {
		t.Fatal(err)
	}
	if p.Completed != 1234 || p.Transitions != 3*1234 || p.Failed != 0 {
		t.Errorf("progress = %+v; want 1234 completed in 3702 transitions", p)
	}
	if got := stateCounts(t, db, "ws"); got[store.Completed] != 1234 || len(got) != 1 {
		t.Errorf("states = %v; want all completed", got)
	}
	want := map[string]int{"->ready": 1234, "ready->a": 1234, "a->b": 1234, "b->completed": 1234}
	if got := edgeTimes(t, db, "ws"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("edges = %v; want %v", got, want)
	}
	for id := int64(1); id <= 1234; id++ {
		if a.calls(id) != 1 || b.calls(id) != 1 {
			t.Fatalf("item %d computed %d and %d times; want once each", id, a.calls(id), b.calls(id))
		}
	}
	runs, _ := db.Runs(t.Context(), store.RunFilter{Kind: store.RunWorkflow})
	if len(runs) != 1 || runs[0].Status != store.RunCompleted || runs[0].Items != 3702 {
		t.Errorf("workflow runs = %+v; want one completed run with 3702 transitions", runs)
	}
}

func TestTwoRunnersOnOneFileNeverProcessAnItemTwice(t *testing.T) {
	path := t.TempDir() + "/timpani.db"
	db1, db2 := openDB(t, path), openDB(t, path)
	seedItems(t, db1, "ws", "w", 3000)
	act := newCounting(nil)
	act.delay = 2 * time.Millisecond
	def := Definition{Name: "w", Steps: []Step{{State: "a", Action: "A", BatchSize: 50}}}
	r1 := newTestRunner(t, db1, def, map[string]Action{"A": act}, Options{Workers: 2})
	r2 := newTestRunner(t, db2, def, map[string]Action{"A": act}, Options{Workers: 2})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	progs := make([]Progress, 2)
	for i, r := range []*Runner{r1, r2} {
		wg.Go(func() { progs[i], errs[i] = r.RunUntilIdle(t.Context(), "ws", "w") })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if progs[0].Completed == 0 || progs[1].Completed == 0 {
		t.Logf("one runner did all the work: %+v", progs) // allowed, but the race below is then weak
	}
	if total := progs[0].Completed + progs[1].Completed; total != 3000 {
		t.Errorf("completed %d + %d = %d; want 3000", progs[0].Completed, progs[1].Completed, total)
	}
	got := edgeTimes(t, db1, "ws")
	if got["ready->a"] != 3000 || got["a->completed"] != 3000 {
		t.Errorf("edges = %v; want every item once on each edge", got)
	}
	for id := int64(1); id <= 3000; id++ {
		if n := act.calls(id); n != 1 {
			t.Fatalf("item %d computed %d times", id, n)
		}
	}
}

func TestExpiredLeaseIsReclaimed(t *testing.T) {
	db := mustDB(t)
	now := time.Now()
	db.Now = func() time.Time { return now }
	seedItems(t, db, "ws", "w", 10)
	// Another host's worker claims five items and vanishes.
	err := db.Update(t.Context(), func(tx *store.Tx) error {
		_, err := tx.Claim(t.Context(), "ws", store.Ready, "otherhost:123:abcd", 5, tx.Now().Add(time.Minute))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	def := Definition{Name: "w", Steps: []Step{{State: "a", Action: "noop"}}}
	r := newTestRunner(t, db, def, Actions(ActionOptions{}), Options{})
	p, err := r.RunUntilIdle(t.Context(), "ws", "w")
	if err != nil {
		t.Fatal(err)
	}
	if p.Completed != 5 {
		t.Fatalf("with live leases: completed %d; want the 5 unleased", p.Completed)
	}
	now = now.Add(2 * time.Minute)
	if p, err = r.RunUntilIdle(t.Context(), "ws", "w"); err != nil || p.Completed != 5 {
		t.Fatalf("after expiry: completed %d, %v; want the other 5", p.Completed, err)
	}
	evs, _ := db.Events(t.Context(), 1)
	if last := evs[len(evs)-1]; last.To != store.Completed || last.Attempt != 2 {
		t.Errorf("reclaimed item's last event = %+v; want completed on attempt 2", last)
	}
}

func TestDeadOwnerOnThisHostIsReclaimedAtOnce(t *testing.T) {
	db := mustDB(t)
	seedItems(t, db, "ws", "w", 4)
	self := NewOwner()
	host := strings.Split(self, ":")[0]
	dead := fmt.Sprintf("%s:%d:dead", host, 1<<22+12345) // beyond pid_max: never a live process
	err := db.Update(t.Context(), func(tx *store.Tx) error {
		_, err := tx.Claim(t.Context(), "ws", store.Ready, dead, 4, tx.Now().Add(time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r := newTestRunner(t, db, Definition{Name: "w"}, Actions(ActionOptions{}), Options{Owner: self})
	p, err := r.RunUntilIdle(t.Context(), "ws", "w")
	if err != nil || p.Completed != 4 {
		t.Fatalf("completed %d, %v; want 4 taken back from the dead owner", p.Completed, err)
	}
}

func TestRetryableAndPermanentErrorsTakeTheirPaths(t *testing.T) {
	db := mustDB(t)
	seedItems(t, db, "ws", "w", 30)
	// Items 1-10 fail twice with a retryable error, then succeed; 11-20 are
	// unusable; 21-30 always time out.
	act := newCounting(func(it store.Item, seen int) Result {
		switch {
		case it.ID <= 10 && seen <= 2:
			return Result{Err: &StepError{Retryable: true, Err: errors.New("HTTP 503")}}
		case it.ID > 10 && it.ID <= 20:
			return Result{Err: fmt.Errorf("empty after clean-up: %w", ErrUnusable)}
		case it.ID > 20:
			return Result{Err: errors.New("context deadline exceeded")}
		}
		return Result{}
	})
	def := Definition{Name: "w", Steps: []Step{{State: "a", Action: "A", MaxAttempts: 4}}}
	r := newTestRunner(t, db, def, map[string]Action{"A": act}, Options{})
	p, err := r.RunUntilIdle(t.Context(), "ws", "w")
	if err != nil {
		t.Fatal(err)
	}
	if p.Completed != 10 || p.Failed != 20 {
		t.Errorf("progress = %+v; want 10 completed, 20 failed", p)
	}
	for _, tc := range []struct {
		id       int64
		state    store.State
		calls    int
		reasonIn string
	}{
		{1, store.Completed, 3, ""},
		{11, store.Failed, 1, "unusable content"},
		{21, store.Failed, 4, "gave up after 4 attempts: context deadline exceeded"},
	} {
		it, err := db.Item(t.Context(), tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if it.State != tc.state || act.calls(tc.id) != tc.calls || !strings.Contains(it.LastError, tc.reasonIn) {
			t.Errorf("item %d: %s after %d calls (%q); want %s after %d calls (%q)",
				tc.id, it.State, act.calls(tc.id), it.LastError, tc.state, tc.calls, tc.reasonIn)
		}
	}
	evs, _ := db.Events(t.Context(), 1)
	var retries []string
	for _, e := range evs {
		if e.From == e.To {
			retries = append(retries, e.Error)
		}
	}
	if !slices.Equal(retries, []string{"HTTP 503", "HTTP 503"}) {
		t.Errorf("logged retries = %q; want two", retries)
	}
	// retry sends the failed ones back where they failed.
	err = db.Update(t.Context(), func(tx *store.Tx) error {
		n, err := tx.Retry(t.Context(), "ws", []int64{11, 21})
		if n != 2 {
			t.Errorf("Retry moved %d; want 2", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := stateCounts(t, db, "ws"); got[store.Ready] != 2 || got[store.Failed] != 18 {
		t.Errorf("after retry: %v; want 2 ready, 18 failed", got)
	}
}

func TestBuiltinDemoWorkflowStoresHashtags(t *testing.T) {
	db := mustDB(t)
	seedItems(t, db, "ws", "demo", 50)
	r, err := NewRunner(db, Builtins(), Actions(ActionOptions{}), Options{Log: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunUntilIdle(t.Context(), "ws", "demo"); err != nil {
		t.Fatal(err)
	}
	if got := stateCounts(t, db, "ws"); got[store.Completed] != 50 {
		t.Fatalf("states = %v; want 50 completed", got)
	}
	top, err := db.TopKeywords(t.Context(), "ws", HashtagModel, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 7 || top[0].Items < 7 {
		t.Errorf("hashtags = %+v; want #tag0..#tag6 on ~7 items each", top)
	}
	// The run folded its keyword counts into the totals the keywords page
	// reads: they agree with the rows.
	listed, err := db.ListKeywords(t.Context(), store.KeywordFilter{Workspace: "ws", Model: HashtagModel}, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(top) || len(listed) > 0 && (listed[0].Keyword != top[0].Keyword || listed[0].Items != top[0].Items) {
		t.Errorf("keywords page = %+v; want the counts of the rows, %+v", listed, top)
	}
	if problems, err := db.Check(t.Context(), "", store.CheckOptions{Settled: false}); err != nil || len(problems) > 0 {
		t.Errorf("check after the run: %+v, %v", problems, err)
	}
	it, _ := db.Item(t.Context(), 3)
	if it.Text != "post 2 #tag2" || it.Language == "" {
		t.Errorf("normalised text = %q, language %q", it.Text, it.Language)
	}
	v, err := db.Vector(t.Context(), 3, lexembed.Model)
	if err != nil {
		t.Fatal(err)
	}
	var norm float64
	for _, x := range v.Data {
		norm += float64(x) * float64(x)
	}
	if len(v.Data) != lexembed.Dim || math.Abs(norm-1) > 1e-5 {
		t.Errorf("stored vector: %d dims, squared norm %v; want %d, 1", len(v.Data), norm, lexembed.Dim)
	}
	if _, err := db.Vector(t.Context(), 3, "other-model"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("vector of another model: err = %v; want ErrNotFound", err)
	}
	// Expiry takes the keywords off the page when it finishes.
	if n, err := Expire(t.Context(), db, "ws", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || n != 50 {
		t.Fatalf("expired %d, %v; want 50", n, err)
	}
	if listed, err := db.ListKeywords(t.Context(), store.KeywordFilter{Workspace: "ws"}, 10, 0); err != nil || len(listed) > 0 {
		t.Errorf("keywords page after everything expired = %+v, %v; want none", listed, err)
	}
}

func TestAFailureMidLegKeepsTheStepsBeforeIt(t *testing.T) {
	db := mustDB(t)
	seedItems(t, db, "ws", "w", 20)
	// Step B fails items 1-5 for good and items 6-10 once (retryable).
	a := newCounting(func(it store.Item, seen int) Result {
		s := fmt.Sprintf("A saw %d", it.ID)
		return Result{Text: &s}
	})
	b := newCounting(func(it store.Item, seen int) Result {
		if want := fmt.Sprintf("A saw %d", it.ID); it.Text != want {
			return Result{Err: Permanent(fmt.Errorf("B got text %q; want A's %q", it.Text, want))}
		}
		switch {
		case it.ID <= 5:
			return Result{Err: Permanent(errors.New("HTTP 400"))}
		case it.ID <= 10 && seen == 1:
			return Result{Err: errors.New("HTTP 503")}
		}
		return Result{}
	})
	c := newCounting(nil)
	def := Definition{Name: "w", Steps: []Step{{State: "a", Action: "A"}, {State: "b", Action: "B"}, {State: "c", Action: "C"}}}
	r := newTestRunner(t, db, def, map[string]Action{"A": a, "B": b, "C": c}, Options{})
	p, err := r.RunUntilIdle(t.Context(), "ws", "w")
	if err != nil {
		t.Fatal(err)
	}
	if p.Completed != 15 || p.Failed != 5 || p.Retried != 5 {
		t.Errorf("progress = %+v; want 15 completed, 5 failed, 5 retried", p)
	}
	for _, tc := range []struct {
		id            int64
		state, from   store.State
		aCalls, bCall int
	}{
		{1, store.Failed, "a", 1, 1},
		{6, store.Completed, "", 1, 2}, // resumed from a: A did not run again
		{11, store.Completed, "", 1, 1},
	} {
		it, _ := db.Item(t.Context(), tc.id)
		if it.State != tc.state || it.FailedFrom != tc.from || a.calls(tc.id) != tc.aCalls || b.calls(tc.id) != tc.bCall {
			t.Errorf("item %d: %s from %q, A×%d B×%d; want %s from %q, A×%d B×%d", tc.id, it.State, it.FailedFrom,
				a.calls(tc.id), b.calls(tc.id), tc.state, tc.from, tc.aCalls, tc.bCall)
		}
		if it.Text != fmt.Sprintf("A saw %d", tc.id) {
			t.Errorf("item %d text = %q; want A's result stored", tc.id, it.Text)
		}
	}
	want := map[string]int{"->ready": 20, "ready->a": 20, "a->b": 15, "a->failed": 5, "b->c": 15, "c->completed": 15}
	if got := edgeTimes(t, db, "ws"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("edges = %v; want %v", got, want)
	}
}

// gatedAction holds its first batch until the test opens the gate.
type gatedAction struct {
	started, gate chan struct{}
	once          sync.Once
	counting      *countingAction
}

func (a *gatedAction) Apply(ctx context.Context, b Batch) []Result {
	a.once.Do(func() {
		close(a.started)
		select {
		case <-a.gate:
		case <-ctx.Done():
		}
	})
	return a.counting.Apply(ctx, b)
}

// While every worker computes, the runner already holds the next batch,
// so a worker that commits starts on it without waiting for a claim,
// which queues behind the other workers' commits.
func TestRunnerClaimsTheNextBatchWhileItsWorkersCompute(t *testing.T) {
	db := mustDB(t)
	seedItems(t, db, "ws", "w", 30)
	act := &gatedAction{started: make(chan struct{}), gate: make(chan struct{}), counting: newCounting(nil)}
	def := Definition{Name: "w", Steps: []Step{{State: "a", Action: "A", BatchSize: 10}}}
	r := newTestRunner(t, db, def, map[string]Action{"A": act}, Options{Workers: 1})
	var p Progress
	var err error
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		p, err = r.RunUntilIdle(t.Context(), "ws", "w")
	}()
	<-act.started
	leased := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		items, lerr := db.ListItems(t.Context(), store.ItemFilter{Workspace: "ws"}, store.OldestFirst, 100, 0)
		if lerr != nil {
			t.Fatal(lerr)
		}
		leased = 0
		for _, it := range items {
			if it.LeaseOwner != "" {
				leased++
			}
		}
		if leased >= 20 {
			break
		}
	}
	close(act.gate)
	<-finished
	if leased != 20 {
		t.Errorf("while the one worker computed its batch of 10, %d items were leased; want 20", leased)
	}
	if err != nil || p.Completed != 30 {
		t.Fatalf("run: %+v, %v; want 30 completed", p, err)
	}
	for id := int64(1); id <= 30; id++ {
		if n := act.counting.calls(id); n != 1 {
			t.Errorf("item %d computed %d times; want once", id, n)
		}
	}
}
