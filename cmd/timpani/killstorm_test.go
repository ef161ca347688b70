package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
)

// stormConfig is a workspace whose fetch takes a moment and whose run a few
// seconds: long enough for kills to land anywhere in either.
const stormConfig = `
[workspaces.storm]
workflow = "demo"
[workspaces.storm.sources.gen]
kind = "faker"
queries = { posts = "x", news = "y" }
options = { seed = 5, items_per_day = 400, page_size = 50 }
`

var stormFetch = []string{"fetch", "--from", "20240301", "--to", "20240302"}

// TestKillStorm starts fetch and run, alone or together, and SIGKILLs them
// after random delays, again and again; then lets both finish and checks
// that the folder holds exactly what a run without kills produces, and that
// `timpani check --settled` finds nothing wrong. TIMPANI_KILLSTORM=<kills>
// sets how many kills (default 12), TIMPANI_KILLSTORM_SEED replays a storm.
func TestKillStorm(t *testing.T) {
	t.Parallel() // real processes in their own folders: overlaps the other slow tests
	kills := 12
	if v := os.Getenv("TIMPANI_KILLSTORM"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("TIMPANI_KILLSTORM=%q: want a number of kills", v)
		}
		kills = n
	}
	seed := rand.Uint64()
	if v := os.Getenv("TIMPANI_KILLSTORM_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("TIMPANI_KILLSTORM_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("kill storm: %d kills, seed %d (replay with TIMPANI_KILLSTORM_SEED=%d)", kills, seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	clean := t.TempDir()
	os.WriteFile(filepath.Join(clean, "timpani.toml"), []byte(stormConfig), 0o644)
	mustRunIn(t, clean, stormFetch...)
	mustRunIn(t, clean, "run")

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "timpani.toml"), []byte(stormConfig), 0o644)
	killed, finished := 0, 0
	for round := 0; killed < kills; round++ {
		var procs []*proc
		var names []string
		switch rng.IntN(3) {
		case 0:
			procs, names = append(procs, startBinary(t, dir, stormFetch...)), append(names, "fetch")
		case 1:
			procs, names = append(procs, startBinary(t, dir, "run")), append(names, "run")
		default:
			procs = append(procs, startBinary(t, dir, stormFetch...), startBinary(t, dir, "run"))
			names = append(names, "fetch", "run")
		}
		for i, p := range procs {
			delay := 20*time.Millisecond + time.Duration(rng.Int64N(int64(1480*time.Millisecond)))
			if afterOrExit(p, delay) {
				p.kill()
				killed++
				t.Logf("round %d: killed %s after %v", round, names[i], delay)
				continue
			}
			finished++
			if err := p.wait(); err != nil {
				t.Errorf("round %d: %s exited on its own with an error: %v", round, names[i], err)
			}
		}
	}
	mustRunIn(t, dir, stormFetch...)
	mustRunIn(t, dir, "run")
	t.Logf("survived %d kills (%d processes finished on their own before theirs)", killed, finished)

	cmd := exec.Command(binary, "check", "--settled", "--json")
	cmd.Dir = dir
	out, err := cmd.Output()
	var rep checkReport
	if jerr := json.Unmarshal(out, &rep); jerr != nil || rep.Checks == 0 {
		t.Fatalf("timpani check --settled --json: %v, %v\n%s", err, jerr, out)
	}
	for _, p := range rep.Problems {
		t.Errorf("timpani check --settled: %s: %d: %s", p.Check, p.Count, p.Detail)
	}
	got, want := stormSummary(t, dir), stormSummary(t, clean)
	if got.records != want.records || got.items != want.items || got.items == 0 {
		t.Fatalf("after the storm: %d records archived, %d items; a clean run: %d and %d",
			got.records, got.items, want.records, want.items)
	}
	db := openData(t, dir)
	items, _, states := count(t, db, "storm") // fails if any edge was taken twice
	if states[store.Completed]+states[store.Failed] != items {
		t.Errorf("states %v; want every item completed or failed", states)
	}
	if !slices.Equal(got.sizes, want.sizes) {
		t.Errorf("cluster sizes after the storm (%d clusters) differ from a clean run's (%d clusters)",
			len(got.sizes), len(want.sizes))
	}
	if !slices.Equal(got.partition, want.partition) {
		t.Errorf("the storm's clusters group items differently from a clean run's")
	}
}

// afterOrExit waits d, or until p exits; it reports whether p is still
// running.
func afterOrExit(p *proc, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-p.exited:
		return false
	case <-timer.C:
		return true
	}
}

// stormOutcome is what a storm must leave exactly as a clean run does.
type stormOutcome struct {
	records, items int
	sizes          []int    // cluster sizes, sorted
	partition      []string // each cluster's members by raw id and field, sorted
}

func stormSummary(t *testing.T, dir string) stormOutcome {
	t.Helper()
	x, err := sql.Open("sqlite", filepath.Join(dir, "data", "timpani.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var o stormOutcome
	if err := x.QueryRowContext(t.Context(), `SELECT coalesce(sum(records), 0) FROM raw_pages`).Scan(&o.records); err != nil {
		t.Fatal(err)
	}
	rows, err := x.QueryContext(t.Context(), `SELECT coalesce(cluster_id, 0), raw_id || '/' || source_field FROM items`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	members := map[int64][]string{}
	for rows.Next() {
		var cluster int64
		var key string
		if err := rows.Scan(&cluster, &key); err != nil {
			t.Fatal(err)
		}
		o.items++
		if cluster != 0 {
			members[cluster] = append(members[cluster], key)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		slices.Sort(m)
		o.sizes = append(o.sizes, len(m))
		o.partition = append(o.partition, fmt.Sprintf("%d:%s", len(m), strings.Join(m, ",")))
	}
	slices.Sort(o.sizes)
	slices.Sort(o.partition)
	return o
}
