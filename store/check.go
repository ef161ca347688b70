package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Problem is an invariant of the database or the archive that does not
// hold: which one, how many rows break it, and the first few of them.
type Problem struct {
	Check  string `json:"check"`
	Count  int    `json:"count"`
	Detail string `json:"detail"` // the first offending rows, as keys
}

// CheckOptions tune Check.
type CheckOptions struct {
	// Settled says nothing is running and everything was run to the end
	// (fetch and run both finished): then every item must be completed or
	// failed, no lease may be held, every page must be ingested, and every
	// file in the archive must be a recorded page. Without it Check looks
	// only at what holds at every moment, even while commands run or after
	// they were killed.
	Settled bool
}

// invariant is one check: a query that returns one text row per offending
// record (its key, for the report), so an empty result means it holds.
type invariant struct {
	name    string
	settled bool // only checked with CheckOptions.Settled
	query   string
	// scan, when set instead of query, reports each offending record.
	scan func(ctx context.Context, conn *sqlx.Conn, report func(key string)) error
}

// invariants are the database's consistency rules, each a query or a scan.
var invariants = []invariant{
	// Nothing ingested twice, nothing pointing at nothing. (Two items for
	// one record and field cannot exist: items has a UNIQUE constraint.)
	{name: "pages with more records among their items than they hold", query: `
		SELECT 'page ' || p.id || ': ' || count(DISTINCT i.raw_id) || ' records as items, ' || p.records || ' in the page'
		FROM raw_pages p JOIN items i ON i.page_id = p.id GROUP BY p.id HAVING count(DISTINCT i.raw_id) > p.records`},
	{name: "fetch runs whose counts are not their archived pages", query: `
		SELECT 'run ' || r.id || ': ' || r.pages || ' pages, ' || r.records || ' records; archived ' ||
			count(p.id) || ' pages, ' || coalesce(sum(p.records), 0) || ' records'
		FROM runs r LEFT JOIN raw_pages p ON p.run_id = r.id WHERE r.kind = 'fetch'
		GROUP BY r.id HAVING r.pages != count(p.id) OR r.records != coalesce(sum(p.records), 0)`},
	{name: "items whose page is missing", query: `
		SELECT 'item ' || i.id || ' page ' || i.page_id FROM items i
		WHERE i.page_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM raw_pages p WHERE p.id = i.page_id)`},
	{name: "items whose run is missing", query: `
		SELECT 'item ' || i.id || ' run ' || i.run_id FROM items i
		WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = i.run_id)`},
	{name: "pages whose run is missing", query: `
		SELECT 'page ' || p.id || ' run ' || p.run_id FROM raw_pages p
		WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = p.run_id)`},

	// States and their history.
	{name: "failed items without a reason", query: `
		SELECT 'item ' || id FROM items WHERE state = 'failed' AND last_error = ''`},
	{name: "items whose last event is not their state", query: `
		SELECT 'item ' || i.id || ' in ' || i.state || ', last event to ' || coalesce(e.to_state, '(none)')
		FROM items i LEFT JOIN item_events e ON e.id = (SELECT max(id) FROM item_events WHERE item_id = i.id)
		WHERE e.to_state IS NULL OR e.to_state != i.state`},
	{name: "events that do not start where the item's previous event ended", query: `
		SELECT 'event ' || id || ' of item ' || item_id || ': from ' || quote(from_state) || ' after ' || quote(prev)
		FROM (SELECT id, item_id, from_state, coalesce(lag(to_state) OVER (PARTITION BY item_id ORDER BY id), '') AS prev
			FROM item_events)
		WHERE from_state != prev`},

	// Clusters and their bookkeeping.
	{name: "clusters whose size is not their member count", query: `
		SELECT 'cluster ' || c.id || ': size ' || c.size || ', ' || count(i.id) || ' members'
		FROM clusters c LEFT JOIN items i ON i.cluster_id = c.id GROUP BY c.id HAVING c.size != count(i.id)`},
	{name: "clusters whose unique texts are not their members' distinct texts", query: `
		SELECT 'cluster ' || c.id || ': ' || c.unique_texts || ' unique texts, members have ' || count(DISTINCT i.text_hash)
		FROM clusters c LEFT JOIN items i ON i.cluster_id = c.id GROUP BY c.id
		HAVING c.unique_texts != count(DISTINCT i.text_hash)`},
	{name: "clusters whose daily counts do not add up to their size", query: `
		SELECT 'cluster ' || c.id || ': size ' || c.size || ', days add up to ' || coalesce(sum(d.items), 0)
		FROM clusters c LEFT JOIN cluster_days d ON d.cluster_id = c.id GROUP BY c.id
		HAVING c.size != coalesce(sum(d.items), 0)`},
	{name: "items in a missing or merged cluster", query: `
		SELECT 'item ' || i.id || ' cluster ' || i.cluster_id FROM items i LEFT JOIN clusters c ON c.id = i.cluster_id
		WHERE i.cluster_id IS NOT NULL AND (c.id IS NULL OR c.merged_into IS NOT NULL)`},
	{name: "cluster days of missing clusters", query: `
		SELECT 'cluster ' || d.cluster_id || ' ' || d.day FROM cluster_days d
		WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE c.id = d.cluster_id)`},

	// Running totals against the rows they count. A total left at 0 after
	// its rows were deleted counts as no total.
	// Keyword counts are counted in Go (checkKeywordCounts): grouping the
	// rows in SQL sorts every keyword row, minutes at a million items.
	// Pending counts are added to the folded ones; a count left at 0 after
	// its rows were deleted counts as none.
	{name: "keyword days that are not their keyword rows", scan: checkKeywordCounts(true)},
	{name: "keyword totals that are not their keyword rows", scan: checkKeywordCounts(false)},
	// Every (item, model) with keywords has its postings document, and
	// every document its keyword rows. (FTS5 keeps one docsize row per
	// document of the contentless index.)
	{name: "keyword postings that are not their keyword rows", query: `
		SELECT 'item ' || k.item_id || ' ' || k.model || ': keywords without postings'
		FROM item_keywords k
		LEFT JOIN keyword_models m ON m.workspace = k.workspace AND m.model = k.model
		WHERE m.slot IS NULL OR NOT EXISTS (SELECT 1 FROM keyword_postings_docsize d WHERE d.id = k.item_id << 8 | m.slot)
		UNION ALL
		SELECT 'item ' || (d.id >> 8) || ' slot ' || (d.id & 255) || ': postings without keywords'
		FROM keyword_postings_docsize d WHERE NOT EXISTS (SELECT 1 FROM item_keywords k
			JOIN keyword_models m ON m.workspace = k.workspace AND m.model = k.model
			WHERE k.item_id = d.id >> 8 AND m.slot = d.id & 255)`},
	{name: "item days that are not the items", query: `
		SELECT coalesce(d.workspace, i.workspace) || ' ' || quote(coalesce(d.day, i.day)) || ' ' ||
			coalesce(d.source, i.source) || ' ' || quote(coalesce(d.language, i.language)) || ': ' ||
			coalesce(d.items, 0) || ' counted, ' || coalesce(i.n, 0) || ' items'
		FROM item_days d FULL JOIN (SELECT workspace, coalesce(substr(published_at, 1, 10), '') AS day, source, language,
			count(*) AS n FROM items GROUP BY 1, 2, 3, 4) i
		ON i.workspace = d.workspace AND i.day = d.day AND i.source = d.source AND i.language = d.language
		WHERE coalesce(d.items, 0) != coalesce(i.n, 0)`},
	{name: "item states that are not the items", query: `
		SELECT coalesce(s.workspace, i.workspace) || ' ' || coalesce(s.date_id, i.date_id) || ' ' ||
			coalesce(s.state, i.state) || ': ' || coalesce(s.items, 0) || ' counted, ' || coalesce(i.n, 0) || ' items'
		FROM item_states s FULL JOIN (SELECT workspace, date_id, state, count(*) AS n FROM items GROUP BY 1, 2, 3) i
		ON i.workspace = s.workspace AND i.date_id = s.date_id AND i.state = s.state
		WHERE coalesce(s.items, 0) != coalesce(i.n, 0)`},

	// Rows of items that are gone. Foreign keys delete them, but only on
	// connections that turned them on: sqlite3 does not by default.
	{name: "keywords of missing items", query: `
		SELECT 'item ' || k.item_id || ': ' || k.n || ' keyword lists'
		FROM (SELECT item_id, count(*) AS n FROM item_keywords GROUP BY item_id) k
		WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = k.item_id)`},
	{name: "keyword lists that are not JSON", query: `
		SELECT 'item ' || item_id || ' ' || model || ': ' || substr(keywords, 1, 40)
		FROM item_keywords WHERE NOT json_valid(keywords)`},
	{name: "vectors of missing items", query: `
		SELECT 'item ' || v.item_id || ' ' || v.model FROM vectors v
		WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = v.item_id)`},
	{name: "events of missing items", query: `
		SELECT 'item ' || item_id || ': ' || count(*) || ' events' FROM item_events e
		WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = e.item_id) GROUP BY item_id`},

	// Only once everything ran to the end.
	{name: "items neither completed nor failed", settled: true, query: `
		SELECT 'item ' || id || ' in ' || state FROM items WHERE state NOT IN ('completed', 'failed')`},
	{name: "items still leased", settled: true, query: `
		SELECT 'item ' || id || ' by ' || quote(lease_owner) FROM items WHERE lease_owner != '' OR lease_until IS NOT NULL`},
	{name: "pages not ingested", settled: true, query: `
		SELECT 'page ' || id || ' ' || path FROM raw_pages WHERE ingested_at IS NULL`},
	{name: "fetch runs still running", settled: true, query: `
		SELECT 'run ' || id || ' ' || workspace || '/' || source || '/' || query || ' ' || date_id
		FROM runs WHERE kind = 'fetch' AND status = 'running'`},
}

// The archive's checks, beside the queries.
const (
	checkMissingFile = "pages whose file is missing"
	checkFileSize    = "pages whose file is not the size recorded"
	checkOrphanFile  = "archive files that are not a recorded page"
	checkTempFile    = "archive temporary files left by an interrupted write"
)

// CheckNames lists the checks Check runs with opt, in order: the queries,
// then the archive's (when an archive folder is given).
func CheckNames(opt CheckOptions, archive bool) []string {
	var names []string
	for _, inv := range invariants {
		if !inv.settled || opt.Settled {
			names = append(names, inv.name)
		}
	}
	if archive {
		names = append(names, checkMissingFile, checkFileSize)
		if opt.Settled {
			names = append(names, checkOrphanFile, checkTempFile)
		}
	}
	return names
}

// maxDetail is how many offending rows a Problem names.
const maxDetail = 5

// Check verifies the database's invariants and, when archiveRoot is not
// "", that they agree with the raw archive in that folder. It returns every
// problem found, sorted by check; none means all hold.
//
// The queries read one snapshot, so they can run while other processes
// write. The archive is looked at after it: a recorded page must have its
// file (files are written before their rows and never removed), but a file
// without a row is normal until a killed fetch is resumed, so orphan files
// are only looked for when settled. raw.Archive writes each page to a
// ".tmp-*" file first and does not sweep those a kill leaves behind, so a
// settled archive that holds one is reported: it is garbage, never data.
func (db *DB) Check(ctx context.Context, archiveRoot string, opt CheckOptions) ([]Problem, error) {
	problems, pages, err := db.checkRows(ctx, opt)
	if err != nil {
		return nil, err
	}
	if archiveRoot != "" {
		more, err := checkArchive(archiveRoot, pages, opt)
		if err != nil {
			return nil, err
		}
		problems = append(problems, more...)
	}
	slices.SortFunc(problems, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.Check, b.Check), strings.Compare(a.Detail, b.Detail))
	})
	return problems, nil
}

// recordedPage is what the archive check needs of a raw_pages row.
type recordedPage struct {
	ID    int64  `db:"id"`
	Path  string `db:"path"`
	Bytes int64  `db:"bytes"`
}

// checkRows runs every query in one read snapshot and returns their
// problems and the recorded pages. A read transaction of database/sql would
// take the write lock (_txlock=immediate), so it opens a deferred one on a
// connection of its own: in WAL mode it blocks no writer.
func (db *DB) checkRows(ctx context.Context, opt CheckOptions) ([]Problem, []recordedPage, error) {
	conn, err := db.x.Connx(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("check: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN DEFERRED`); err != nil {
		return nil, nil, fmt.Errorf("check: begin: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
	var problems []Problem
	for _, inv := range invariants {
		if inv.settled && !opt.Settled {
			continue
		}
		p, err := runInvariant(ctx, conn, inv)
		if err != nil {
			return nil, nil, err
		}
		if p.Count > 0 {
			problems = append(problems, p)
		}
	}
	var pages []recordedPage
	if err := conn.SelectContext(ctx, &pages, `SELECT id, path, bytes FROM raw_pages ORDER BY id`); err != nil {
		return nil, nil, fmt.Errorf("check: pages: %w", err)
	}
	return problems, pages, nil
}

// runInvariant counts the records inv reports and keeps the first few.
func runInvariant(ctx context.Context, conn *sqlx.Conn, inv invariant) (Problem, error) {
	p := Problem{Check: inv.name}
	var keys []string
	report := func(key string) {
		p.Count++
		if len(keys) < maxDetail {
			keys = append(keys, key)
		}
	}
	var err error
	if inv.scan != nil {
		err = inv.scan(ctx, conn, report)
	} else {
		err = reportRows(ctx, conn, inv.query, report)
	}
	if err != nil {
		return p, fmt.Errorf("check %s: %w", inv.name, err)
	}
	p.Detail = detail(keys, p.Count)
	return p, nil
}

// reportRows reports every row of a query of one text column.
func reportRows(ctx context.Context, conn *sqlx.Conn, query string, report func(string)) error {
	return scanRows(ctx, conn, query, func(cols []sql.RawBytes) { report(string(cols[0])) })
}

// keywordCountsPerPass bounds the keyword counts checkKeywordCounts holds
// at once: about 100 bytes each.
var keywordCountsPerPass = 1_000_000

// checkKeywordCounts compares the keyword counts, per day or all-time,
// folded and pending, with the keyword rows: it counts the lists' keywords
// per (workspace, model, keyword[, day]) in a map while scanning the lists
// in their stored order, seconds at a million items. When there are more than
// keywordCountsPerPass counts, the keys are split by hash over several
// passes, so memory stays bounded.
func checkKeywordCounts(perDay bool) func(ctx context.Context, conn *sqlx.Conn, report func(string)) error {
	width := 3
	// The lists, read and spread here: through the keywords view SQLite
	// took a third longer than the whole check had.
	listsQuery := `SELECT workspace, model, keywords, item_id FROM item_keywords`
	countsQuery := `SELECT workspace, model, keyword, items FROM keyword_totals
		UNION ALL SELECT workspace, model, keyword, items FROM keyword_counts_pending`
	sizeQuery := `SELECT (SELECT count(*) FROM keyword_totals) + (SELECT count(*) FROM keyword_counts_pending)`
	if perDay {
		width = 4
		listsQuery = `SELECT workspace, model, keywords, item_id, substr(published_at, 1, 10)
			FROM item_keywords WHERE published_at IS NOT NULL`
		countsQuery = `SELECT workspace, model, keyword, day, items FROM keyword_days
			UNION ALL SELECT workspace, model, keyword, day, items FROM keyword_counts_pending WHERE day != ''`
		sizeQuery = `SELECT (SELECT count(*) FROM keyword_days) + (SELECT count(*) FROM keyword_counts_pending)`
	}
	return func(ctx context.Context, conn *sqlx.Conn, report func(string)) error {
		var size int
		if err := conn.GetContext(ctx, &size, sizeQuery); err != nil {
			return err
		}
		passes := uint64(1 + size/keywordCountsPerPass)
		for pass := range passes {
			inPass := func(key []byte) bool { return passes == 1 || hashKey(key)%passes == pass }
			type tally struct{ rows, counted int }
			tallies := map[string]*tally{}
			var key []byte
			add := func(cols []sql.RawBytes, rows, counted int) {
				key = joinKey(key[:0], cols[:width])
				if !inPass(key) {
					return
				}
				t := tallies[string(key)]
				if t == nil {
					t = &tally{}
					tallies[string(key)] = t
				}
				t.rows += rows
				t.counted += counted
			}
			row := make([]sql.RawBytes, width) // workspace, model, keyword[, day]
			err := scanRows(ctx, conn, listsQuery, func(cols []sql.RawBytes) {
				kws, err := decodeKeywordList(string(cols[2]))
				if err != nil {
					if pass == 0 {
						report(fmt.Sprintf("item %s %s: %v", cols[3], cols[1], err))
					}
					return
				}
				row[0], row[1] = cols[0], cols[1]
				if perDay {
					row[3] = cols[4]
				}
				for _, k := range kws {
					row[2] = sql.RawBytes(k.Text)
					add(row, 1, 0)
				}
			})
			if err != nil {
				return err
			}
			err = scanRows(ctx, conn, countsQuery, func(cols []sql.RawBytes) {
				n, _ := strconv.Atoi(string(cols[width]))
				add(cols, 0, n)
			})
			if err != nil {
				return err
			}
			for _, k := range slices.Sorted(maps.Keys(tallies)) {
				if t := tallies[k]; t.rows != t.counted {
					report(fmt.Sprintf("%s: %d counted, %d rows", keyName([]byte(k)), t.counted, t.rows))
				}
			}
		}
		return nil
	}
}

// scanRows calls each with the columns of every row of query; they are
// valid only during the call.
func scanRows(ctx context.Context, conn *sqlx.Conn, query string, each func(cols []sql.RawBytes)) error {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return err
	}
	cols := make([]sql.RawBytes, len(names))
	dest := make([]any, len(names))
	for i := range cols {
		dest[i] = &cols[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		each(cols)
	}
	return rows.Err()
}

// joinKey appends cols to key separated by NUL, which no column holds.
func joinKey(key []byte, cols []sql.RawBytes) []byte {
	for i, c := range cols {
		if i > 0 {
			key = append(key, 0)
		}
		key = append(key, c...)
	}
	return key
}

// keyName is a joined key as the reports name it: workspace/model/keyword,
// then the day if it has one.
func keyName(key []byte) string {
	parts := strings.SplitN(string(key), "\x00", 4)
	name := strings.Join(parts[:min(3, len(parts))], "/")
	if len(parts) == 4 {
		name += " " + parts[3]
	}
	return name
}

func hashKey(key []byte) uint64 {
	h := fnv.New64a()
	h.Write(key)
	return h.Sum64()
}

func detail(keys []string, count int) string {
	d := strings.Join(keys, "; ")
	if count > len(keys) {
		d += fmt.Sprintf("; and %d more", count-len(keys))
	}
	return d
}

// checkArchive compares the recorded pages with the files under root.
func checkArchive(root string, pages []recordedPage, opt CheckOptions) ([]Problem, error) {
	var missing, wrongSize []string
	nMissing, nWrongSize := 0, 0
	recorded := make(map[string]bool, len(pages))
	for _, p := range pages {
		recorded[p.Path] = true
		fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(p.Path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			nMissing++
			if len(missing) < maxDetail {
				missing = append(missing, fmt.Sprintf("page %d %s", p.ID, p.Path))
			}
		case err != nil:
			return nil, fmt.Errorf("check archive: %w", err)
		case fi.Size() != p.Bytes:
			nWrongSize++
			if len(wrongSize) < maxDetail {
				wrongSize = append(wrongSize, fmt.Sprintf("page %d %s: %d bytes, recorded %d", p.ID, p.Path, fi.Size(), p.Bytes))
			}
		}
	}
	var problems []Problem
	if nMissing > 0 {
		problems = append(problems, Problem{Check: checkMissingFile, Count: nMissing, Detail: detail(missing, nMissing)})
	}
	if nWrongSize > 0 {
		problems = append(problems, Problem{Check: checkFileSize, Count: nWrongSize, Detail: detail(wrongSize, nWrongSize)})
	}
	if !opt.Settled {
		return problems, nil
	}
	var orphans, temps []string
	nOrphans, nTemps := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == root {
			return fs.SkipAll // no archive yet: no files
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasPrefix(d.Name(), ".tmp-"):
			nTemps++
			if len(temps) < maxDetail {
				temps = append(temps, rel)
			}
		case !recorded[rel]:
			nOrphans++
			if len(orphans) < maxDetail {
				orphans = append(orphans, rel)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check archive: %w", err)
	}
	if nOrphans > 0 {
		problems = append(problems, Problem{Check: checkOrphanFile, Count: nOrphans, Detail: detail(orphans, nOrphans)})
	}
	if nTemps > 0 {
		problems = append(problems, Problem{Check: checkTempFile, Count: nTemps, Detail: detail(temps, nTemps)})
	}
	return problems, nil
}
