package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow"
)

// FetchCmd acquires content into the raw archive.
type FetchCmd struct {
	Workspace string `short:"w" help:"Only this workspace."`
	Source    string `short:"s" help:"Only this source (its name in the config)."`
	Query     string `help:"Only this query."`
	Date      string `short:"d" placeholder:"YYYYMMDD" help:"The day to fetch (default: yesterday, UTC)."`
	From      string `placeholder:"YYYYMMDD" help:"First day of a backfill; each day is its own partition."`
	To        string `placeholder:"YYYYMMDD" help:"Last day of a backfill (default: yesterday)."`
	Limit     int    `help:"Stop each query after this many records."`
	Force     bool   `help:"Fetch windows that were fetched before."`

	PublishStart string `placeholder:"YYYYMMDD" help:"Fetch posts published from this day instead of the partition day (the partition stays --date)."`
	PublishEnd   string `placeholder:"YYYYMMDD" help:"Last publish day (inclusive) with --publish-start (default: the start day)."`
	Ingest       bool   `help:"Ingest what was fetched right after."`
}

// Run fetches every selected (workspace, source, query, day).
func (c *FetchCmd) Run(ctx context.Context, app *App) error {
	days, err := fetchDays(c.Date, c.From, c.To, app.now())
	if err != nil {
		return err
	}
	sel := fetchSelection{Workspace: c.Workspace, Source: c.Source, Query: c.Query, Days: days, Limit: c.Limit, Force: c.Force}
	if sel.Start, sel.End, err = publishWindow(c.PublishStart, c.PublishEnd, len(days)); err != nil {
		return err
	}
	if err := app.Open(ctx); err != nil {
		return err
	}
	if _, err = fetchAll(ctx, app, sel); err != nil {
		return err
	}
	if c.Ingest {
		_, err = ingest(ctx, app, workflow.IngestFilter{Workspace: c.Workspace, Source: c.Source})
	}
	return err
}

// publishWindow turns --publish-start/--publish-end into a window of whole
// UTC days, end day included; zero times when they are not given.
func publishWindow(start, end string, days int) (time.Time, time.Time, error) {
	if start == "" {
		if end != "" {
			return time.Time{}, time.Time{}, errors.New("--publish-end needs --publish-start")
		}
		return time.Time{}, time.Time{}, nil
	}
	if days > 1 {
		return time.Time{}, time.Time{}, errors.New("--publish-start cannot be combined with a --from/--to backfill: each backfill day is its own window")
	}
	first, err := parseDay("--publish-start", start)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	last := first
	if end != "" {
		if last, err = parseDay("--publish-end", end); err != nil {
			return time.Time{}, time.Time{}, err
		}
	}
	if last.Before(first) {
		return time.Time{}, time.Time{}, fmt.Errorf("--publish-end %s is before --publish-start %s", end, start)
	}
	return first, last.AddDate(0, 0, 1), nil
}

type fetchSelection struct {
	Workspace, Source, Query string
	Days                     []time.Time
	Start, End               time.Time // a publish window overriding the day's, when set
	Limit                    int
	Force                    bool
}

// fetchAll fetches every target the selection names, going on past a failed
// target so one bad source does not hold up the others.
func fetchAll(ctx context.Context, app *App, sel fetchSelection) (int, error) {
	workspaces, err := app.workspaces(sel.Workspace)
	if err != nil {
		return 0, err
	}
	prog := newProgress(app, "fetch", "records", 0)
	records := 0
	f := &workflow.Fetcher{DB: app.db, Archive: app.archive, Owner: app.owner, Log: app.Log,
		Progress: func(workflow.FetchTarget, store.Run) {}}
	var failures []string
	matched := false
	for _, ws := range workspaces {
		wc := app.Config.Workspaces[ws]
		for _, sname := range slices.Sorted(maps.Keys(wc.Sources)) {
			if sel.Source != "" && sname != sel.Source {
				continue
			}
			src, err := app.Config.source(ws, sname)
			if err != nil {
				return records, err
			}
			for _, qname := range slices.Sorted(maps.Keys(wc.Sources[sname].Queries)) {
				if sel.Query != "" && qname != sel.Query {
					continue
				}
				matched = true
				for _, day := range sel.Days {
					t := workflow.FetchTarget{Workspace: ws, SourceName: sname, Source: src, Query: qname,
						Value: app.Config.queryValue(ws, sname, qname), DateID: dateID(day), Start: day, End: day.AddDate(0, 0, 1),
						Limit: sel.Limit, Force: sel.Force}
					if !sel.Start.IsZero() {
						t.Start, t.End = sel.Start, sel.End
					}
					base := records
					f.Progress = func(_ workflow.FetchTarget, r store.Run) { prog.update(base + r.Records) }
					r, err := f.Fetch(ctx, t)
					prog.done()
					label := fmt.Sprintf("%s/%s/%s %d", ws, sname, qname, t.DateID)
					switch {
					case errors.Is(err, workflow.ErrAlreadyFetched):
						app.printf("%s: already fetched (%d records); --force fetches it again\n", label, r.Records)
					case errors.Is(err, workflow.ErrBusy):
						app.printf("%s: another process is fetching it; skipped\n", label)
					case err != nil:
						if ctx.Err() != nil {
							return records, ctx.Err()
						}
						failures = append(failures, fmt.Sprintf("%s: %v", label, err))
						app.Log.ErrorContext(ctx, "fetch failed", "workspace", ws, "source", sname, "query", qname,
							"date_id", t.DateID, "err", err)
					default:
						records += r.Records
						app.printf("%s: %d records in %d pages%s%s\n", label, r.Records, r.Pages, reported(r), effort(r))
					}
				}
			}
		}
	}
	if !matched {
		return records, fmt.Errorf("no configured query matches --workspace %q --source %q --query %q", sel.Workspace, sel.Source, sel.Query)
	}
	if len(failures) > 0 {
		return records, fmt.Errorf("%d fetches failed (rerun to resume them):\n  %s", len(failures), strings.Join(failures, "\n  "))
	}
	return records, nil
}

// effort says what a fetch ran into, when it ran into anything.
func effort(r store.Run) string {
	var parts []string
	if r.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d bad records skipped (see the log)", r.Skipped))
	}
	if r.Retries > 0 {
		parts = append(parts, fmt.Sprintf("%d retries", r.Retries))
	}
	if r.RateLimitWaits > 0 {
		parts = append(parts, fmt.Sprintf("%d rate-limit waits", r.RateLimitWaits))
	}
	if r.WindowsSplit > 0 {
		parts = append(parts, fmt.Sprintf("%d windows split", r.WindowsSplit))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

func reported(r store.Run) string {
	if r.ReportedTotal < 0 {
		return ""
	}
	return fmt.Sprintf(" (the source reported %d)", r.ReportedTotal)
}

// fetchDays turns --date, --from and --to into the UTC days to fetch.
func fetchDays(date, from, to string, now time.Time) ([]time.Time, error) {
	yesterday := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	if date != "" && (from != "" || to != "") {
		return nil, errors.New("--date cannot be combined with --from/--to")
	}
	if from == "" {
		if to != "" {
			return nil, errors.New("--to needs --from")
		}
		d := yesterday
		if date != "" {
			var err error
			if d, err = parseDay("--date", date); err != nil {
				return nil, err
			}
		}
		return []time.Time{d}, nil
	}
	first, err := parseDay("--from", from)
	if err != nil {
		return nil, err
	}
	last := yesterday
	if to != "" {
		if last, err = parseDay("--to", to); err != nil {
			return nil, err
		}
	}
	if last.Before(first) {
		return nil, fmt.Errorf("--to %s is before --from %s", to, from)
	}
	var days []time.Time
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
		if len(days) > 3660 {
			return nil, errors.New("--from/--to span more than ten years")
		}
	}
	return days, nil
}

func parseDay(flag, s string) (time.Time, error) {
	d, err := time.Parse("20060102", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want YYYYMMDD", flag, s)
	}
	return d, nil
}

func dateID(day time.Time) int {
	n, _ := strconv.Atoi(day.UTC().Format("20060102"))
	return n
}

// IngestCmd turns archived pages into items.
type IngestCmd struct {
	Workspace string `short:"w" help:"Only this workspace."`
	Source    string `short:"s" help:"Only this source."`
	Date      string `short:"d" placeholder:"YYYYMMDD" help:"Only this partition day."`
	Force     bool   `help:"Re-read pages already ingested and send their items back to ready."`
}

// Run ingests.
func (c *IngestCmd) Run(ctx context.Context, app *App) error {
	var day int
	if c.Date != "" {
		d, err := parseDay("--date", c.Date)
		if err != nil {
			return err
		}
		day = dateID(d)
	}
	if c.Workspace != "" {
		if _, err := app.workspaces(c.Workspace); err != nil {
			return err
		}
	}
	if err := app.Open(ctx); err != nil {
		return err
	}
	_, err := ingest(ctx, app, workflow.IngestFilter{Workspace: c.Workspace, Source: c.Source, DateID: day, Force: c.Force})
	return err
}

func ingest(ctx context.Context, app *App, f workflow.IngestFilter) (workflow.IngestSummary, error) {
	prog := newProgress(app, "ingest", "records", 0)
	sum, err := app.ingester(func(s workflow.IngestSummary) { prog.update(s.Records) }).Ingest(ctx, f)
	prog.done()
	if sum.PagesLeft > 0 {
		app.printf("ingest: %d pages, %d records: %d new items, %d already there, %d unreadable\n",
			sum.Pages, sum.Records, sum.Items-sum.Failed, sum.Existing, sum.Failed)
	}
	for _, p := range sum.Problems {
		app.printf("ingest: page read in part: %s\n", p)
	}
	return sum, err
}

// RunCmd ingests and processes until idle.
type RunCmd struct {
	Workspace string        `short:"w" help:"Only this workspace."`
	Workers   int           `help:"Batches processed at once (default: engine.workers)."`
	MaxWait   time.Duration `help:"How long to wait without progress for items backing off after errors or for model services' callbacks (default: engine.max_wait)."`
}

// Run ingests new pages, then runs every workspace's workflow until idle.
func (c *RunCmd) Run(ctx context.Context, app *App) error {
	workspaces, err := app.workspaces(c.Workspace)
	if err != nil {
		return err
	}
	if c.Workers > 0 {
		app.Config.Engine.Workers = c.Workers
	}
	if c.MaxWait > 0 {
		app.Config.Engine.MaxWait = Duration(c.MaxWait)
	}
	if err := app.Open(ctx); err != nil {
		return err
	}
	if app.needsCallbacks(workspaces) {
		stop, err := app.listenForCallbacks(ctx)
		if err != nil {
			return err
		}
		defer stop()
	}
	if _, err := ingest(ctx, app, workflow.IngestFilter{Workspace: c.Workspace}); err != nil {
		return err
	}
	return processAll(ctx, app, workspaces)
}

func processAll(ctx context.Context, app *App, workspaces []string) error {
	if err := expireAll(ctx, app, workspaces); err != nil {
		return err
	}
	for _, ws := range workspaces {
		var prog *progress
		r, err := app.runner(func(p workflow.Progress) {
			if prog == nil {
				prog = newProgress(app, "run "+ws, "items done", p.Active)
			}
			prog.update(p.Completed + p.Failed)
		})
		if err != nil {
			return err
		}
		p, err := r.RunUntilIdle(ctx, ws, app.Config.Workspaces[ws].Workflow)
		if prog != nil {
			prog.done()
		}
		// Whatever the run got through is worth keeping, even if it failed.
		if serr := app.indexes.Save(context.WithoutCancel(ctx), app.db); serr != nil && err == nil {
			err = serr
		}
		if err == nil {
			_, err = workflow.UpdateTrends(ctx, app.db, ws, clustering.TrendOptions{})
		}
		if err != nil {
			return fmt.Errorf("workspace %s: %w", ws, err)
		}
		if p.Transitions > 0 || p.Active > 0 {
			app.printf("run %s: %d transitions, %d completed, %d failed, %d retries deferred\n",
				ws, p.Transitions, p.Completed, p.Failed, p.Retried)
		}
		if w := p.Waiting; w.Backoff > 0 || w.Awaiting > 0 {
			app.printf("run %s: stopped waiting after %s without progress: %d items wait to be tried again, %d wait for a model service's callback; run again later (timpani status shows the services)\n",
				ws, time.Duration(app.Config.Engine.MaxWait), w.Backoff, w.Awaiting)
		}
	}
	return nil
}

// StatusCmd reports what is in the database.
type StatusCmd struct {
	Workspace string `short:"w" help:"Only this workspace."`
	JSON      bool   `help:"Print JSON."`
	Runs      int    `default:"10" help:"How many recent runs to show."`
}

type statusReport struct {
	Workspaces []workspaceStatus    `json:"workspaces"`
	Services   []serviceState       `json:"services"`
	Runs       []store.Run          `json:"runs"`
	Failures   []store.FailureCount `json:"failures"`
}

type workspaceStatus struct {
	Workspace string         `json:"workspace"`
	Workflow  string         `json:"workflow"`
	States    map[string]int `json:"states"`
	Total     int            `json:"total"`
}

// Run prints the report.
func (c *StatusCmd) Run(ctx context.Context, app *App) error {
	if err := app.Open(ctx); err != nil {
		return err
	}
	counts, err := app.db.StateCounts(ctx)
	if err != nil {
		return err
	}
	rep := statusReport{Runs: []store.Run{}, Failures: []store.FailureCount{}}
	byWS := map[string]*workspaceStatus{}
	names := slices.Sorted(maps.Keys(app.Config.Workspaces))
	for _, c := range counts {
		if _, ok := app.Config.Workspaces[c.Workspace]; !ok && byWS[c.Workspace] == nil {
			names = append(names, c.Workspace) // data from a workspace no longer configured
		}
		ws := byWS[c.Workspace]
		if ws == nil {
			ws = &workspaceStatus{Workspace: c.Workspace, States: map[string]int{}}
			byWS[c.Workspace] = ws
		}
		ws.States[string(c.State)] += c.Items
		ws.Total += c.Items
	}
	for _, n := range names {
		if c.Workspace != "" && n != c.Workspace {
			continue
		}
		ws := byWS[n]
		if ws == nil {
			ws = &workspaceStatus{Workspace: n, States: map[string]int{}}
		}
		if wc, ok := app.Config.Workspaces[n]; ok {
			ws.Workflow = wc.Workflow
		}
		rep.Workspaces = append(rep.Workspaces, *ws)
	}
	ws, _ := app.workspaces(c.Workspace)
	rep.Services = app.serviceStates(ctx, ws)
	if rep.Runs, err = app.db.Runs(ctx, store.RunFilter{Workspace: c.Workspace, Limit: c.Runs}); err != nil {
		return err
	}
	fails, err := app.db.Failures(ctx, 20)
	if err != nil {
		return err
	}
	for _, f := range fails {
		if c.Workspace == "" || f.Workspace == c.Workspace {
			rep.Failures = append(rep.Failures, f)
		}
	}
	if c.JSON {
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printStatus(app, rep)
	return nil
}

func printStatus(app *App, rep statusReport) {
	w := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "WORKSPACE\tWORKFLOW\tTOTAL\tSTATES")
	for _, ws := range rep.Workspaces {
		var parts []string
		for _, s := range slices.Sorted(maps.Keys(ws.States)) {
			parts = append(parts, fmt.Sprintf("%s=%d", s, ws.States[s]))
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", ws.Workspace, ws.Workflow, ws.Total, strings.Join(parts, " "))
	}
	w.Flush()
	if len(rep.Services) > 0 {
		fmt.Fprintln(app.Stdout, "\nMODEL SERVICES")
		w = tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "SERVICE\tKIND\tSTATE\tDETAIL")
		for _, s := range rep.Services {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.Name, s.Kind, s.State, clip(s.Detail, 140))
		}
		w.Flush()
	}
	if len(rep.Runs) > 0 {
		fmt.Fprintln(app.Stdout, "\nRECENT RUNS")
		w = tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tKIND\tWORKSPACE\tTARGET\tSTATUS\tSTARTED\tDURATION\tCOUNTS")
		for _, r := range rep.Runs {
			target := strings.Trim(strings.Join([]string{r.Source, r.Query}, "/"), "/")
			if r.DateID != 0 {
				target += fmt.Sprintf(" %d", r.DateID)
			}
			dur := ""
			if !r.EndedAt.IsZero() {
				dur = r.EndedAt.Sub(r.StartedAt.Time).Round(time.Millisecond).String()
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.Workspace, target, r.Status,
				r.StartedAt.Format("2006-01-02 15:04:05"), dur, runCounts(r))
		}
		w.Flush()
	}
	if len(rep.Failures) > 0 {
		fmt.Fprintln(app.Stdout, "\nFAILURES (timpani retry sends them back)")
		w = tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "WORKSPACE\tFAILED IN\tITEMS\tEXAMPLE\tREASON")
		for _, f := range rep.Failures {
			from := string(f.From)
			if from == "" {
				from = "(ingest)"
			}
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\n", f.Workspace, from, f.Items, f.Example, clip(f.Reason, 120))
		}
		w.Flush()
	}
}

// serviceState is how a model service that a workflow uses is doing.
type serviceState struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	State    string `json:"state"` // ok | failing | unknown
	Detail   string `json:"detail"`
	Calls    int64  `json:"calls"`
	Failures int64  `json:"failures"`
}

// serviceStates lists the services the workspaces' workflows use, the
// built-in one first, with what their recorded calls say.
func (a *App) serviceStates(ctx context.Context, workspaces []string) []serviceState {
	defs := a.Config.Definitions()
	used := map[string]bool{}
	for _, ws := range workspaces {
		wc := a.Config.Workspaces[ws]
		if wc == nil {
			continue
		}
		for _, s := range defs[wc.Workflow].WithDefaults().Steps {
			used[s.Service] = true
		}
	}
	var out []serviceState
	if used[workflow.BuiltinService] {
		out = append(out, serviceState{Name: workflow.BuiltinService, Kind: "in-process", State: "ok"})
	}
	health := map[string]store.ServiceHealth{}
	if hs, err := a.db.ServiceHealths(ctx); err == nil {
		for _, h := range hs {
			health[h.Service] = h
		}
	} else {
		a.Log.Warn("service health", "err", err)
	}
	for _, name := range slices.Sorted(maps.Keys(used)) {
		sc := a.Config.Services[name]
		if sc == nil {
			continue
		}
		st := serviceState{Name: name, Kind: sc.Kind, State: "unknown", Detail: "no calls recorded yet: " + sc.URL}
		if h, ok := health[name]; ok {
			st.Calls, st.Failures = h.Calls, h.Failures
			switch {
			case h.Failing():
				st.State = "failing"
				st.Detail = fmt.Sprintf("last error %s: %s", h.LastError.Format("2006-01-02 15:04:05"), h.Error)
				if !h.LastOK.IsZero() {
					st.Detail += fmt.Sprintf(" (last success %s)", h.LastOK.Format("2006-01-02 15:04:05"))
				}
			default:
				st.State = "ok"
				st.Detail = fmt.Sprintf("last success %s; %d calls, %d failed", h.LastOK.Format("2006-01-02 15:04:05"), h.Calls, h.Failures)
			}
		}
		out = append(out, st)
	}
	return out
}

func runCounts(r store.Run) string {
	if r.Error != "" {
		return r.Counts() + "; error: " + clip(r.Error, 100)
	}
	return r.Counts()
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// RetryCmd sends failed items back.
type RetryCmd struct {
	Workspace string  `short:"w" help:"Only this workspace."`
	IDs       []int64 `arg:"" optional:"" name:"id" help:"Only these items."`
}

// Run moves failed items back to the state they failed from.
func (c *RetryCmd) Run(ctx context.Context, app *App) error {
	workspaces, err := app.workspaces(c.Workspace)
	if err != nil {
		return err
	}
	if err := app.Open(ctx); err != nil {
		return err
	}
	total := 0
	for _, ws := range workspaces {
		err := app.db.Update(ctx, func(tx *store.Tx) error {
			n, err := tx.Retry(ctx, ws, c.IDs)
			total += n
			return err
		})
		if err != nil {
			return err
		}
	}
	app.printf("retry: %d failed items sent back; `timpani run` processes them\n", total)
	return nil
}

// WorkflowCmd groups workflow commands.
type WorkflowCmd struct {
	Show WorkflowShowCmd `cmd:"" help:"Print a workflow's states and transitions as a Mermaid diagram."`
}

// WorkflowShowCmd prints a workflow.
type WorkflowShowCmd struct {
	Name      string `arg:"" optional:"" help:"The workflow (default: the workspace's)."`
	Workspace string `short:"w" help:"Show this workspace's workflow."`
}

// Run prints the diagram.
func (c *WorkflowShowCmd) Run(app *App) error {
	defs := app.Config.Definitions()
	name := c.Name
	if name == "" {
		workspaces, err := app.workspaces(c.Workspace)
		if err != nil {
			return err
		}
		name = app.Config.Workspaces[workspaces[0]].Workflow
	}
	d, ok := defs[name]
	if !ok {
		return fmt.Errorf("no workflow %q (known: %s)", name, strings.Join(slices.Sorted(maps.Keys(defs)), ", "))
	}
	d = d.WithDefaults()
	fmt.Fprintf(app.Stdout, "%%%% workflow %s: %s\n", name, d.Description)
	for i, s := range d.Steps {
		fmt.Fprintf(app.Stdout, "%%%% step %d: %s -> %s via %s/%s (batch %d, timeout %s, max attempts %d)\n",
			i+1, d.States()[i], s.State, s.Service, s.Action, s.BatchSize, s.Timeout, s.MaxAttempts)
	}
	fmt.Fprint(app.Stdout, d.Mermaid())
	return nil
}

// DemoCmd fetches and processes two weeks of the demo workspace.
type DemoCmd struct {
	Days    int  `default:"14" help:"How many days back to fetch."`
	NoServe bool `help:"Stop after processing instead of serving the viewer."`
}

// Run fetches the last Days days of every workspace (the embedded default
// has only the demo), ingests and processes them, and prints the status.
func (c *DemoCmd) Run(ctx context.Context, app *App) error {
	if c.Days < 1 || c.Days > 366 {
		return fmt.Errorf("--days %d must be between 1 and 366", c.Days)
	}
	// Listen first: a busy port should fail before minutes of processing.
	var ln net.Listener
	if !c.NoServe {
		var err error
		if ln, err = app.listen(); err != nil {
			return err
		}
		defer ln.Close()
	}
	if err := app.Open(ctx); err != nil {
		return err
	}
	yesterday := app.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	var days []time.Time
	for i := c.Days - 1; i >= 0; i-- {
		days = append(days, yesterday.AddDate(0, 0, -i))
	}
	if _, err := fetchAll(ctx, app, fetchSelection{Days: days}); err != nil {
		return err
	}
	if _, err := ingest(ctx, app, workflow.IngestFilter{}); err != nil {
		return err
	}
	if err := processAll(ctx, app, slices.Sorted(maps.Keys(app.Config.Workspaces))); err != nil {
		return err
	}
	if !app.Quiet {
		if err := demoSummary(ctx, app); err != nil {
			return err
		}
	}
	if c.NoServe {
		return nil
	}
	fmt.Fprintln(app.Stdout)
	return serve(ctx, app, ln, true)
}

// demoSummary prints the status, top keywords and emerging clusters.
func demoSummary(ctx context.Context, app *App) error {
	fmt.Fprintln(app.Stdout)
	if err := (&StatusCmd{Runs: 5}).Run(ctx, app); err != nil {
		return err
	}
	for _, ws := range slices.Sorted(maps.Keys(app.Config.Workspaces)) {
		for _, model := range []string{workflow.HashtagModel, workflow.YakeModel} {
			top, err := app.db.ListKeywords(ctx, store.KeywordFilter{Workspace: ws, Model: model}, 8, 0)
			if err != nil {
				return err
			}
			if len(top) == 0 {
				continue
			}
			parts := make([]string, len(top))
			for i, k := range top {
				parts[i] = fmt.Sprintf("%s (%d)", k.Keyword, k.Items)
			}
			fmt.Fprintf(app.Stdout, "\nTOP %s IN %s: %s\n", strings.ToUpper(model), ws, strings.Join(parts, ", "))
		}
		if err := printEmerging(ctx, app, ws); err != nil {
			return err
		}
	}
	return nil
}

// printEmerging shows the fastest-growing clusters and hashtags of ws.
func printEmerging(ctx context.Context, app *App, ws string) error {
	rising, err := workflow.KeywordTrends(ctx, app.db, ws, workflow.HashtagModel, clustering.TrendOptions{}, 8)
	if err != nil {
		return err
	}
	if len(rising) > 0 {
		parts := make([]string, len(rising))
		for i, k := range rising {
			parts[i] = fmt.Sprintf("%s (%d, trend %.1f)", k.Keyword, k.Recent, k.Trend)
		}
		fmt.Fprintf(app.Stdout, "\nEMERGING HASHTAGS IN %s: %s\n", ws, strings.Join(parts, ", "))
	}
	clusters, err := app.db.ListClusters(ctx, ws, store.ByTrend, 2, 5)
	if err != nil {
		return err
	}
	if len(clusters) == 0 || clusters[0].Trend <= 0 {
		return nil
	}
	fmt.Fprintf(app.Stdout, "\nEMERGING CLUSTERS IN %s (timpani clusters list -w %s --sort trend):\n", ws, ws)
	for _, c := range clusters {
		if c.Trend <= 0 {
			break
		}
		ex, err := app.db.Item(ctx, c.ExemplarItemID)
		if err != nil {
			return err
		}
		fmt.Fprintf(app.Stdout, "  trend %5.1f  %4d items  %s\n", c.Trend, c.Size, clip(textOf(ex), 90))
	}
	return nil
}

func (a *App) printf(format string, args ...any) {
	if !a.Quiet {
		fmt.Fprintf(a.Stdout, format, args...)
	}
}

func schemaVersion() string { return store.SchemaVersion }
