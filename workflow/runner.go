package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
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
	// CallbackBase is the URL asynchronous services reach the callback
	// handler at, e.g. "http://127.0.0.1:8080"; needed only by workflows
	// with asynchronous steps.
	CallbackBase string
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
	Submitted   int // items handed to asynchronous services
	// Waiting is what was still waiting when the run returned: items in
	// backoff, or handed to a service that has not called back.
	Waiting store.Pending
}

// Runner pushes items through their workflows.
type Runner struct {
	db      *store.DB
	defs    map[string]Definition
	actions map[string]Action
	opt     Options
	log     *slog.Logger

	secretMu  sync.Mutex
	secretKey []byte // signs callback URLs; see secret
	callbacks callbackGroup
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
		for _, s := range d.Steps {
			if _, async := actions[actionKey(s)].(AsyncAction); async && opt.CallbackBase == "" {
				errs = append(errs, fmt.Errorf("workflow %s: step %s waits for callbacks from %s, but no callback URL is set (server.public_url)", name, s.State, s.Service))
			}
		}
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

// leg is one unit of work: items claimed in From run through Steps in
// order, all in memory, and every transition is committed in one
// transaction. Consecutive in-process steps share a leg, so an item pays
// for one claim and one commit instead of one per step; every transition is
// still checked and logged. A workflow has a leg from each non-terminal
// state, because retries and backoffs leave items in the middle of one.
type leg struct {
	From   store.State
	Steps  []Step        // empty only for a workflow without steps
	States []store.State // From, then the state each step reaches
	// Async legs are one asynchronous step: the commit hands the items to
	// the service, and its callback makes the transition.
	Async bool
}

// To is where a leg ends: completed when it runs the workflow's last step.
func (l leg) To() store.State { return l.States[len(l.States)-1] }

// legs cuts d into legs: from each state, the steps up to the next
// asynchronous one; an asynchronous step is a leg of its own.
func (r *Runner) legs(d Definition) []leg {
	states := d.States()
	if len(d.Steps) == 0 {
		return []leg{{From: store.Ready, States: []store.State{store.Ready, store.Completed}}}
	}
	async := func(s Step) bool {
		_, ok := r.actions[actionKey(s)].(AsyncAction)
		return ok
	}
	out := make([]leg, len(d.Steps))
	for i := range d.Steps {
		if async(d.Steps[i]) {
			out[i] = leg{From: states[i], Steps: d.Steps[i : i+1], States: states[i : i+2], Async: true}
			continue
		}
		j := i + 1
		for j < len(d.Steps) && !async(d.Steps[j]) {
			j++
		}
		end := j + 1
		if j == len(d.Steps) {
			end++ // the last leg ends in completed
		}
		out[i] = leg{From: states[i], Steps: d.Steps[i:j], States: states[i:end]}
	}
	if last := len(d.Steps) - 1; async(d.Steps[last]) {
		// The callback moves items to the last step's state; the runner
		// completes them, so a run counts what it finished.
		out = append(out, leg{From: states[last+1], States: states[last+1:]})
	}
	return out
}

// lease is how long a claim of this leg may take before others may take it.
func (l leg) lease(slack time.Duration) time.Duration {
	total := slack
	for _, s := range l.Steps {
		total += s.Timeout
	}
	if len(l.Steps) == 0 {
		total += DefaultTimeout
	}
	return total
}

func (l leg) batchSize() int {
	if len(l.Steps) == 0 {
		return DefaultBatchSize
	}
	return l.Steps[0].BatchSize
}

type batch struct {
	leg   leg
	items []store.Item
	// For legs with a TxAction step: commit only after the batch claimed
	// before it (prev closes), then let the next one go (close done).
	prev <-chan struct{}
	done chan struct{}
}

// ordered reports whether the leg's batches must commit in claim order.
func (r *Runner) ordered(l leg) bool {
	for _, s := range l.Steps {
		if _, ok := r.actions[actionKey(s)].(TxAction); ok {
			return true
		}
	}
	return false
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
	// The keyword counts the run left pending reach the viewer's totals.
	if serr := r.db.Update(cctx, func(tx *store.Tx) error {
		if err := tx.FoldKeywordCounts(cctx); err != nil {
			return err
		}
		return tx.SaveRun(cctx, run)
	}); serr != nil && err == nil {
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
	legs := r.legs(def)
	var states []store.State
	for _, l := range legs {
		states = append(states, l.From)
	}
	work := make(chan batch)
	done := make(chan error, r.opt.Workers+1)
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
	turn := make(chan struct{}) // the ordered batch that may commit next
	close(turn)
	wait := func() {
		if err := <-done; err != nil && firstErr == nil {
			firstErr = err
		}
		inflight--
	}
	// MaxWait bounds the time without any item moving: waiting out
	// backoffs, for callbacks, or for a service that is down.
	moved := func() int {
		mu.Lock()
		defer mu.Unlock()
		return prog.Transitions + prog.Submitted
	}
	lastMoved, stillSince := 0, time.Now()
	lastLook, gaveUp := false, false
	emptyAt := make([]time.Time, len(legs))
loop:
	for firstErr == nil && ctx.Err() == nil {
		if m := moved(); m != lastMoved {
			lastMoved, stillSince = m, time.Now()
		}
		if time.Since(stillSince) > r.opt.MaxWait {
			gaveUp = true
			break
		}
		claimed := false
		// Later legs first, so items already under way finish before new
		// ones start and the number of half-done items stays small.
		for i := len(legs) - 1; i >= 0 && firstErr == nil; i-- {
			// The start state of an asynchronous leg holds the items
			// waiting for callbacks, which a claim must step over: after
			// an empty claim, such a leg is asked again only a little
			// later.
			if legs[i].Async && !lastLook && time.Since(emptyAt[i]) < asyncClaimPause {
				continue
			}
			// One batch more than there are workers: it is claimed while
			// they compute and handed over as soon as one is free.
			if inflight > r.opt.Workers {
				wait()
			}
			items, err := r.claim(ctx, workspace, legs[i])
			if err != nil {
				firstErr = err
				break loop
			}
			if len(items) == 0 {
				emptyAt[i] = time.Now()
				continue
			}
			claimed = true
			inflight++
			b := batch{leg: legs[i], items: items}
			if r.ordered(legs[i]) {
				b.prev, b.done = turn, make(chan struct{})
				turn = b.done
			}
			work <- b
		}
		if claimed {
			lastLook = false
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
		prog.Waiting = p
		if p.Backoff == 0 && p.Awaiting == 0 {
			if lastLook {
				break
			}
			// A callback may have moved an item between the claims above
			// and this count: look once more.
			lastLook = true
			continue
		}
		d := max(r.opt.MaxWait-time.Since(stillSince), 0)
		if p.Backoff > 0 {
			d = min(d, max(time.Until(p.NextAttempt), 10*time.Millisecond))
		}
		if p.Awaiting > 0 {
			// Callbacks arrive at any moment, possibly in another process.
			d = min(d, callbackPoll, max(time.Until(p.AwaitUntil), 10*time.Millisecond))
		}
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
	if gaveUp {
		p, err := r.db.PendingWork(context.WithoutCancel(ctx), workspace, states, r.opt.Owner)
		if err == nil {
			prog.Waiting = p
		}
		log.WarnContext(ctx, "stopped waiting: nothing moved", "for", r.opt.MaxWait, "backoff", p.Backoff,
			"next_attempt", p.NextAttempt, "awaiting_callbacks", p.Awaiting, "callback_deadline", p.AwaitUntil)
	}
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

func (r *Runner) claim(ctx context.Context, workspace string, l leg) ([]store.Item, error) {
	// Legs after the first start from a state that only retries and
	// callbacks fill: look before queueing behind a commit for nothing. Not
	// from ready, where the look would step over every leased item first.
	if l.From != store.Ready {
		if ok, err := r.db.Claimable(ctx, workspace, l.From); err != nil || !ok {
			return nil, err
		}
	}
	var items []store.Item
	err := r.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		items, err = tx.Claim(ctx, workspace, l.From, r.opt.Owner, l.batchSize(), tx.Now().Add(l.lease(r.opt.LeaseSlack)))
		return err
	})
	return items, err
}

// outcome is what happened to one claimed item in a leg: how many steps it
// passed, and the error that stopped it, if any.
type outcome struct {
	passed  int
	err     error
	results []Result // one per step passed
	// submitted: the leg's asynchronous step took the item; its callback
	// will make the transition.
	submitted bool
}

// process computes one batch through its leg's steps and commits every
// item's results and transitions in one transaction.
func (r *Runner) process(ctx context.Context, def Definition, b batch, prog *Progress, mu *sync.Mutex) error {
	if b.done != nil {
		defer close(b.done)
	}
	items := slices.Clone(b.items)
	outs := make([]outcome, len(items))
	alive := make([]int, 0, len(items))
	for i, it := range items {
		// An item claimed more often than allowed had every earlier attempt
		// end without a commit (a killed worker, a step past its timeout):
		// it fails now instead of being tried forever.
		if len(b.leg.Steps) > 0 && it.Attempts > b.leg.Steps[0].MaxAttempts {
			reason := "the step never finished (worker killed or timed out)"
			if it.LastError != "" {
				reason = it.LastError
			}
			outs[i].err = Permanent(fmt.Errorf("gave up after %d attempts: %s", b.leg.Steps[0].MaxAttempts, reason))
			continue
		}
		alive = append(alive, i)
	}
	for _, step := range b.leg.Steps {
		if len(alive) == 0 || ctx.Err() != nil {
			break
		}
		in := make([]store.Item, len(alive))
		for j, i := range alive {
			in[j] = items[i]
		}
		sctx, cancel := context.WithTimeout(ctx, step.Timeout)
		in2 := Batch{Workspace: b.items[0].Workspace, Step: step, Items: in}
		if b.leg.Async {
			secret, err := r.secret(ctx)
			if err != nil {
				cancel()
				return err
			}
			in2.CallbackURL = r.callbackURL(secret, step.State)
		}
		res := r.actions[actionKey(step)].Apply(sctx, in2)
		cancel()
		if len(res) != len(in) {
			return fmt.Errorf("action %s returned %d results for %d items", step.Action, len(res), len(in))
		}
		next := alive[:0]
		for j, i := range alive {
			if res[j].Err != nil {
				outs[i].err = res[j].Err
				continue
			}
			if b.leg.Async {
				outs[i].submitted = true
				continue
			}
			res[j].applyTo(&items[i]) // later steps see this step's text and language
			outs[i].passed++
			outs[i].results = append(outs[i].results, res[j])
			next = append(next, i)
		}
		alive = next
	}
	if b.prev != nil {
		select {
		case <-b.prev:
		case <-ctx.Done():
		}
	}
	if ctx.Err() != nil {
		return nil // shutting down: the leases are released, nothing is counted
	}
	o, err := r.outcomes(def, b, outs, r.db.Now().UTC())
	if err != nil {
		return err
	}
	var tally Progress
	err = r.db.Update(ctx, func(tx *store.Tx) error {
		tally = Progress{}
		return r.commit(ctx, tx, b, items, outs, o, &tally)
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
	prog.Submitted += tally.Submitted
	snapshot := *prog
	mu.Unlock()
	if r.opt.Progress != nil {
		r.opt.Progress(snapshot)
	}
	return nil
}

// outcomes is a batch's outcome as it will be written: each item's path
// through the leg's states (to its end, to failed, or to a later retry),
// checked against the workflow, and the keywords and vectors of the items
// that move. It is worked out before the write lock is taken, which is
// then held only for the writes.
type outcomes struct {
	advs    []store.Advance
	awaits  []store.Await
	results batchResults // of every item in advs
}

func (r *Runner) outcomes(def Definition, b batch, outs []outcome, now time.Time) (outcomes, error) {
	l := b.leg
	next := def.Next()
	var o outcomes
	o.advs = make([]store.Advance, 0, len(b.items))
	for i, it := range b.items {
		out := outs[i]
		if out.submitted {
			act := r.actions[actionKey(l.Steps[0])].(AsyncAction)
			o.awaits = append(o.awaits, store.Await{ItemID: it.ID, State: l.From, Owner: act.AwaitOwner(),
				Until: now.Add(act.Deadline()),
				Note:  fmt.Sprintf("no callback from %s within %s", l.Steps[0].Service, act.Deadline())})
			continue
		}
		adv := store.Advance{ItemID: it.ID, Attempt: max(it.Attempts, 1)}
		if out.err == nil {
			adv.Path = l.States
		} else {
			k := out.passed // the step that stopped it
			adv.Path = slices.Clone(l.States[:k+1])
			if k > 0 {
				adv.Attempt = 1 // the steps before it succeeded: this step's first try
			}
			switch {
			case unavailable(out.err):
				// The service is down, not the item at fault: it waits
				// without spending an attempt.
				adv.Next = now.Add(r.backoff(3))
				adv.Error, adv.Refund = out.err.Error(), true
			case retryable(out.err) && adv.Attempt < l.Steps[k].MaxAttempts:
				adv.Next = now.Add(r.backoff(adv.Attempt))
				adv.Error = out.err.Error()
			default:
				adv.Path = append(adv.Path, store.Failed)
				adv.Error = out.err.Error()
				if retryable(out.err) {
					adv.Error = fmt.Sprintf("gave up after %d attempts: %s", adv.Attempt, adv.Error)
				}
			}
		}
		for k := 1; k < len(adv.Path); k++ {
			if !allowed(next, adv.Path[k-1], adv.Path[k]) {
				return o, fmt.Errorf("workflow %s does not allow %s -> %s (item %d)", def.Name, adv.Path[k-1], adv.Path[k], it.ID)
			}
		}
		for _, res := range out.results {
			if res.Text != nil {
				adv.Text = res.Text
			}
			if res.Language != nil {
				adv.Language, adv.LanguageScore = &res.Language.Code, res.Language.Score
			}
		}
		o.advs = append(o.advs, adv)
		o.results.collect(it, out.results)
	}
	o.results.prepare()
	return o, nil
}

// commit writes a batch's outcomes in one transaction: one compare-and-set
// per item, then the keywords and vectors of the items that moved.
func (r *Runner) commit(ctx context.Context, tx *store.Tx, b batch, items []store.Item, outs []outcome, o outcomes, tally *Progress) error {
	l := b.leg
	if err := r.recordHealth(ctx, tx, l); err != nil {
		return err
	}
	if len(o.awaits) > 0 {
		// An item that does not move here was called back already, before
		// this commit: it is on its way, not lost.
		if _, err := tx.AwaitMany(ctx, r.opt.Owner, o.awaits); err != nil {
			return err
		}
		tally.Submitted += len(o.awaits)
	}
	moved, err := tx.AdvanceMany(ctx, r.opt.Owner, o.advs)
	if err != nil {
		return err
	}
	ok := make(map[int64]bool, len(moved))
	for _, id := range moved {
		ok[id] = true
	}
	res := o.results
	if lost := len(o.advs) - len(moved); lost > 0 {
		tally.Conflicts += lost
		r.log.DebugContext(ctx, "items moved by another worker", "items", lost, "state", l.From)
		// Only the results of the items that moved are stored.
		res = batchResults{}
		for i, it := range b.items {
			if ok[it.ID] {
				res.collect(it, outs[i].results)
			}
		}
		res.prepare()
	}
	for _, adv := range o.advs {
		if !ok[adv.ItemID] {
			continue
		}
		tally.Transitions += len(adv.Path) - 1
		switch last := adv.Path[len(adv.Path)-1]; {
		case last == store.Completed:
			tally.Completed++
		case last == store.Failed:
			tally.Failed++
		case !adv.Next.IsZero():
			tally.Retried++
		}
	}
	if err := res.store(ctx, tx); err != nil {
		return err
	}
	return r.applyTx(ctx, tx, b, items, outs, ok)
}

// batchResults gathers the keywords and vectors of a batch's items, to
// store them a hundred rows per statement.
type batchResults struct {
	keywords []store.KeywordRow
	vectors  []store.Vector

	// made ready by prepare
	keywordBatch store.KeywordBatch
	vectorBatch  store.VectorBatch
}

// collect adds an item's results.
func (rs *batchResults) collect(it store.Item, results []Result) {
	for _, res := range results {
		for _, ks := range res.Keywords {
			for _, k := range ks.Keywords {
				rs.keywords = append(rs.keywords, store.KeywordRow{ItemID: it.ID, Workspace: it.Workspace,
					PublishedAt: it.PublishedAt, Model: ks.Model, Keyword: k})
			}
		}
		for _, v := range res.Vectors {
			v.ItemID = it.ID
			rs.vectors = append(rs.vectors, v)
		}
	}
}

// prepare readies what collect gathered for store.
func (rs *batchResults) prepare() {
	rs.keywordBatch = store.PrepareKeywords(rs.keywords)
	rs.vectorBatch = store.PrepareVectors(rs.vectors)
}

func (rs *batchResults) store(ctx context.Context, tx *store.Tx) error {
	if err := tx.PutVectorBatch(ctx, rs.vectorBatch); err != nil {
		return err
	}
	return tx.AddKeywordBatch(ctx, rs.keywordBatch)
}

// storeResults stores one item's keywords and vectors.
func storeResults(ctx context.Context, tx *store.Tx, it store.Item, results []Result) error {
	var rs batchResults
	rs.collect(it, results)
	rs.prepare()
	return rs.store(ctx, tx)
}

// recordHealth writes how the leg's remote services' calls went.
func (r *Runner) recordHealth(ctx context.Context, tx *store.Tx, l leg) error {
	var hs []store.ServiceHealth
	for _, s := range l.Steps {
		if hr, ok := r.actions[actionKey(s)].(healthReporter); ok {
			if h, any := hr.drainHealth(); any {
				hs = append(hs, h)
			}
		}
	}
	return tx.AddServiceHealth(ctx, hs)
}

// applyTx runs the leg's TxAction steps on the items that moved past them,
// in claim order, with the vectors earlier steps of the leg computed.
func (r *Runner) applyTx(ctx context.Context, tx *store.Tx, b batch, items []store.Item, outs []outcome, moved map[int64]bool) error {
	for k, step := range b.leg.Steps {
		act, isTx := r.actions[actionKey(step)].(TxAction)
		if !isTx {
			continue
		}
		in := Batch{Workspace: b.items[0].Workspace, Step: step}
		var vecs [][]store.Vector
		for i, it := range items {
			if !moved[it.ID] || outs[i].passed <= k {
				continue
			}
			in.Items = append(in.Items, it)
			in.Results = append(in.Results, outs[i].results[k])
			var vs []store.Vector
			for _, res := range outs[i].results[:k] {
				vs = append(vs, res.Vectors...)
			}
			vecs = append(vecs, vs)
		}
		if len(in.Items) == 0 {
			continue
		}
		if err := act.ApplyTx(ctx, tx, in, vecs); err != nil {
			return fmt.Errorf("step %s: %w", step.State, err)
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
