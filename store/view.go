package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file holds the viewer's and the exports' reads: filtered, sorted,
// paged lists whose counts are bounded, so a page on a million items stays
// an indexed read.

// ItemFilter selects items; zero fields match everything but the workspace.
type ItemFilter struct {
	Workspace    string
	Search       string // what the user typed: words, "phrases", prefix*, OR, NOT
	Source       string
	Query        string
	Language     string
	State        State
	Keyword      string
	KeywordModel string // with Keyword; "" means any model
	ClusterID    int64
	From, To     time.Time // published time, To exclusive

	matches *matchSet // the search and keyword resolved, by ResolveMatches
}

// ItemOrder is how item lists sort.
type ItemOrder string

// The orders item lists know.
const (
	NewestFirst ItemOrder = "newest"
	OldestFirst ItemOrder = "oldest"
)

func (o ItemOrder) sql() (string, error) {
	switch o {
	case NewestFirst, "":
		return "i.published_at DESC, i.id DESC", nil
	case OldestFirst:
		return "i.published_at, i.id", nil
	}
	return "", fmt.Errorf("unknown item order %q (newest, oldest): %w", o, ErrInvalid)
}

// clause collects the conditions of a query and their arguments.
type clause struct {
	conds []string
	args  []any
	// fromSet says a condition names a bounded set of rows the query
	// should start from, rather than walk an index in its order.
	fromSet bool
}

func (c *clause) add(cond string, args ...any) {
	c.conds = append(c.conds, cond)
	c.args = append(c.args, args...)
}

func (c *clause) where() string {
	if len(c.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.conds, " AND ")
}

// MatchCap bounds the matches of a search or keyword filter that lists,
// counts and timelines look at: the latest-ingested ones. A common word in
// a million posts would otherwise make every page read all its matches.
const MatchCap = 10000

// matchSet is the items a search or keyword filter matched, resolved once
// so that a page's list, count and timeline share it.
type matchSet struct {
	ids       string // a JSON array of item ids, for json_each
	n         int
	capped    bool   // there were more than MatchCap
	published []Time // of each match: counts and timelines of a bare search need no more reads
}

type match struct {
	ID        int64 `db:"id"`
	Published Time  `db:"published_at"`
}

// only says whether f filters by nothing but its matches (and workspace).
func (f ItemFilter) only() bool {
	return f.matches != nil && f.Source == "" && f.Query == "" && f.Language == "" && f.State == "" &&
		f.ClusterID == 0 && f.From.IsZero() && f.To.IsZero()
}

// ResolveMatches runs f's search and keyword filters once, keeping the
// latest MatchCap matching items of the workspace; the returned filter
// carries them to ListItems, CountItems and ItemTimeline. A filter
// without search or keyword comes back as it was.
func (db *DB) ResolveMatches(ctx context.Context, f ItemFilter) (ItemFilter, error) {
	if f.Search == "" && f.Keyword == "" || f.matches != nil {
		return f, nil
	}
	models, err := db.keywordModels(ctx, f)
	if err != nil {
		return f, err
	}
	var rows []match
	if f.Search != "" {
		q, err := SearchQuery(f.Search)
		if err != nil {
			return f, fmt.Errorf("search %q: %w: %w", f.Search, err, ErrInvalid)
		}
		// The index walks its matches newest first and stops at the cap;
		// CROSS JOIN keeps it the outer loop.
		query := `SELECT s.rowid AS id, i.published_at FROM item_search s CROSS JOIN items i ON i.id = s.rowid
			WHERE s.item_search MATCH ? AND i.workspace = ?`
		args := []any{q, f.Workspace}
		if f.Keyword != "" {
			query += ` AND EXISTS (SELECT 1 FROM item_keywords k WHERE k.item_id = s.rowid AND ` + keywordIn + `
				AND k.model IN (` + placeholders(len(models)) + `))`
			args = append(args, keywordStart(f.Keyword))
			for _, m := range models {
				args = append(args, m)
			}
		}
		err = db.x.SelectContext(ctx, &rows, query+` ORDER BY s.rowid DESC LIMIT ?`, append(args, MatchCap+1)...)
		if err != nil {
			return f, fmt.Errorf("search %q in %s: %w", f.Search, f.Workspace, err)
		}
	} else {
		if rows, err = db.keywordItems(ctx, f.Workspace, models, f.Keyword); err != nil {
			return f, err
		}
	}
	m := &matchSet{capped: len(rows) > MatchCap}
	rows = rows[:min(len(rows), MatchCap)]
	ids := make([]int64, len(rows))
	m.published = make([]Time, len(rows))
	for i, r := range rows {
		ids[i], m.published[i] = r.ID, r.Published
	}
	b, _ := json.Marshal(ids)
	m.ids, m.n = string(b), len(ids)
	f.matches = m
	return f, nil
}

// keywordItems returns the latest MatchCap+1 items carrying keyword under
// any of models, newest first: the keyword's postings, newest first, each
// confirmed against its keyword row (which also gives the published time),
// one model at a time, merged here.
func (db *DB) keywordItems(ctx context.Context, workspace string, models []string, keyword string) ([]match, error) {
	var rows []match
	for _, m := range models {
		slot, ok, err := db.keywordSlot(ctx, workspace, m)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // the model attached no keywords here
		}
		var part []match // Select replaces a slice's contents, it does not append
		err = db.x.SelectContext(ctx, &part, `SELECT k.item_id AS id, k.published_at FROM keyword_postings p
			CROSS JOIN item_keywords k ON k.item_id = p.rowid >> 8 AND k.model = ? AND `+keywordIn+`
			WHERE keyword_postings MATCH ? AND p.rowid & 255 = ? ORDER BY p.rowid DESC LIMIT ?`,
			m, keywordStart(keyword), postingsQuery(workspace, keyword), slot, MatchCap+1)
		if err != nil {
			return nil, fmt.Errorf("keyword %q in %s: %w", keyword, workspace, err)
		}
		rows = append(rows, part...)
	}
	if len(models) > 1 {
		slices.SortFunc(rows, func(a, b match) int { return cmp.Compare(b.ID, a.ID) })
		rows = slices.CompactFunc(rows, func(a, b match) bool { return a.ID == b.ID })
	}
	return rows, nil
}

// postingsQuery is the keyword_postings MATCH expression for keyword.
func postingsQuery(workspace, keyword string) string {
	return `"` + keywordToken(workspace, keyword) + `"`
}

// keywordSlot returns the slot of model among workspace's keyword models,
// and false when it attached no keywords there.
func (db *DB) keywordSlot(ctx context.Context, workspace, model string) (int, bool, error) {
	var slots []int
	err := db.x.SelectContext(ctx, &slots, `SELECT slot FROM keyword_models WHERE workspace = ? AND model = ?`,
		workspace, model)
	if err != nil {
		return 0, false, fmt.Errorf("keyword model %s of %s: %w", model, workspace, err)
	}
	if len(slots) == 0 {
		return 0, false, nil
	}
	return slots[0], true, nil
}

// keywordModels is the model of f's keyword filter, or every model of the
// workspace when it names none.
func (db *DB) keywordModels(ctx context.Context, f ItemFilter) ([]string, error) {
	if f.Keyword == "" {
		return nil, nil
	}
	if f.KeywordModel != "" {
		return []string{f.KeywordModel}, nil
	}
	models, err := db.KeywordModels(ctx, f.Workspace)
	if err != nil || len(models) > 0 {
		return models, err
	}
	return []string{""}, nil
}

// matchClause is the search and keyword part of f, unbounded.
func (db *DB) matchClause(ctx context.Context, f ItemFilter) (*clause, error) {
	c := &clause{}
	if f.Search != "" {
		q, err := SearchQuery(f.Search)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w: %w", f.Search, err, ErrInvalid)
		}
		c.add(`i.id IN (SELECT rowid FROM item_search WHERE item_search MATCH ?)`, q)
	}
	if f.Keyword != "" {
		models, err := db.keywordModels(ctx, f)
		if err != nil {
			return nil, err
		}
		args := []any{postingsQuery(f.Workspace, f.Keyword), keywordStart(f.Keyword)}
		for _, m := range models {
			args = append(args, m)
		}
		c.add(`i.id IN (SELECT rowid >> 8 FROM keyword_postings WHERE keyword_postings MATCH ?)
			AND EXISTS (SELECT 1 FROM item_keywords k WHERE k.item_id = i.id AND `+keywordIn+` AND k.model IN (`+
			placeholders(len(models))+`))`, args...)
	}
	return c, nil
}

// itemClause turns f into SQL. With capped matches (see ResolveMatches; a
// page's reads resolve them if the caller did not), it selects among the
// latest MatchCap and says whether there were more; uncapped (exports),
// among all.
func (db *DB) itemClause(ctx context.Context, f ItemFilter, capMatches bool) (c *clause, capped bool, err error) {
	if capMatches {
		if f, err = db.ResolveMatches(ctx, f); err != nil {
			return nil, false, err
		}
	}
	c = &clause{}
	// A unary + keeps SQLite from using an index on the column, steering it
	// to the one that selects least: the matches, or the cluster.
	col := func(name string) string {
		if f.matches != nil || f.ClusterID != 0 && name != "cluster_id" {
			return "+i." + name
		}
		return "i." + name
	}
	c.add(col("workspace")+" = ?", f.Workspace)
	if f.ClusterID != 0 {
		c.add("i.cluster_id = ?", f.ClusterID)
	}
	if f.matches != nil {
		c.add("i.id IN (SELECT value FROM json_each(?))", f.matches.ids)
		capped = f.matches.capped
	} else if f.Search != "" || f.Keyword != "" {
		m, err := db.matchClause(ctx, f)
		if err != nil {
			return nil, false, err
		}
		c.conds, c.args = append(c.conds, m.conds...), append(c.args, m.args...)
	}
	for _, eq := range []struct{ col, v string }{
		{"source", f.Source}, {"query", f.Query}, {"language", f.Language}, {"state", string(f.State)},
	} {
		if eq.v != "" {
			c.add(col(eq.col)+" = ?", eq.v)
		}
	}
	if !f.From.IsZero() {
		c.add(col("published_at")+" >= ?", T(f.From))
	}
	if !f.To.IsZero() {
		c.add(col("published_at")+" < ?", T(f.To))
	}
	return c, capped, nil
}

// ListItems returns one page of the items f selects.
func (db *DB) ListItems(ctx context.Context, f ItemFilter, order ItemOrder, limit, offset int) ([]Item, error) {
	f, err := db.ResolveMatches(ctx, f)
	if err != nil {
		return nil, err
	}
	c, _, err := db.itemClause(ctx, f, true)
	if err != nil {
		return nil, err
	}
	by, err := order.sql()
	if err != nil {
		return nil, err
	}
	if f.matches != nil {
		// Sort the (at most MatchCap) matches rather than walk the time
		// index of the whole workspace looking for them.
		by = "+" + by
	}
	var out []Item
	err = db.x.SelectContext(ctx, &out, `SELECT `+prefixed("i", itemColumns)+` FROM items i`+c.where()+
		` ORDER BY `+by+` LIMIT ? OFFSET ?`, append(c.args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("items of %s: %w", f.Workspace, err)
	}
	return out, nil
}

// EachItem calls fn for every item f selects, in order, reading as it
// goes: exports stream without holding the list in memory. A search or
// keyword filter is not capped here: an export is every match.
func (db *DB) EachItem(ctx context.Context, f ItemFilter, order ItemOrder, fn func(Item) error) error {
	c, _, err := db.itemClause(ctx, f, false)
	if err != nil {
		return err
	}
	by, err := order.sql()
	if err != nil {
		return err
	}
	rows, err := db.x.QueryxContext(ctx, `SELECT `+prefixed("i", itemColumns)+` FROM items i`+c.where()+
		` ORDER BY `+by, c.args...)
	if err != nil {
		return fmt.Errorf("items of %s: %w", f.Workspace, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it Item
		if err := rows.StructScan(&it); err != nil {
			return fmt.Errorf("items of %s: %w", f.Workspace, err)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Count is a bounded count: N is exact when Exact, else there are more
// than N and counting stopped there.
type Count struct {
	N     int  `json:"n"`
	Exact bool `json:"exact"`
}

func (db *DB) boundedCount(ctx context.Context, from string, args []any, bound int) (Count, error) {
	var n int
	err := db.x.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT 1 FROM `+from+` LIMIT ?)`, append(args, bound+1)...)
	if err != nil {
		return Count{}, err
	}
	if n > bound {
		return Count{N: bound, Exact: false}, nil
	}
	return Count{N: n, Exact: true}, nil
}

// CountItems counts the items f selects, up to bound. Past MatchCap
// matches of a search or keyword, the count is of the latest ones and
// not exact.
func (db *DB) CountItems(ctx context.Context, f ItemFilter, bound int) (Count, error) {
	// Filters the running totals answer are counted exactly, whatever
	// the size.
	if f.onTotals() {
		cond, args := f.itemDays()
		var n int
		err := db.x.GetContext(ctx, &n, `SELECT coalesce(sum(items), 0) FROM item_days WHERE workspace = ?`+cond, args...)
		if err != nil {
			return Count{}, fmt.Errorf("count items of %s: %w", f.Workspace, err)
		}
		return Count{N: n, Exact: true}, nil
	}
	f, err := db.ResolveMatches(ctx, f)
	if err != nil {
		return Count{}, err
	}
	if f.only() {
		return Count{N: min(f.matches.n, bound), Exact: !f.matches.capped && f.matches.n <= bound}, nil
	}
	c, capped, err := db.itemClause(ctx, f, true)
	if err != nil {
		return Count{}, err
	}
	n, err := db.boundedCount(ctx, "items i"+c.where(), c.args, bound)
	if err != nil {
		return Count{}, fmt.Errorf("count items of %s: %w", f.Workspace, err)
	}
	n.Exact = n.Exact && !capped
	return n, nil
}

// Bucket is one step of a timeline: a day "2006-01-02" or an hour
// "2006-01-02T15".
type Bucket struct {
	Label string `db:"label" json:"label"`
	Items int    `db:"items" json:"items"`
}

// Timeline is the items f selects per published day or hour. Items
// without a published time are not on it. Partial says it covers only the
// latest MatchCap matching items.
type Timeline struct {
	Buckets []Bucket `json:"buckets"`
	Partial bool     `json:"partial"`
}

// ItemTimeline counts the items f selects per published day or hour. The
// daily timelines of a workspace, source or language, a keyword and a
// cluster come exact from running totals; others from the latest MatchCap
// matching items.
func (db *DB) ItemTimeline(ctx context.Context, f ItemFilter, hourly bool) (Timeline, error) {
	var tl Timeline
	// days narrows a running-totals table to the filter's days.
	days := func(col string, args []any) (string, []any) {
		cond := ""
		if !f.From.IsZero() {
			cond += " AND " + col + " >= ?"
			args = append(args, f.From.UTC().Format(time.DateOnly))
		}
		if !f.To.IsZero() {
			cond += " AND " + col + " < ?"
			args = append(args, f.To.UTC().Format(time.DateOnly))
		}
		return cond, args
	}
	whole := wholeDays(f.From) && wholeDays(f.To)
	rest := f
	rest.From, rest.To, rest.matches = time.Time{}, time.Time{}, nil
	var err error
	switch {
	case hourly || !whole:
	case f.onTotals():
		cond, args := f.itemDays()
		err = db.x.SelectContext(ctx, &tl.Buckets, `SELECT day AS label, sum(items) AS items FROM item_days
			WHERE workspace = ? AND day != ''`+cond+` GROUP BY day HAVING sum(items) > 0 ORDER BY day`, args...)
		return tl, wrap(err, "items per day of %s", f.Workspace)
	case rest == ItemFilter{Workspace: f.Workspace, Keyword: f.Keyword, KeywordModel: f.KeywordModel} && f.KeywordModel != "":
		dayCond, args := days("day", []any{f.Workspace, f.KeywordModel, f.Keyword})
		err = db.x.SelectContext(ctx, &tl.Buckets, `SELECT day AS label, items FROM `+keywordDaysOf+`
			WHERE items > 0`+dayCond+` ORDER BY day`, args...)
		return tl, wrap(err, "days of keyword %s", f.Keyword)
	case rest == ItemFilter{Workspace: f.Workspace, ClusterID: f.ClusterID}:
		dayCond, args := days("d.day", []any{f.ClusterID, f.Workspace})
		err = db.x.SelectContext(ctx, &tl.Buckets, `SELECT d.day AS label, d.items FROM cluster_days d
			JOIN clusters c ON c.id = d.cluster_id WHERE c.id = ? AND c.workspace = ? AND d.items > 0`+dayCond+`
			ORDER BY d.day`, args...)
		return tl, wrap(err, "days of cluster %d", f.ClusterID)
	}
	if f, err = db.ResolveMatches(ctx, f); err != nil {
		return tl, err
	}
	if f.only() {
		width := 10
		if hourly {
			width = 13
		}
		counts := map[string]int{}
		for _, p := range f.matches.published {
			if !p.IsZero() {
				counts[p.UTC().Format("2006-01-02T15")[:width]]++
			}
		}
		for label, n := range counts {
			tl.Buckets = append(tl.Buckets, Bucket{Label: label, Items: n})
		}
		slices.SortFunc(tl.Buckets, func(a, b Bucket) int { return strings.Compare(a.Label, b.Label) })
		tl.Partial = f.matches.capped
		return tl, nil
	}
	c, capped, err := db.itemClause(ctx, f, true)
	if err != nil {
		return tl, err
	}
	width := 10
	if hourly {
		width = 13
	}
	c.add("i.published_at IS NOT NULL")
	order := "i.published_at"
	if f.Search != "" || f.Keyword != "" {
		order = "+i.published_at" // start from the matches, not the time index
	}

	err = db.x.SelectContext(ctx, &tl.Buckets, fmt.Sprintf(`SELECT substr(published_at, 1, %d) AS label, count(*) AS items
		FROM (SELECT i.published_at FROM items i%s ORDER BY %s DESC LIMIT ?) GROUP BY 1 ORDER BY 1`,
		width, c.where(), order), append(c.args, MatchCap)...)
	if err != nil {
		return tl, fmt.Errorf("timeline of %s: %w", f.Workspace, err)
	}
	total := 0
	for _, b := range tl.Buckets {
		total += b.Items
	}
	tl.Partial = capped || total >= MatchCap
	return tl, nil
}

// onTotals says whether item_days answers f: a workspace, source or
// language over whole days.
func (f ItemFilter) onTotals() bool {
	return f.Search == "" && f.Query == "" && f.State == "" && f.Keyword == "" && f.ClusterID == 0 &&
		wholeDays(f.From) && wholeDays(f.To)
}

// itemDays is f's condition on item_days after "workspace = ?", with
// its arguments (the workspace first).
func (f ItemFilter) itemDays() (string, []any) {
	cond, args := "", []any{f.Workspace}
	for _, eq := range []struct{ col, v string }{{"source", f.Source}, {"language", f.Language}} {
		if eq.v != "" {
			cond += " AND " + eq.col + " = ?"
			args = append(args, eq.v)
		}
	}
	if !f.From.IsZero() {
		cond += " AND day >= ?"
		args = append(args, f.From.UTC().Format(time.DateOnly))
	}
	if !f.To.IsZero() {
		cond += " AND day < ? AND day != ''"
		args = append(args, f.To.UTC().Format(time.DateOnly))
	}
	return cond, args
}

// wholeDays says whether t is a day boundary (or unset), which the daily
// running totals can answer.
func wholeDays(t time.Time) bool { return t.Truncate(24 * time.Hour).Equal(t) }

func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// ClusterFilter selects live clusters.
type ClusterFilter struct {
	Workspace string
	From, To  time.Time // clusters with members published in [From, To)
	MinSize   int
	MinUnique int
	// Member filters: clusters with at least one member matching.
	Source, Query, Language, Keyword string
	Order                            ClusterSort

	matches *matchSet // the clusters a keyword names, by ResolveClusterMatches
}

// ClusterSort is how cluster lists sort.
type ClusterSort string

// The orders cluster lists know.
const (
	SortSize   ClusterSort = "size"
	SortAdded  ClusterSort = "added"
	SortTrend  ClusterSort = "trend"
	SortRecent ClusterSort = "recent"
	SortUnique ClusterSort = "unique"
)

// ClusterSorts lists the orders, for forms and validation.
var ClusterSorts = []ClusterSort{SortSize, SortAdded, SortTrend, SortRecent, SortUnique}

// sql returns the ORDER BY of s and the index that serves it: naming the
// index keeps SQLite walking it in order and stopping at the page, rather
// than sorting every cluster of the workspace.
func (s ClusterSort) sql() (by, index string, err error) {
	switch s {
	case SortSize, "":
		return "c.size DESC, c.id", "clusters_workspace_size", nil
	case SortAdded:
		return "c.added_total DESC, c.id", "clusters_added", nil
	case SortTrend:
		return "c.trend DESC, c.id", "clusters_trend", nil
	case SortRecent:
		return "c.last_published_at DESC, c.id", "clusters_recent", nil
	case SortUnique:
		return "c.unique_texts DESC, c.id", "clusters_unique", nil
	}
	return "", "", fmt.Errorf("unknown cluster order %q (size, added, trend, recent, unique): %w", s, ErrInvalid)
}

// fewLargeClusters is how many clusters of at least MinSize members a list
// may sort itself rather than walk its order's index past the singletons.
const fewLargeClusters = 20000

// clusterPlan returns the ORDER BY and index for f. Most clusters have one
// member, so "size at least 5, newest first" walks the size index and
// sorts what it finds, as long as that is not too many.
func (db *DB) clusterPlan(ctx context.Context, f ClusterFilter) (by, index string, err error) {
	by, index, err = f.Order.sql()
	if err != nil || f.MinSize < 2 || index == "clusters_workspace_size" {
		return by, index, err
	}
	var n int
	err = db.x.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT 1 FROM clusters INDEXED BY clusters_workspace_size
		WHERE workspace = ? AND merged_into IS NULL AND size >= ? LIMIT ?)`, f.Workspace, f.MinSize, fewLargeClusters+1)
	if err != nil {
		return "", "", fmt.Errorf("clusters of %s: %w", f.Workspace, err)
	}
	if n <= fewLargeClusters {
		index = "clusters_workspace_size"
	}
	return by, index, nil
}

// clustersFrom is the FROM of a cluster list: walking the index of its
// order, or, when c names a bounded set, looking those up and sorting them.
func clustersFrom(c *clause, index string) string {
	if c.fromSet {
		return "clusters c NOT INDEXED"
	}
	return "clusters c INDEXED BY " + index
}

// HasMemberFilter says whether f looks into members, which makes each
// cluster it passes over cost a lookup.
func (f ClusterFilter) HasMemberFilter() bool {
	return f.Source != "" || f.Query != "" || f.Language != "" || f.Keyword != ""
}

// ResolveClusterMatches finds, once for a page's list and count, the
// clusters holding the latest MatchCap items that carry f's keyword (and
// match its other member filters). Without a keyword, f comes back as it
// was.
func (db *DB) ResolveClusterMatches(ctx context.Context, f ClusterFilter) (ClusterFilter, error) {
	if f.Keyword == "" || f.matches != nil {
		return f, nil
	}
	models, err := db.keywordModels(ctx, ItemFilter{Workspace: f.Workspace, Keyword: f.Keyword})
	if err != nil {
		return f, err
	}
	rows, err := db.keywordItems(ctx, f.Workspace, models, f.Keyword)
	if err != nil {
		return f, err
	}
	capped := len(rows) > MatchCap
	itemIDs := make([]int64, 0, min(len(rows), MatchCap))
	for _, r := range rows[:min(len(rows), MatchCap)] {
		itemIDs = append(itemIDs, r.ID)
	}
	b, _ := json.Marshal(itemIDs)
	query := `SELECT DISTINCT cluster_id FROM items WHERE id IN (SELECT value FROM json_each(?)) AND cluster_id IS NOT NULL`
	args := []any{string(b)}
	for _, eq := range []struct{ col, v string }{{"source", f.Source}, {"query", f.Query}, {"language", f.Language}} {
		if eq.v != "" {
			query += " AND " + eq.col + " = ?"
			args = append(args, eq.v)
		}
	}
	var ids []int64
	if err := db.x.SelectContext(ctx, &ids, query, args...); err != nil {
		return f, fmt.Errorf("clusters of keyword %q: %w", f.Keyword, err)
	}
	b, _ = json.Marshal(ids)
	f.matches = &matchSet{ids: string(b), n: len(ids), capped: capped}
	return f, nil
}

// clusterClause turns f into SQL. With capMatches, a keyword filter looks
// at the clusters of the keyword's latest MatchCap items (capped says
// whether it has more); without (exports), at every member.
func (db *DB) clusterClause(ctx context.Context, f ClusterFilter, capMatches bool) (c *clause, capped bool, err error) {
	c = &clause{}
	c.add("c.workspace = ? AND c.merged_into IS NULL", f.Workspace)
	if f.MinSize > 0 {
		c.add("c.size >= ?", f.MinSize)
	}
	if f.MinUnique > 0 {
		c.add("c.unique_texts >= ?", f.MinUnique)
	}
	if !f.From.IsZero() {
		c.add("c.last_published_at >= ?", T(f.From))
	}
	if !f.To.IsZero() {
		c.add("c.first_published_at < ?", T(f.To))
	}
	var member []string
	var args []any
	for _, eq := range []struct{ col, v string }{{"m.source", f.Source}, {"m.query", f.Query}, {"m.language", f.Language}} {
		if eq.v != "" {
			member = append(member, eq.col+" = ?")
			args = append(args, eq.v)
		}
	}
	switch {
	case f.Keyword != "" && capMatches:
		if f, err = db.ResolveClusterMatches(ctx, f); err != nil {
			return nil, false, err
		}
		c.add("c.id IN (SELECT value FROM json_each(?))", f.matches.ids)
		c.fromSet = true
		return c, f.matches.capped, nil
	case f.Keyword != "":
		member = append(member, "EXISTS (SELECT 1 FROM item_keywords k WHERE k.item_id = m.id AND "+keywordIn+")")
		args = append(args, keywordStart(f.Keyword))
	}
	if len(member) > 0 {
		c.add("EXISTS (SELECT 1 FROM items m WHERE m.cluster_id = c.id AND "+strings.Join(member, " AND ")+")", args...)
	}
	return c, false, nil
}

// clusterListColumns are clusterColumns without the vector sum, which no
// list needs.
var clusterListColumns = strings.Replace(prefixed("c", clusterColumns), "c.vector_sum", "NULL AS vector_sum", 1)

// ListClusterPage returns one page of the clusters f selects.
func (db *DB) ListClusterPage(ctx context.Context, f ClusterFilter, limit, offset int) ([]*Cluster, error) {
	c, _, err := db.clusterClause(ctx, f, true)
	if err != nil {
		return nil, err
	}
	by, index, err := db.clusterPlan(ctx, f)
	if err != nil {
		return nil, err
	}
	var rows []clusterRow
	err = db.x.SelectContext(ctx, &rows, `SELECT `+clusterListColumns+` FROM `+clustersFrom(c, index)+c.where()+
		` ORDER BY `+by+` LIMIT ? OFFSET ?`, append(c.args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("clusters of %s: %w", f.Workspace, err)
	}
	return scanClusters(rows)
}

// EachCluster calls fn for every cluster f selects, in order.
func (db *DB) EachCluster(ctx context.Context, f ClusterFilter, fn func(*Cluster) error) error {
	c, _, err := db.clusterClause(ctx, f, false)
	if err != nil {
		return err
	}
	by, index, err := db.clusterPlan(ctx, f)
	if err != nil {
		return err
	}
	rows, err := db.x.QueryxContext(ctx, `SELECT `+clusterListColumns+` FROM `+clustersFrom(c, index)+c.where()+
		` ORDER BY `+by, c.args...)
	if err != nil {
		return fmt.Errorf("clusters of %s: %w", f.Workspace, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r clusterRow
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("clusters of %s: %w", f.Workspace, err)
		}
		cl, err := r.cluster()
		if err != nil {
			return err
		}
		if err := fn(cl); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountClusters counts the clusters f selects, up to bound.
func (db *DB) CountClusters(ctx context.Context, f ClusterFilter, bound int) (Count, error) {
	f, err := db.ResolveClusterMatches(ctx, f)
	if err != nil {
		return Count{}, err
	}
	if f.matches != nil && f.MinSize == 0 && f.MinUnique == 0 && f.From.IsZero() && f.To.IsZero() {
		// The keyword's clusters are the count: items only point at live
		// clusters of their own workspace.
		return Count{N: min(f.matches.n, bound), Exact: !f.matches.capped && f.matches.n <= bound}, nil
	}
	c, capped, err := db.clusterClause(ctx, f, true)
	if err != nil {
		return Count{}, err
	}
	_, index, err := db.clusterPlan(ctx, f)
	if err != nil {
		return Count{}, err
	}
	n, err := db.boundedCount(ctx, clustersFrom(c, index)+c.where(), c.args, bound)
	if err != nil {
		return Count{}, fmt.Errorf("count clusters of %s: %w", f.Workspace, err)
	}
	n.Exact = n.Exact && !capped
	return n, nil
}

// ClusterDaysOf returns the daily counts of several clusters.
func (db *DB) ClusterDaysOf(ctx context.Context, ids []int64) (map[int64]map[string]int, error) {
	out := make(map[int64]map[string]int, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var rows []struct {
		ID    int64  `db:"cluster_id"`
		Day   string `db:"day"`
		Items int    `db:"items"`
	}
	err := db.x.SelectContext(ctx, &rows, `SELECT cluster_id, day, items FROM cluster_days
		WHERE cluster_id IN (`+placeholders(len(ids))+`) AND items > 0`, args...)
	if err != nil {
		return nil, fmt.Errorf("days of clusters: %w", err)
	}
	for _, r := range rows {
		if out[r.ID] == nil {
			out[r.ID] = map[string]int{}
		}
		out[r.ID][r.Day] = r.Items
	}
	return out, nil
}

// Facet is how many items share one value of a column.
type Facet struct {
	Value string `db:"value" json:"value"`
	Items int    `db:"items" json:"items"`
}

// ClusterFacets counts a cluster's latest sample members by language,
// source and query, in one read of them.
func (db *DB) ClusterFacets(ctx context.Context, clusterID int64, sample int) (map[string][]Facet, error) {
	var rows []struct {
		Language string `db:"language"`
		Source   string `db:"source"`
		Query    string `db:"query"`
		Items    int    `db:"items"`
	}
	err := db.x.SelectContext(ctx, &rows, `SELECT language, source, query, count(*) AS items FROM items
		WHERE id IN (SELECT id FROM items WHERE cluster_id = ? ORDER BY published_at DESC LIMIT ?) GROUP BY 1, 2, 3`,
		clusterID, sample)
	if err != nil {
		return nil, fmt.Errorf("members of cluster %d: %w", clusterID, err)
	}
	counts := map[string]map[string]int{"language": {}, "source": {}, "query": {}}
	for _, r := range rows {
		counts["language"][r.Language] += r.Items
		counts["source"][r.Source] += r.Items
		counts["query"][r.Query] += r.Items
	}
	out := map[string][]Facet{}
	for col, m := range counts {
		fs := make([]Facet, 0, len(m))
		for v, n := range m {
			fs = append(fs, Facet{Value: v, Items: n})
		}
		slices.SortFunc(fs, func(a, b Facet) int { return cmp.Or(cmp.Compare(b.Items, a.Items), cmp.Compare(a.Value, b.Value)) })
		out[col] = fs[:min(len(fs), 20)]
	}
	return out, nil
}

// ClusterKeywords counts the keywords of a cluster's latest sample
// members. Their lists are read as stored and counted here: spreading two
// thousand lists into rows in SQL took most of a cluster page.
func (db *DB) ClusterKeywords(ctx context.Context, clusterID int64, sample, limit int) ([]KeywordCount, error) {
	var lists []struct {
		Model    string `db:"model"`
		Keywords string `db:"keywords"`
	}
	err := db.x.SelectContext(ctx, &lists, `SELECT model, keywords FROM item_keywords
		WHERE item_id IN (SELECT id FROM items WHERE cluster_id = ? ORDER BY published_at DESC LIMIT ?)`,
		clusterID, sample)
	if err != nil {
		return nil, fmt.Errorf("keywords of cluster %d: %w", clusterID, err)
	}
	type key struct{ model, keyword string }
	counts := map[key]int{}
	for _, l := range lists {
		kws, err := decodeKeywordList(l.Keywords)
		if err != nil {
			return nil, fmt.Errorf("keywords of cluster %d: %w", clusterID, err)
		}
		for _, k := range kws {
			counts[key{l.Model, k.Text}]++
		}
	}
	out := make([]KeywordCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, KeywordCount{Model: k.model, Keyword: k.keyword, Items: n})
	}
	slices.SortFunc(out, func(a, b KeywordCount) int {
		return cmp.Or(cmp.Compare(b.Items, a.Items), strings.Compare(a.Model, b.Model), strings.Compare(a.Keyword, b.Keyword))
	})
	return out[:min(limit, len(out))], nil
}

// MergesOf returns the merges a cluster took part in, oldest first.
func (db *DB) MergesOf(ctx context.Context, clusterID int64) ([]MergeRecord, error) {
	var out []MergeRecord
	if err := db.x.SelectContext(ctx, &out, `SELECT id, workspace, absorbed, survivor, items, score, at
		FROM cluster_merges WHERE absorbed = ? OR survivor = ? ORDER BY id`, clusterID, clusterID); err != nil {
		return nil, fmt.Errorf("merges of cluster %d: %w", clusterID, err)
	}
	return out, nil
}

// KeywordFilter selects keywords by their running totals.
type KeywordFilter struct {
	Workspace string
	Model     string
	Prefix    string
	ByTrend   bool // fastest-growing first instead of most items
}

// KeywordStat is a keyword with its totals.
type KeywordStat struct {
	Model   string  `db:"model" json:"model"`
	Keyword string  `db:"keyword" json:"keyword"`
	Items   int     `db:"items" json:"items"`
	Trend   float64 `db:"trend" json:"trend"`
}

func (f KeywordFilter) clause() *clause {
	c := &clause{}
	c.add("workspace = ? AND items > 0", f.Workspace)
	if f.Model != "" {
		c.add("model = ?", f.Model)
	}
	if f.Prefix != "" {
		c.add("keyword >= ? AND keyword < ?", f.Prefix, f.Prefix+"\U0010FFFF")
	}
	if f.ByTrend {
		c.add("trend > 0")
	}
	return c
}

func (f KeywordFilter) order() string {
	if f.ByTrend {
		return "trend DESC, items DESC, model, keyword"
	}
	return "items DESC, model, keyword"
}

// popularKeyword is the count from which keyword_totals_popular indexes a
// keyword.
const popularKeyword = 10

// ListKeywords returns one page of the keywords f selects. By count, it
// reads the popular ones in index order and sorts the long tail only for
// a page that reaches it.
func (db *DB) ListKeywords(ctx context.Context, f KeywordFilter, limit, offset int) ([]KeywordStat, error) {
	c := f.clause()
	var out []KeywordStat
	list := func(cond string, limit, offset int) error {
		var part []KeywordStat
		err := db.x.SelectContext(ctx, &part, `SELECT model, keyword, items, trend FROM keyword_totals`+c.where()+cond+
			` ORDER BY `+f.order()+` LIMIT ? OFFSET ?`, append(c.args, limit, offset)...)
		out = append(out, part...)
		return err
	}
	if f.ByTrend {
		return out, wrap(list("", limit, offset), "keywords of %s", f.Workspace)
	}
	popular := fmt.Sprintf(" AND items >= %d", popularKeyword)
	if err := list(popular, limit, offset); err != nil {
		return nil, fmt.Errorf("keywords of %s: %w", f.Workspace, err)
	}
	if len(out) == limit {
		return out, nil
	}
	var n int
	if err := db.x.GetContext(ctx, &n, `SELECT count(*) FROM keyword_totals`+c.where()+popular, c.args...); err != nil {
		return nil, fmt.Errorf("keywords of %s: %w", f.Workspace, err)
	}
	tail := fmt.Sprintf(" AND items < %d", popularKeyword)
	return out, wrap(list(tail, limit-len(out), max(0, offset-n)), "keywords of %s", f.Workspace)
}

// EachKeyword calls fn for every keyword f selects, in order.
func (db *DB) EachKeyword(ctx context.Context, f KeywordFilter, fn func(KeywordStat) error) error {
	c := f.clause()
	rows, err := db.x.QueryxContext(ctx, `SELECT model, keyword, items, trend FROM keyword_totals`+c.where()+
		` ORDER BY `+f.order(), c.args...)
	if err != nil {
		return fmt.Errorf("keywords of %s: %w", f.Workspace, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k KeywordStat
		if err := rows.StructScan(&k); err != nil {
			return fmt.Errorf("keywords of %s: %w", f.Workspace, err)
		}
		if err := fn(k); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountKeywords counts the keywords f selects, up to bound.
func (db *DB) CountKeywords(ctx context.Context, f KeywordFilter, bound int) (Count, error) {
	c := f.clause()
	n, err := db.boundedCount(ctx, "keyword_totals"+c.where(), c.args, bound)
	if err != nil {
		return Count{}, fmt.Errorf("count keywords of %s: %w", f.Workspace, err)
	}
	return n, nil
}

// KeywordModels lists the models that attached keywords in workspace.
func (db *DB) KeywordModels(ctx context.Context, workspace string) ([]string, error) {
	var models []string
	err := db.x.SelectContext(ctx, &models, `SELECT model FROM keyword_models WHERE workspace = ? ORDER BY model`, workspace)
	if err != nil {
		return nil, fmt.Errorf("keyword models of %s: %w", workspace, err)
	}
	return models, nil
}

// KeywordStatOf returns one keyword's totals, its pending counts added.
func (db *DB) KeywordStatOf(ctx context.Context, workspace, model, keyword string) (KeywordStat, error) {
	var k KeywordStat
	err := db.x.GetContext(ctx, &k, `SELECT ?2 AS model, ?3 AS keyword, sum(items) AS items, max(trend) AS trend FROM (
			SELECT items, trend FROM keyword_totals WHERE workspace = ?1 AND model = ?2 AND keyword = ?3
			UNION ALL
			SELECT items, 0 FROM keyword_counts_pending WHERE workspace = ?1 AND model = ?2 AND keyword = ?3)
		HAVING count(*) > 0`, workspace, model, keyword)
	if err != nil {
		return KeywordStat{}, fmt.Errorf("keyword %s/%s in %s: %w", model, keyword, workspace, notFound(err))
	}
	return k, nil
}

// KeywordDays returns a keyword's items per published day.
func (db *DB) KeywordDays(ctx context.Context, workspace, model, keyword string) (map[string]int, error) {
	var rows []Bucket
	err := db.x.SelectContext(ctx, &rows, `SELECT day AS label, items FROM `+keywordDaysOf+` WHERE items > 0`,
		workspace, model, keyword)
	if err != nil {
		return nil, fmt.Errorf("days of keyword %s/%s: %w", model, keyword, err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Label] = r.Items
	}
	return out, nil
}

// keywordDaysOf is the per-day counts of one keyword, the pending ones
// added: a table expression whose arguments are ?1 workspace, ?2 model
// and ?3 keyword, so that further plain ? arguments number from 4.
const keywordDaysOf = `(SELECT day, sum(items) AS items FROM (
		SELECT day, items FROM keyword_days WHERE workspace = ?1 AND model = ?2 AND keyword = ?3
		UNION ALL
		SELECT day, items FROM keyword_counts_pending WHERE workspace = ?1 AND model = ?2 AND keyword = ?3 AND day != '')
	GROUP BY day)`

// ClusterShare is how many of a keyword's items are in one cluster.
type ClusterShare struct {
	ClusterID int64 `db:"cluster_id" json:"cluster_id"`
	Items     int   `db:"items" json:"items"`
}

// KeywordClusters returns the clusters holding the most items that carry a
// keyword, looking at no more than sample of those items.
func (db *DB) KeywordClusters(ctx context.Context, workspace, model, keyword string, sample, limit int) ([]ClusterShare, error) {
	var out []ClusterShare
	slot, ok, err := db.keywordSlot(ctx, workspace, model)
	if err != nil || !ok {
		return nil, err
	}
	err = db.x.SelectContext(ctx, &out, `SELECT i.cluster_id, count(*) AS items FROM
			(SELECT k.item_id FROM keyword_postings p
				CROSS JOIN item_keywords k ON k.item_id = p.rowid >> 8 AND k.model = ? AND `+keywordIn+`
				WHERE keyword_postings MATCH ? AND p.rowid & 255 = ? LIMIT ?) k
		JOIN items i ON i.id = k.item_id WHERE i.cluster_id IS NOT NULL
		GROUP BY i.cluster_id ORDER BY items DESC, i.cluster_id LIMIT ?`,
		model, keywordStart(keyword), postingsQuery(workspace, keyword), slot, sample, limit)
	if err != nil {
		return nil, fmt.Errorf("clusters of keyword %s/%s: %w", model, keyword, err)
	}
	return out, nil
}

// Workspaces lists the workspaces that have items.
func (db *DB) Workspaces(ctx context.Context) ([]string, error) {
	var out []string
	if err := db.x.SelectContext(ctx, &out, `SELECT DISTINCT workspace FROM item_days WHERE items > 0 ORDER BY 1`); err != nil {
		return nil, fmt.Errorf("workspaces: %w", err)
	}
	return out, nil
}

// StateDay is how many items of a fetch day are in a state.
type StateDay struct {
	DateID int   `db:"date_id" json:"date_id"`
	State  State `db:"state" json:"state"`
	Items  int   `db:"items" json:"items"`
}

// StateDays counts a workspace's items by fetch day and state, for the
// last days fetch days.
func (db *DB) StateDays(ctx context.Context, workspace string, days int) ([]StateDay, error) {
	var out []StateDay
	err := db.x.SelectContext(ctx, &out, `SELECT date_id, state, items FROM item_states
		WHERE workspace = ? AND items > 0 AND date_id IN (SELECT DISTINCT date_id FROM item_states
			WHERE workspace = ? AND items > 0 ORDER BY date_id DESC LIMIT ?)
		ORDER BY date_id DESC, state`, workspace, workspace, days)
	if err != nil {
		return nil, fmt.Errorf("states by day of %s: %w", workspace, err)
	}
	return out, nil
}

// FailuresIn groups a workspace's failed items by failing state and
// reason, most common first.
func (db *DB) FailuresIn(ctx context.Context, workspace string, limit int) ([]FailureCount, error) {
	var out []FailureCount
	err := db.x.SelectContext(ctx, &out, `SELECT workspace, failed_from, last_error, count(*) AS items,
		min(id) AS example FROM items WHERE workspace = ? AND state = ? GROUP BY failed_from, last_error
		ORDER BY items DESC LIMIT ?`, workspace, Failed, limit)
	if err != nil {
		return nil, fmt.Errorf("failures in %s: %w", workspace, err)
	}
	return out, nil
}

// FailedItems returns failed items of a workspace, newest failure first.
func (db *DB) FailedItems(ctx context.Context, workspace string, limit int) ([]Item, error) {
	var out []Item
	err := db.x.SelectContext(ctx, &out, `SELECT `+itemColumns+` FROM items WHERE workspace = ? AND state = ?
		ORDER BY updated_at DESC, id DESC LIMIT ?`, workspace, Failed, limit)
	if err != nil {
		return nil, fmt.Errorf("failed items of %s: %w", workspace, err)
	}
	return out, nil
}

// prefixed qualifies a column list with a table alias: "id, coalesce(x,
// 0) AS x" becomes "i.id, coalesce(i.x, 0) AS x".
func prefixed(alias, columns string) string {
	var parts []string
	depth, start := 0, 0
	for i, r := range columns + "," {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(columns[start:i]))
				start = i + 1
			}
		}
	}
	for i, p := range parts {
		if open := strings.Index(p, "("); open >= 0 {
			parts[i] = p[:open+1] + alias + "." + p[open+1:]
		} else {
			parts[i] = alias + "." + p
		}
	}
	return strings.Join(parts, ", ")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
