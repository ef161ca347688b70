package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/ui"
	"github.com/timpani-dev/timpani/workflow"
)

// ServeCmd serves the viewer and keeps the workflow running.
type ServeCmd struct {
	Addr      string `help:"Address to listen on (default: the config's server.addr, 127.0.0.1:8080)."`
	Schedule  string `help:"Cron expression on which to run fetch, then run (default: the config's server.schedule)."`
	NoProcess bool   `help:"Only serve the viewer: do not ingest or process in the background."`
}

// Run serves until interrupted.
func (c *ServeCmd) Run(ctx context.Context, app *App) error {
	if c.Addr != "" {
		app.Config.Server.Addr = c.Addr
	}
	if c.Schedule != "" {
		app.Config.Server.Schedule = c.Schedule
	}
	ln, err := app.listen()
	if err != nil {
		return err
	}
	return serve(ctx, app, ln, !c.NoProcess)
}

// listen opens the viewer's address, refusing to listen beyond loopback
// without tokens: the viewer shows everything collected.
func (a *App) listen() (net.Listener, error) {
	addr := a.Config.Server.Addr
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("server.addr %q: %w", addr, err)
	}
	if !isLoopback(host) && len(a.Config.Server.Tokens) == 0 {
		return nil, fmt.Errorf("server.addr %s listens beyond this machine: configure [[server.tokens]] first, "+
			"so that only token holders can see the workspaces", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return ln, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// workspaceOrOnly returns name, or the only workspace when name is "".
func (a *App) workspaceOrOnly(name string) (string, error) {
	if name != "" {
		_, err := a.workspaces(name)
		return name, err
	}
	if len(a.Config.Workspaces) != 1 {
		return "", fmt.Errorf("more than one workspace: choose one with --workspace")
	}
	for ws := range a.Config.Workspaces {
		name = ws
	}
	return name, nil
}

// tokens reads the configured tokens from the environment.
func (a *App) tokens() (map[string][]string, error) {
	out := map[string][]string{}
	for _, t := range a.Config.Server.Tokens {
		v := os.Getenv(t.Env)
		if len(v) < 16 {
			return nil, fmt.Errorf("server.tokens: environment variable %s must hold a token of at least 16 characters", t.Env)
		}
		out[v] = append(out[v], t.Workspaces...)
	}
	return out, nil
}

// serve runs the viewer on ln, plus (with process) a loop that ingests
// and processes what is waiting and fetches on the schedule, until ctx
// ends. Every goroutine it starts has ended when it returns.
func serve(ctx context.Context, app *App, ln net.Listener, process bool) error {
	defer ln.Close()
	if err := app.Open(ctx); err != nil {
		return err
	}
	// The viewer reads through its own read-only connection: nothing it
	// does can write, and its reads never queue behind the workflow.
	rdb, err := store.Open(ctx, filepath.Join(app.Config.DataDir, "timpani.db"), store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer rdb.Close()
	tokens, err := app.tokens()
	if err != nil {
		return err
	}
	var workspaces []ui.Workspace
	for _, name := range slices.Sorted(maps.Keys(app.Config.Workspaces)) {
		workspaces = append(workspaces, ui.Workspace{Name: name, Title: app.Config.Workspaces[name].Title})
	}
	acts := &viewerActions{app: app}
	srv, err := ui.New(ui.Options{DB: rdb, Actions: acts, Workspaces: workspaces, Tokens: tokens,
		Embeds: app.Config.Server.Embeds, Log: app.Log, Version: version()})
	if err != nil {
		return err
	}
	// Model services post results here; the signed URL is the credential,
	// so these routes sit outside the viewer's token check.
	cr, err := app.runner(nil)
	if err != nil {
		return err
	}
	srv.Mount("/callbacks", cr.CallbackHandler())
	// A background round should not sit waiting for callbacks past the
	// next round: the handler applies them whenever they come.
	app.Config.Engine.MaxWait = min(app.Config.Engine.MaxWait, app.Config.Server.ProcessEvery)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(app.Stdout, "timpani: viewer on http://%s/ (Ctrl-C to stop)\n", ln.Addr())

	return serveUntilDone(ctx, hs, ln, func(ctx context.Context) error {
		if process {
			acts.background(ctx)
		}
		return nil
	})
}

// needsCallbacks reports whether a configured workflow has a step on an
// asynchronous service (Presto), whose results come back by callback.
func (a *App) needsCallbacks(workspaces []string) bool {
	defs := a.Config.Definitions()
	for _, ws := range workspaces {
		for _, s := range defs[a.Config.Workspaces[ws].Workflow].Steps {
			if sc := a.Config.Services[s.Service]; sc != nil && sc.Kind == "presto" {
				return true
			}
		}
	}
	return false
}

// listenForCallbacks serves the callback handler on server.addr while
// `run` works, so that run alone finishes asynchronous steps. When the
// address is taken (by `timpani serve`, most likely), the callbacks go
// there instead, and that is said. stop shuts the listener down.
func (a *App) listenForCallbacks(ctx context.Context) (stop func(), err error) {
	r, err := a.runner(nil)
	if err != nil {
		return nil, err
	}
	addr, base := a.Config.Server.Addr, a.Config.callbackBase()
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		a.printf("run: %s is in use (by timpani serve?): model services' callbacks to %s go to it\n", addr, base)
		return func() {}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listen for model services' callbacks on %s (server.addr): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle(workflow.CallbackPath, r.CallbackHandler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("callback listener", "err", err)
		}
	}()
	a.Log.Info("listening for callbacks", "addr", ln.Addr().String(), "public_url", base)
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
		<-done
	}, nil
}

// serveUntilDone serves hs on ln alongside work until ctx ends (then it
// shuts hs down) or hs stops on its own (then it cancels work), and
// returns once both have.
func serveUntilDone(ctx context.Context, hs *http.Server, ln net.Listener, work func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	workErr := make(chan error, 1)
	wg.Go(func() { workErr <- work(ctx) })
	wg.Go(func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	})
	err := hs.Serve(ln)
	cancel()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, ignoreCanceled(<-workErr))
}

// viewerActions is what the viewer may ask for. work serialises the
// background loop and the viewer's maintenance, which share the indexes.
type viewerActions struct {
	app  *App
	work sync.Mutex
}

// background ingests and processes every ProcessEvery, and fetches when
// the schedule says, until ctx ends. A failed round is logged and the
// next one tries again.
func (v *viewerActions) background(ctx context.Context) {
	app := v.app
	var sched workflow.Schedule
	next := time.Time{}
	if s := app.Config.Server.Schedule; s != "" {
		var err error
		if sched, err = workflow.ParseSchedule(s); err != nil {
			app.Log.Error("schedule", "err", err)
			return
		}
		next = sched.Next(app.now())
		app.Log.Info("fetch scheduled", "schedule", s, "next", next.Format(time.RFC3339))
	}
	every := time.Duration(app.Config.Server.ProcessEvery)
	for {
		fetch := !next.IsZero() && !app.now().Before(next)
		if err := v.round(ctx, fetch); err != nil && ctx.Err() == nil {
			app.Log.Error("background round", "err", err)
		}
		if fetch {
			next = sched.Next(app.now())
			app.Log.Info("next scheduled fetch", "at", next.Format(time.RFC3339))
		}
		wait := every
		if !next.IsZero() {
			wait = min(wait, max(time.Until(next), time.Second))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func (v *viewerActions) round(ctx context.Context, fetch bool) error {
	v.work.Lock()
	defer v.work.Unlock()
	app := v.app
	if fetch {
		yesterday := app.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
		if _, err := fetchAll(ctx, app, fetchSelection{Days: []time.Time{yesterday}}); err != nil {
			app.Log.Error("scheduled fetch", "err", err) // a failed source must not stop the processing
		}
	}
	if _, err := ingest(ctx, app, workflow.IngestFilter{}); err != nil {
		return err
	}
	return processAll(ctx, app, slices.Sorted(maps.Keys(app.Config.Workspaces)))
}

func (v *viewerActions) Retry(ctx context.Context, workspace string, ids []int64) (int, error) {
	n := 0
	err := v.app.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.Retry(ctx, workspace, ids)
		return err
	})
	return n, err
}

func (v *viewerActions) Merge(ctx context.Context, workspace string) (string, error) {
	_, threshold, err := v.app.clusterStep(workspace)
	if err != nil {
		return "", err
	}
	v.work.Lock()
	defer v.work.Unlock()
	sum, err := workflow.MergeClusters(ctx, v.app.db, v.app.indexes, workspace, threshold, 0)
	if err != nil {
		return "", fmt.Errorf("merge clusters of %s: %w", workspace, err)
	}
	if err := v.app.indexes.Save(ctx, v.app.db); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d clusters checked, %d merged (threshold %.2f)", sum.Checked, sum.Merged, threshold), nil
}

func (v *viewerActions) Similar(ctx context.Context, workspace, text string, limit int) ([]ui.SimilarHit, error) {
	matches, err := v.app.similar(ctx, workspace, text, limit, -1)
	if err != nil {
		return nil, err
	}
	hits := make([]ui.SimilarHit, len(matches))
	for i, m := range matches {
		hits[i] = ui.SimilarHit{ItemID: m.ID, Score: m.Score}
	}
	return hits, nil
}

// RawRecord reads the item's record back from the archived page it came
// from.
func (v *viewerActions) RawRecord(ctx context.Context, it store.Item) (json.RawMessage, error) {
	if !it.PageID.Valid {
		return nil, errors.New("the item has no archived page")
	}
	p, err := v.app.db.Page(ctx, it.PageID.Int64)
	if err != nil {
		return nil, err
	}
	r, err := v.app.archive.OpenPage(p.Path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for {
		line, _, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("record %s in %s: %w", it.RawID, p.Path, err)
		}
		if line.RawID == it.RawID {
			return line.Record, nil
		}
	}
}

func (v *viewerActions) Workflow(workspace string) ([]string, string) {
	d, ok := v.app.Config.Definitions()[v.app.Config.Workspaces[workspace].Workflow]
	if !ok {
		return nil, ""
	}
	d = d.WithDefaults()
	states := make([]string, 0, len(d.States()))
	for _, s := range d.States() {
		states = append(states, string(s))
	}
	return states, d.Mermaid()
}

// Services lists the model services the workspace's workflow uses, with
// how their latest calls went.
func (v *viewerActions) Services(workspace string) []ui.ServiceHealth {
	var out []ui.ServiceHealth
	for _, s := range v.app.serviceStates(context.Background(), []string{workspace}) {
		out = append(out, ui.ServiceHealth{Name: s.Name, Kind: s.Kind, State: s.State, Detail: s.Detail})
	}
	return out
}

// similar embeds text with the workspace's cluster model and searches its
// index; threshold < 0 means the cluster step's.
func (a *App) similar(ctx context.Context, ws, text string, limit int, threshold float64) ([]clustering.Match, error) {
	model, stepThreshold, err := a.clusterStep(ws)
	if err != nil {
		return nil, err
	}
	if threshold < 0 {
		threshold = stepThreshold
	}
	if err := a.Open(ctx); err != nil {
		return nil, err
	}
	a.queryOnce.Do(func() {
		var opt workflow.ActionOptions
		opt, a.queryErr = a.actionOptions()
		a.queryActions = workflow.Actions(opt)
	})
	if a.queryErr != nil {
		return nil, a.queryErr
	}
	def := a.Config.Definitions()[a.Config.Workspaces[ws].Workflow]
	vec, err := workflow.EmbedQuery(ctx, a.queryActions, def, model, text)
	if err != nil {
		return nil, fmt.Errorf("workspace %s: %w", ws, err)
	}
	return a.indexes.Similar(ctx, a.db, ws, model, vec, limit, threshold)
}
