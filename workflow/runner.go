package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/timpani-dev/timpani/store"
)

// Options tune a Runner.
type Options struct {
	Owner      string        // lease owner; NewOwner() when empty
	Workers    int           // batches computed at once
	LeaseSlack time.Duration // added to a step's timeout to make its lease
	Backoff    time.Duration // first retry delay, doubled per attempt
	MaxBackoff time.Duration
	// MaxWait bounds how long RunUntilIdle waits for items in backoff
	// before it returns and reports them as waiting.
	MaxWait  time.Duration
	Log      *slog.Logger
	Progress func(Progress) // called after every commit; may be nil
}

// Progress is a running tally of one RunUntilIdle.
type Progress struct {
	Workspace   string
	Transitions int // committed state changes
	Completed   int
	Failed      int
	Retried     int // attempts deferred after a retryable error
	Conflicts   int // items another worker moved first
	Active      int // items not completed or failed when the run started
}

// Runner pushes items through their workflows.
type Runner struct {
	db      *store.DB
	defs    map[string]Definition
	actions map[string]Action
	opt     Options
	log     *slog.Logger
}

// NewRunner returns a runner over db for the given workflow definitions and
// actions. Every definition is validated.
func NewRunner(db *store.DB, defs map[string]Definition, actions map[string]Action, opt Options) (*Runner, error) {
	if opt.Owner == "" {
		opt.Owner = NewOwner()
	}
	opt.Workers = max(opt.Workers, 1)
	if opt.LeaseSlack <= 0 {
		opt.LeaseSlack = 30 * time.Second
	}
	if opt.Backoff <= 0 {
		opt.Backoff = 2 * time.Second
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 5 * time.Minute
	}
	if opt.MaxWait <= 0 {
		opt.MaxWait = 15 * time.Minute
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	full := map[string]Definition{}
	var errs []error
	for name, d := range defs {
		d = d.WithDefaults()
		if err := d.Validate(actions); err != nil {
			errs = append(errs, fmt.Errorf("workflow %s: %w", name, err))
		}
		full[name] = d
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Runner{db: db, defs: full, actions: actions, opt: opt, log: opt.Log.With("component", "workflow")}, nil
}

// Owner is the lease owner this runner claims items as.
func (r *Runner) Owner() string { return r.opt.Owner }

// Definition returns the named workflow as the runner uses it.
func (r *Runner) Definition(name string) (Definition, bool) {
	d, ok := r.defs[name]
	return d, ok
}

// edge is one unit of work: items in From go through Step (nil for the
// trivial final move) to To; Complete chains the final move to completed in
// the same transaction, saving a claim per item.
type edge struct {
	From, To store.State
	Step     *Step
	Complete bool
}

func (d Definition) edges() []edge {
	states := d.States()
	if len(d.Steps) == 0 {
		return []edge{{From: store.Ready, To: store.Completed}}
	}
	var out []edge
	for i := range d.Steps {
		out = append(out, edge{From: states[i], To: states[i+1], Step: &d.Steps[i], Complete: i == len(d.Steps)-1})
	}
	return out
}

type batch struct {
	edge  edge
	items []store.Item
}

// RunUntilIdle processes the items of workspace through the named workflow
// until nothing is left to claim, no batch is in flight and no item is
// waiting out a backoff (up to MaxWait). Items leased by other live workers
// are theirs to finish. The run is recorded with its counts.
func (r *Runner) RunUntilIdle(ctx context.Context, workspace, workflowName string) (Progress, error) {
	def, ok := r.defs[workflowName]
	if !ok {
		return Progress{}, fmt.Errorf("workspace %s: unknown workflow %q", workspace, workflowName)
	}
	log := r.log.With("workspace", workspace, "workflow", workflowName)
	if err := r.reclaimDead(ctx); err != nil {
		return Progress{}, err
	}
	prog := Progress{Workspace: workspace}
	if counts, err := r.db.StateCounts(ctx); err == nil {
		for _, c := range counts {
			if c.Workspace == workspace && c.State != store.Completed && c.State != store.Failed {
				prog.Active += c.Items
			}
		}
	}
	run := &store.Run{Kind: store.RunWorkflow, Workspace: workspace, Query: "workflow:" + workflowName, LeaseOwner: r.opt.Owner}
	if err := r.db.Update(ctx, func(tx *store.Tx) error { return tx.StartRun(ctx, run) }); err != nil {
		return prog, err
	}
	err := r.dispatch(ctx, workspace, def, &prog, log)

	// Hand back whatever this runner still holds, even when ctx is done.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if rerr := r.db.Update(cctx, func(tx *store.Tx) error {
		_, err := tx.ReleaseLeases(cctx, r.opt.Owner)
		return err
	}); rerr != nil && err == nil {
		err = rerr
	}
	run.Status, run.Items, run.FailedItems, run.LeaseOwner = store.RunCompleted, prog.Transitions, prog.Failed, ""
	if err != nil {
		run.Status, run.Error = store.RunFailed, err.Error()
	}
	if serr := r.db.Update(cctx, func(tx *store.Tx) error { return tx.SaveRun(cctx, run) }); serr != nil && err == nil {
		err = serr
	}
	log.InfoContext(ctx, "workflow run finished", "transitions", prog.Transitions, "completed", prog.Completed,
		"failed", prog.Failed, "retried", prog.Retried, "conflicts", prog.Conflicts)
	return prog, err
}

// reclaimDead releases the leases of workers on this host that died.
func (r *Runner) reclaimDead(ctx context.Context) error {
	owners, err := r.db.LeaseOwners(ctx)
	if err != nil {
		return err
	}
	var dead []string
	for _, o := range owners {
		if ownerDead(o, r.opt.Owner) {
			dead = append(dead, o)
		}
	}
	if len(dead) == 0 {
		return nil
	}
	return r.db.Update(ctx, func(tx *store.Tx) error {
		n, err := tx.ReleaseLeases(ctx, dead...)
		if n > 0 {
			r.log.InfoContext(ctx, "released leases of dead workers", "items", n, "owners", len(dead))
		}
		return err
	})
}

func (r *Runner) dispatch(ctx context.Context, workspace string, def Definition, prog *Progress, log *slog.Logger) error {
	edges := def.edges()
	var states []store.State
	for _, e := range edges {
		states = append(states, e.From)
	}
	work := make(chan batch)
	done := make(chan error, r.opt.Workers)
	var mu sync.Mutex // guards prog
	var wg sync.WaitGroup
	for range r.opt.Workers {
		wg.Go(func() {
			for b := range work {
				done <- r.process(ctx, def, b, prog, &mu)
			}
		})
	}
	inflight := 0
	var firstErr error
	wait := func() {
		if err := <-done; err != nil && firstErr == nil {
			firstErr = err
		}
		inflight--
	}
	waitStart := time.Time{}
loop:
	for firstErr == nil && ctx.Err() == nil {
		claimed := false
		// Later edges first, so items already under way finish before new
		// ones start and the number of half-done items stays small.
		for i := len(edges) - 1; i >= 0 && firstErr == nil; i-- {
			if inflight >= r.opt.Workers {
				wait()
			}
			items, err := r.claim(ctx, workspace, edges[i])
			if err != nil {
				firstErr = err
				break loop
			}
			if len(items) == 0 {
				continue
			}
			claimed = true
			inflight++
			work <- batch{edge: edges[i], items: items}
		}
		if claimed {
			waitStart = time.Time{}
			continue
		}
		if inflight > 0 {
			wait()
			continue
		}
		p, err := r.db.PendingWork(ctx, workspace, states, r.opt.Owner)
		if err != nil {
			firstErr = err
			break
		}
		if p.Backoff == 0 {
			break
		}
		if waitStart.IsZero() {
			waitStart = time.Now()
		}
		if time.Since(waitStart) > r.opt.MaxWait {
			log.WarnContext(ctx, "stopped waiting for items in backoff", "items", p.Backoff, "next_attempt", p.NextAttempt)
			break
		}
		d := min(max(time.Until(p.NextAttempt), 10*time.Millisecond), r.opt.MaxWait)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	for inflight > 0 {
		wait()
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

func (r *Runner) claim(ctx context.Context, workspace string, e edge) ([]store.Item, error) {
	limit, lease := DefaultBatchSize, DefaultTimeout
	if e.Step != nil {
		limit, lease = e.Step.BatchSize, e.Step.Timeout
	}
	var items []store.Item
	err := r.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		items, err = tx.Claim(ctx, workspace, e.From, r.opt.Owner, limit, tx.Now().Add(lease+r.opt.LeaseSlack))
		return err
	})
	return items, err
}

// process computes one batch and commits every item's result and
// transition in one transaction.
func (r *Runner) process(ctx context.Context, def Definition, b batch, prog *Progress, mu *sync.Mutex) error {
	results := make([]Result, len(b.items))
	if b.edge.Step != nil {
		step := *b.edge.Step
		// An item claimed more often than allowed had every earlier attempt
		// end without a commit (a killed worker, a step past its timeout):
		// it fails now instead of being tried forever.
		var fresh []store.Item
		var at []int
		for i, it := range b.items {
			if it.Attempts > step.MaxAttempts {
				reason := "the step never finished (worker killed or timed out)"
				if it.LastError != "" {
					reason = it.LastError
				}
				results[i].Err = Permanent(fmt.Errorf("gave up after %d attempts: %s", step.MaxAttempts, reason))
				continue
			}
			fresh = append(fresh, it)
			at = append(at, i)
		}
		if len(fresh) > 0 {
			sctx, cancel := context.WithTimeout(ctx, step.Timeout)
			out := r.actions[step.Action].Apply(sctx, step, fresh)
			cancel()
			if len(out) != len(fresh) {
				return fmt.Errorf("action %s returned %d results for %d items", step.Action, len(out), len(fresh))
			}
			for j, i := range at {
				results[i] = out[j]
			}
		}
	}
	if ctx.Err() != nil {
		return nil // shutting down: the leases are released, nothing is counted
	}
	var tally Progress
	err := r.db.Update(ctx, func(tx *store.Tx) error {
		tally = Progress{}
		return r.commit(ctx, tx, def, b, results, &tally)
	})
	if err != nil {
		return err
	}
	mu.Lock()
	prog.Transitions += tally.Transitions
	prog.Completed += tally.Completed
	prog.Failed += tally.Failed
	prog.Retried += tally.Retried
	prog.Conflicts += tally.Conflicts
	snapshot := *prog
	mu.Unlock()
	if r.opt.Progress != nil {
		r.opt.Progress(snapshot)
	}
	return nil
}

// commit writes a batch's outcome: the successes move together in one
// compare-and-set with their results; failures and retries go one by one.
func (r *Runner) commit(ctx context.Context, tx *store.Tx, def Definition, b batch, results []Result, tally *Progress) error {
	e := b.edge
	if !def.Allowed(e.From, e.To) {
		return fmt.Errorf("workflow %s does not allow %s -> %s", def.Name, e.From, e.To)
	}
	var ok []store.Moved
	byID := make(map[int64]int, len(b.items))
	for i, it := range b.items {
		if results[i].Err != nil {
			if err := r.commitFailure(ctx, tx, def, e, it, results[i].Err, tally); err != nil {
				return err
			}
			continue
		}
		ok = append(ok, store.Moved{ItemID: it.ID, Attempt: it.Attempts})
		byID[it.ID] = i
	}
	moved, err := tx.TransitionMany(ctx, e.From, e.To, r.opt.Owner, ok)
	if err != nil {
		return err
	}
	if lost := len(ok) - len(moved); lost > 0 {
		tally.Conflicts += lost
		r.log.DebugContext(ctx, "items moved by another worker", "items", lost, "from", e.From, "to", e.To)
	}
	tally.Transitions += len(moved)
	for _, m := range moved {
		i := byID[m.ItemID]
		if err := writeResult(ctx, tx, b.items[i], results[i]); err != nil {
			return err
		}
	}
	switch {
	case e.To == store.Completed:
		tally.Completed += len(moved)
	case e.Complete:
		done, err := tx.TransitionMany(ctx, e.To, store.Completed, "", moved)
		if err != nil {
			return err
		}
		tally.Transitions += len(done)
		tally.Completed += len(done)
	}
	return nil
}

// commitFailure backs a failed item off for another attempt, or fails it
// for good when the error is permanent or its attempts are used up.
func (r *Runner) commitFailure(ctx context.Context, tx *store.Tx, def Definition, e edge, it store.Item, cause error, tally *Progress) error {
	maxAttempts := DefaultMaxAttempts
	if e.Step != nil {
		maxAttempts = e.Step.MaxAttempts
	}
	if retryable(cause) && it.Attempts < maxAttempts {
		next := tx.Now().Add(r.backoff(it.Attempts))
		err := tx.Defer(ctx, it.ID, e.From, r.opt.Owner, it.Attempts, next, cause.Error())
		if lost, err := r.lostLease(ctx, err, it, tally); lost || err != nil {
			return err
		}
		tally.Retried++
		return nil
	}
	reason := cause.Error()
	if retryable(cause) {
		reason = fmt.Sprintf("gave up after %d attempts: %s", it.Attempts, reason)
	}
	err := r.move(ctx, tx, def, store.Transition{ItemID: it.ID, From: e.From, To: store.Failed,
		Owner: r.opt.Owner, Attempt: it.Attempts, Error: reason})
	if lost, err := r.lostLease(ctx, err, it, tally); lost || err != nil {
		return err
	}
	tally.Failed++
	tally.Transitions++
	return nil
}

// lostLease reports whether err says another worker moved the item first
// (its lease ran out); that is counted, not an error. Other errors pass.
func (r *Runner) lostLease(ctx context.Context, err error, it store.Item, tally *Progress) (bool, error) {
	if errors.Is(err, store.ErrConflict) {
		tally.Conflicts++
		r.log.DebugContext(ctx, "item moved by another worker", "item_id", it.ID, "state", it.State)
		return true, nil
	}
	return false, err
}

// move checks a transition against the definition before the store applies it.
func (r *Runner) move(ctx context.Context, tx *store.Tx, def Definition, t store.Transition) error {
	if !def.Allowed(t.From, t.To) {
		return fmt.Errorf("workflow %s does not allow %s -> %s (item %d)", def.Name, t.From, t.To, t.ItemID)
	}
	return tx.Transition(ctx, t)
}

func writeResult(ctx context.Context, tx *store.Tx, it store.Item, res Result) error {
	if res.Text != nil {
		if err := tx.SetText(ctx, it.ID, *res.Text); err != nil {
			return err
		}
	}
	for _, ks := range res.Keywords {
		if err := tx.AddKeywords(ctx, it, ks.Model, ks.Keywords); err != nil {
			return err
		}
	}
	return nil
}

// backoff is the delay before attempt n+1: exponential with ±25% jitter so
// items that failed together do not retry in lockstep.
func (r *Runner) backoff(attempt int) time.Duration {
	d := r.opt.Backoff
	for i := 1; i < attempt && d < r.opt.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.opt.MaxBackoff)
	jitter := time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
	return d + jitter
}
