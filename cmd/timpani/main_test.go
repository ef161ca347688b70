package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
)

// binary is the timpani command built once for the tests that need a real
// process (to kill it, or to run two at once).
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "timpani-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "timpani")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// mustRun runs timpani in-process with args in the current folder and
// returns its stdout; a non-zero exit fails the test.
func mustRun(tb testing.TB, args ...string) string {
	tb.Helper()
	out, errOut, code := runCLI(tb, args...)
	if code != 0 {
		tb.Fatalf("timpani %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func runCLI(tb testing.TB, args ...string) (stdout, stderr string, code int) {
	tb.Helper()
	var o, e bytes.Buffer
	code = runMain(tb.Context(), args, &o, &e)
	return o.String(), e.String(), code
}

func openData(tb testing.TB, dir string) *store.DB {
	tb.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		tb.Fatal(err)
	}
	db, err := store.Open(tb.Context(), filepath.Join(dir, "data", "timpani.db"), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func count(tb testing.TB, db *store.DB, ws string) (items, events int, states map[store.State]int) {
	tb.Helper()
	counts, err := db.StateCounts(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	states = map[store.State]int{}
	for _, c := range counts {
		if c.Workspace == ws {
			states[c.State] += c.Items
			items += c.Items
		}
	}
	edges, err := db.EdgeCounts(tb.Context(), ws)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range edges {
		if e.Times != e.Items {
			tb.Errorf("edge %s->%s taken %d times by %d items: an item was processed twice", e.From, e.To, e.Times, e.Items)
		}
		events += e.Times
	}
	return items, events, states
}

func TestFetchRunStatusInAnEmptyFolder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	out := mustRun(t, "fetch")
	if !strings.Contains(out, "demo/generator/posts") || !strings.Contains(out, "records in") {
		t.Errorf("fetch printed %q", out)
	}
	mustRun(t, "run")
	var rep statusReport
	if err := json.Unmarshal([]byte(mustRun(t, "status", "--json")), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Workspaces) != 1 || rep.Workspaces[0].Total == 0 || rep.Workspaces[0].States["completed"] != rep.Workspaces[0].Total {
		t.Fatalf("status = %+v; want every demo item completed", rep.Workspaces)
	}
	db := openData(t, dir)
	items, events, _ := count(t, db, "demo")
	top, err := db.TopKeywords(t.Context(), "demo", "hashtags", 5)
	if err != nil || len(top) == 0 {
		t.Fatalf("hashtags = %v, %v; want some stored", top, err)
	}
	if !strings.Contains(mustRun(t, "status"), "completed=") {
		t.Error("status does not show the state counts")
	}

	// Running both again adds nothing.
	out = mustRun(t, "fetch")
	if !strings.Contains(out, "already fetched") {
		t.Errorf("second fetch printed %q; want it to say the window was fetched", out)
	}
	mustRun(t, "run")
	items2, events2, _ := count(t, db, "demo")
	if items2 != items || events2 != events {
		t.Errorf("after a second fetch && run: %d items, %d events; want %d, %d", items2, events2, items, events)
	}
}

func TestCommandsGiveClearErrors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("timpani.toml", []byte("[engine]\nworkers = -1\n"), 0o644)
	_, errOut, code := runCLI(t, "status")
	if code != 1 || !strings.Contains(errOut, "timpani.toml") || !strings.Contains(errOut, "engine.workers") {
		t.Errorf("bad config: exit %d, stderr %q; want 1 and the file and key named", code, errOut)
	}
	os.Remove("timpani.toml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"fetch", "--date", "2024-01-01"}, "want YYYYMMDD"},
		{[]string{"fetch", "--from", "20240105", "--to", "20240101"}, "before --from"},
		{[]string{"fetch", "--workspace", "nope"}, `no workspace "nope"`},
		{[]string{"fetch", "--publish-end", "20240101"}, "--publish-end needs --publish-start"},
		{[]string{"fetch", "--from", "20240101", "--to", "20240103", "--publish-start", "20240101"}, "cannot be combined"},
		{[]string{"fetch", "--publish-start", "20240105", "--publish-end", "20240101"}, "before --publish-start"},
		{[]string{"fetch", "--query", "nope"}, "no configured query matches"},
		{[]string{"workflow", "show", "nope"}, `no workflow "nope"`},
		{[]string{"--config", "missing.toml", "status"}, "missing.toml"},
	} {
		_, errOut, code := runCLI(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 3 {
			t.Errorf("timpani %v: exit %d, stderr %q; want a short error saying %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestInitWorkflowShowAndVersion(t *testing.T) {
	t.Chdir(t.TempDir())
	mustRun(t, "init")
	if _, errOut, code := runCLI(t, "init"); code == 0 || !strings.Contains(errOut, "--force") {
		t.Errorf("second init: exit %d, %q; want a refusal that mentions --force", code, errOut)
	}
	if _, err := LoadConfig("timpani.toml"); err != nil {
		t.Errorf("the starter file does not load: %v", err)
	}
	out := mustRun(t, "workflow", "show")
	for _, want := range []string{"stateDiagram-v2", "ready --> normalized: normalize", "normalized --> language_identified: language",
		"language_identified --> keyworded: keywords", "keyworded --> hashtagged: hashtags", "hashtagged --> vectorized: embed",
		"clustered --> completed", "failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("workflow show lacks %q:\n%s", want, out)
		}
	}
	if out := mustRun(t, "version"); !strings.HasPrefix(out, "timpani ") || !strings.Contains(out, store.SchemaVersion) {
		t.Errorf("version = %q", out)
	}
	if out := mustRun(t, "--help"); !strings.Contains(out, "fetch") || !strings.Contains(out, "retry") {
		t.Errorf("--help = %q", out)
	}
}

// bigConfig is a workspace large enough that a run takes a few seconds.
const bigConfig = `
[workspaces.big]
workflow = "demo"
[workspaces.big.sources.gen]
kind = "faker"
queries = { a = "x", b = "y" }
options = { seed = 3, items_per_day = 1500, page_size = 200 }
`

// proc is a timpani process started by a test.
type proc struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	exited chan struct{}
	err    error
}

func startBinary(tb testing.TB, dir string, args ...string) *proc {
	tb.Helper()
	p := &proc{cmd: exec.Command(binary, append([]string{"--quiet"}, args...)...), exited: make(chan struct{})}
	p.cmd.Dir = dir
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	tb.Cleanup(func() { p.kill() })
	return p
}

// kill sends SIGKILL, the signal no program can clean up after, and waits.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

func (p *proc) wait() error {
	<-p.exited
	if p.err != nil {
		return fmt.Errorf("%w: %s", p.err, p.stderr.String())
	}
	return nil
}

// waitFor polls cond until it holds or the process exits; it reports whether
// cond held while the process was still running.
func waitFor(tb testing.TB, p *proc, cond func() bool) bool {
	tb.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.exited:
			return false
		case <-tick.C:
			if cond() {
				return true
			}
		}
	}
}

func TestKilledFetchAndRunFinishExactlyOnce(t *testing.T) {
	t.Parallel() // a real process in its own folder: overlaps the other slow tests
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "timpani.toml"), []byte(bigConfig), 0o644)
	db := openData(t, dir)
	// The checks read the file directly, as a researcher's sqlite3 would.
	sqldb, err := sql.Open("sqlite", filepath.Join(dir, "data", "timpani.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	countRows := func(q string) int {
		var n sql.NullInt64
		if err := sqldb.QueryRowContext(t.Context(), q).Scan(&n); err != nil {
			t.Logf("%s: %v", q, err)
			return -1
		}
		return int(n.Int64)
	}

	// Kill fetch once some pages are archived.
	fetch := startBinary(t, dir, "fetch", "--from", "20240301", "--to", "20240303")
	killed := waitFor(t, fetch, func() bool { return countRows(`SELECT count(*) FROM raw_pages`) >= 5 })
	if killed {
		fetch.kill()
	}
	t.Logf("fetch killed mid-way: %v, pages then: %d", killed, countRows(`SELECT count(*) FROM raw_pages`))
	mustRunIn(t, dir, "fetch", "--from", "20240301", "--to", "20240303")
	records := countRows(`SELECT sum(records) FROM raw_pages`)
	reported := countRows(`SELECT sum(reported_total) FROM runs WHERE kind = 'fetch' AND status = 'completed'`)
	if records <= 0 || records != reported {
		t.Fatalf("archived %d records; the source reported %d", records, reported)
	}
	if dup := countRows(`SELECT count(*) FROM (SELECT run_id, page FROM raw_pages GROUP BY 1, 2 HAVING count(*) > 1)`); dup != 0 {
		t.Fatalf("%d pages archived twice", dup)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "data", "raw", "*", "*", "*", "*", "*.jsonl.gz"))
	if len(files) != countRows(`SELECT count(*) FROM raw_pages`) {
		t.Errorf("%d page files for %d recorded pages", len(files), countRows(`SELECT count(*) FROM raw_pages`))
	}

	// Kill run mid-batch, twice, then let it finish.
	for round := range 2 {
		run := startBinary(t, dir, "run")
		done := countRows(`SELECT count(*) FROM items WHERE state = 'completed'`)
		killed := waitFor(t, run, func() bool {
			return countRows(`SELECT count(*) FROM items WHERE state = 'completed'`) > done+500
		})
		if killed {
			run.kill()
		}
		t.Logf("round %d: run killed: %v; leased items left behind: %d", round, killed,
			countRows(`SELECT count(*) FROM items WHERE lease_owner != ''`))
	}
	mustRunIn(t, dir, "run")
	items, _, states := count(t, db, "big")
	if items != records || states[store.Completed] != items {
		t.Fatalf("items %d (states %v); want all %d records completed", items, states, records)
	}
	edges, _ := db.EdgeCounts(t.Context(), "big")
	for _, e := range edges {
		if e.Times != items {
			t.Errorf("edge %s->%s logged %d times; want exactly %d", e.From, e.To, e.Times, items)
		}
	}
	checkClusters(t, dir, items)
}

func TestTwoRunProcessesAtOnceNeverProcessAnItemTwice(t *testing.T) {
	t.Parallel() // a real process in its own folder: overlaps the other slow tests
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "timpani.toml"), []byte(bigConfig), 0o644)
	mustRunIn(t, dir, "fetch", "--date", "20240301")
	mustRunIn(t, dir, "ingest")
	a := startBinary(t, dir, "run")
	b := startBinary(t, dir, "run")
	for _, p := range []*proc{a, b} {
		if err := p.wait(); err != nil {
			t.Fatalf("run: %v", err)
		}
	}
	db := openData(t, dir)
	items, _, states := count(t, db, "big")
	if states[store.Completed] != items || items == 0 {
		t.Fatalf("states %v; want all %d completed", states, items)
	}
	runs, _ := db.Runs(t.Context(), store.RunFilter{Kind: store.RunWorkflow})
	total := 0
	for _, r := range runs {
		total += r.Items
	}
	t.Logf("two runs made %d transitions between them (%v)", total, runs)
	// demo has 6 steps: 7 transitions an item, from ready to completed.
	if total != 7*items {
		t.Errorf("the runs recorded %d transitions; want %d (7 per item, none twice)", total, 7*items)
	}
	checkClusters(t, dir, items)
}

// checkClusters checks, straight from the file, that each of the items was
// clustered exactly once: every item has a cluster, every cluster's size
// and daily counts add up to its members, no add was counted twice (when
// items is not -1: nothing was merged or expired), and identical texts
// share one cluster.
func checkClusters(t *testing.T, dir string, items int) {
	t.Helper()
	checkSQL(t, dir, []sqlCheck{
		{"items without a cluster", `SELECT count(*) FROM items WHERE cluster_id IS NULL`, 0},
		{"clusters whose size is not their member count", `SELECT count(*) FROM clusters c
			WHERE size != (SELECT count(*) FROM items i WHERE i.cluster_id = c.id)`, 0},
		{"clusters whose daily counts do not add up", `SELECT count(*) FROM clusters c
			WHERE size != (SELECT coalesce(sum(items), 0) FROM cluster_days d WHERE d.cluster_id = c.id)`, 0},
		{"adds counted, all time", `SELECT sum(added_total) FROM clusters`, items},
		{"texts split across clusters", `SELECT count(*) FROM (SELECT text_hash FROM items
			GROUP BY workspace, text_hash HAVING count(DISTINCT cluster_id) > 1)`, 0},
	})
}

// sqlCheck is a count the database in a test folder must hold; want -1
// accepts any.
type sqlCheck struct {
	what  string
	query string
	want  int
}

// checkSQL runs each check's query on dir's database.
func checkSQL(t *testing.T, dir string, checks []sqlCheck) {
	t.Helper()
	sqldb, err := sql.Open("sqlite", filepath.Join(dir, "data", "timpani.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	for _, c := range checks {
		var n sql.NullInt64
		if err := sqldb.QueryRowContext(t.Context(), c.query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if c.want != -1 && int(n.Int64) != c.want { // -1: any count
			t.Errorf("%s: %d; want %d", c.what, n.Int64, c.want)
		}
	}
}

func mustRunIn(tb testing.TB, dir string, args ...string) {
	tb.Helper()
	cmd := exec.Command(binary, append([]string{"--quiet"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("timpani %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// --cpuprofile writes a profile go tool pprof reads (gzipped protobuf).
func TestCPUProfileFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	profile := filepath.Join(dir, "cpu.prof")
	mustRunIn(t, dir, "--cpuprofile", profile, "fetch", "--date", "20240301")
	data, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		t.Errorf("profile of %d bytes starting %x; want a gzipped pprof profile", len(data), data[:min(len(data), 2)])
	}
}
