package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// State is an item's place in its workflow. Most states are named by the
// workflow in the config; only the system states are constants here.
type State string

// The system states every workflow shares.
const (
	Ready     State = "ready"
	Completed State = "completed"
	Failed    State = "failed"
)

// Item is one content item.
type Item struct {
	ID            int64           `db:"id" json:"id"`
	Workspace     string          `db:"workspace" json:"workspace"`
	Source        string          `db:"source" json:"source"`
	Query         string          `db:"query" json:"query"`
	DateID        int             `db:"date_id" json:"date_id"`
	RunID         int64           `db:"run_id" json:"run_id"`
	PageID        sql.NullInt64   `db:"page_id" json:"-"`
	RawID         string          `db:"raw_id" json:"raw_id"`
	RawCreatedAt  Time            `db:"raw_created_at" json:"raw_created_at"`
	SourceField   string          `db:"source_field" json:"source_field"`
	RawText       string          `db:"raw_text" json:"raw_text"`
	Text          string          `db:"text" json:"text"`
	Author        string          `db:"author" json:"author"`
	PublishedAt   Time            `db:"published_at" json:"published_at"`
	URL           string          `db:"url" json:"url"`
	Language      string          `db:"language" json:"language"`
	LanguageScore sql.NullFloat64 `db:"language_score" json:"-"`
	Workflow      string          `db:"workflow" json:"workflow"`
	State         State           `db:"state" json:"state"`
	Attempts      int             `db:"attempts" json:"attempts"`
	LeaseOwner    string          `db:"lease_owner" json:"-"`
	LeaseUntil    Time            `db:"lease_until" json:"-"`
	NextAttemptAt Time            `db:"next_attempt_at" json:"-"`
	LastError     string          `db:"last_error" json:"last_error,omitempty"`
	FailedFrom    State           `db:"failed_from" json:"failed_from,omitempty"`
	ClusterID     sql.NullInt64   `db:"cluster_id" json:"-"`
	CreatedAt     Time            `db:"created_at" json:"created_at"`
	UpdatedAt     Time            `db:"updated_at" json:"updated_at"`
}

const itemColumns = `id, workspace, source, query, date_id, run_id, page_id, raw_id, raw_created_at,
	source_field, raw_text, text, author, published_at, url, language, language_score, workflow, state,
	attempts, lease_owner, lease_until, next_attempt_at, last_error, failed_from, cluster_id, created_at, updated_at`

// InsertItem adds it unless an item with the same (workspace, source, raw id,
// source field) exists; the database enforces that uniqueness. It reports
// whether a row was inserted and sets it.ID when it was. The creation is
// logged as an event from "" to the item's state.
func (tx *Tx) InsertItem(ctx context.Context, it *Item) (bool, error) {
	now := T(tx.now)
	if it.RawCreatedAt.IsZero() {
		it.RawCreatedAt = now
	}
	ins, err := tx.stmt(ctx, `INSERT INTO items (workspace, source, query, date_id, run_id, page_id,
		raw_id, raw_created_at, source_field, raw_text, text, author, published_at, url, language, workflow,
		state, last_error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace, source, raw_id, source_field) DO NOTHING RETURNING id`)
	if err != nil {
		return false, fmt.Errorf("insert item: %w", err)
	}
	err = ins.QueryRowxContext(ctx, it.Workspace, it.Source, it.Query, it.DateID, it.RunID, it.PageID, it.RawID, it.RawCreatedAt,
		it.SourceField, it.RawText, it.Text, it.Author, it.PublishedAt, it.URL, it.Language, it.Workflow,
		it.State, it.LastError, now, now).Scan(&it.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("insert item %s/%s/%s: %w", it.Workspace, it.Source, it.RawID, err)
	}
	it.CreatedAt, it.UpdatedAt = now, now
	if err := tx.countInserted(ctx, []*Item{it}); err != nil {
		return false, err
	}
	if err := tx.logEvent(ctx, Event{ItemID: it.ID, From: "", To: it.State, Error: it.LastError}); err != nil {
		return false, err
	}
	return true, tx.indexForSearch(ctx, []searchRow{{it.ID, it.RawText}})
}

// countInserted adds new items to the running totals the viewer reads
// (item_days, item_states), one upsert per distinct key of the batch.
// Updates and deletions are counted by triggers (migration 0004); an
// insert trigger would cost an upsert per row on ingest's hot path.
func (tx *Tx) countInserted(ctx context.Context, items []*Item) error {
	type dayKey struct{ ws, day, source, language string }
	type stateKey struct {
		ws     string
		dateID int
		state  State
	}
	days, states := map[dayKey]int{}, map[stateKey]int{}
	var dayOrder []dayKey
	var stateOrder []stateKey
	for _, it := range items {
		day := ""
		if !it.PublishedAt.IsZero() {
			day = fmtTime(it.PublishedAt.Time)[:10]
		}
		dk := dayKey{it.Workspace, day, it.Source, it.Language}
		if days[dk] == 0 {
			dayOrder = append(dayOrder, dk)
		}
		days[dk]++
		sk := stateKey{it.Workspace, it.DateID, it.State}
		if states[sk] == 0 {
			stateOrder = append(stateOrder, sk)
		}
		states[sk]++
	}
	err := chunks(dayOrder, 5, func(part []dayKey, values string) error {
		args := make([]any, 0, 5*len(part))
		for _, k := range part {
			args = append(args, k.ws, k.day, k.source, k.language, days[k])
		}
		_, err := tx.exec(ctx, `INSERT INTO item_days (workspace, day, source, language, items) VALUES `+values+`
			ON CONFLICT DO UPDATE SET items = items + excluded.items`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("count items per day: %w", err)
	}
	err = chunks(stateOrder, 4, func(part []stateKey, values string) error {
		args := make([]any, 0, 4*len(part))
		for _, k := range part {
			args = append(args, k.ws, k.dateID, k.state, states[k])
		}
		_, err := tx.exec(ctx, `INSERT INTO item_states (workspace, date_id, state, items) VALUES `+values+`
			ON CONFLICT DO UPDATE SET items = items + excluded.items`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("count items per state: %w", err)
	}
	return nil
}

// ReplaceItem overwrites an existing item's extracted fields with it's and
// sends it back to state, deleting what earlier steps derived from the old
// text. It is what a forced re-ingest does. It reports whether a row matched.
func (tx *Tx) ReplaceItem(ctx context.Context, it *Item) (bool, error) {
	var old struct {
		ID    int64 `db:"id"`
		State State `db:"state"`
	}
	err := tx.tx.GetContext(ctx, &old, `SELECT id, state FROM items
		WHERE workspace = ? AND source = ? AND raw_id = ? AND source_field = ?`,
		it.Workspace, it.Source, it.RawID, it.SourceField)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find item %s/%s/%s: %w", it.Workspace, it.Source, it.RawID, err)
	}
	if err := tx.deleteDerived(ctx, old.ID); err != nil {
		return false, err
	}
	_, err = tx.tx.ExecContext(ctx, `UPDATE items SET query = ?, date_id = ?, run_id = ?, page_id = ?,
		raw_created_at = ?, raw_text = ?, text = ?, author = ?, published_at = ?, url = ?, language = ?,
		language_score = NULL, text_hash = NULL, workflow = ?, state = ?, attempts = 0, lease_owner = '', lease_until = NULL,
		next_attempt_at = NULL, last_error = ?, failed_from = '', updated_at = ? WHERE id = ?`,
		it.Query, it.DateID, it.RunID, it.PageID, it.RawCreatedAt, it.RawText, it.Text, it.Author,
		it.PublishedAt, it.URL, it.Language, it.Workflow, it.State, it.LastError, T(tx.now), old.ID)
	if err != nil {
		return false, fmt.Errorf("replace item %d: %w", old.ID, err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM item_search WHERE rowid = ?`, old.ID); err != nil {
		return false, fmt.Errorf("unindex item %d: %w", old.ID, err)
	}
	if err := tx.indexForSearch(ctx, []searchRow{{old.ID, it.RawText}}); err != nil {
		return false, err
	}
	it.ID = old.ID
	return true, tx.logEvent(ctx, Event{ItemID: old.ID, From: old.State, To: it.State, Error: "re-ingested"})
}

// deleteDerived removes what workflow steps wrote for an item: its place
// in its cluster, its keywords and vectors, keeping the daily counts and
// the cluster's bookkeeping consistent.
func (tx *Tx) deleteDerived(ctx context.Context, itemID int64) error {
	if err := tx.leaveCluster(ctx, itemID); err != nil {
		return err
	}
	// Its keywords leave the counts as pending -1s, folded with the rest.
	for _, q := range []string{
		`INSERT INTO keyword_counts_pending (workspace, model, keyword, day, items)
			SELECT workspace, model, keyword, coalesce(substr(published_at, 1, 10), ''), -1
			FROM keywords WHERE item_id = ?`,
		`DELETE FROM keyword_postings WHERE rowid BETWEEN ?1 << 8 AND ?1 << 8 | 255`,
		`DELETE FROM item_keywords WHERE item_id = ?`,
		`DELETE FROM vectors WHERE item_id = ?`,
	} {
		if _, err := tx.tx.ExecContext(ctx, q, itemID); err != nil {
			return fmt.Errorf("delete derived rows of item %d: %w", itemID, err)
		}
	}
	return nil
}

// Item returns the item with id.
func (db *DB) Item(ctx context.Context, id int64) (Item, error) {
	var it Item
	err := db.x.GetContext(ctx, &it, `SELECT `+itemColumns+` FROM items WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, fmt.Errorf("item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Item{}, fmt.Errorf("item %d: %w", id, err)
	}
	return it, nil
}

// Claim leases up to limit items of workspace in state to owner until
// leaseUntil, in id order, skipping items leased by others or waiting out a
// backoff. Each claim counts as an attempt.
func (tx *Tx) Claim(ctx context.Context, workspace string, state State, owner string, limit int, leaseUntil time.Time) ([]Item, error) {
	now := T(tx.now)
	var items []Item
	err := tx.tx.SelectContext(ctx, &items, `UPDATE items SET lease_owner = ?, lease_until = ?,
		attempts = attempts + 1, updated_at = ?
		WHERE id IN (SELECT id FROM items WHERE workspace = ? AND state = ?
			AND (lease_until IS NULL OR lease_until <= ?)
			AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
			ORDER BY id LIMIT ?)
		RETURNING `+itemColumns,
		owner, T(leaseUntil), now, workspace, state, now, now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim %s items in %s: %w", workspace, state, err)
	}
	slices.SortFunc(items, func(a, b Item) int { return cmp.Compare(a.ID, b.ID) })
	return items, nil
}

// Claimable reports whether Claim would find an item of workspace in state
// now. It reads, so it does not queue for the write lock that a commit may
// hold for a tenth of a second: a runner asks before claiming from states
// that are mostly empty. An item that becomes claimable just after is found
// by the next look.
func (db *DB) Claimable(ctx context.Context, workspace string, state State) (bool, error) {
	now := T(db.Now().UTC())
	var ok bool
	err := db.x.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM items WHERE workspace = ? AND state = ?
		AND (lease_until IS NULL OR lease_until <= ?) AND (next_attempt_at IS NULL OR next_attempt_at <= ?))`,
		workspace, state, now, now)
	if err != nil {
		return false, fmt.Errorf("claimable %s items in %s: %w", workspace, state, err)
	}
	return ok, nil
}

// Transition moves an item from one state to another as a compare-and-set:
// it applies only if the item is still in From and, when Owner is set, still
// leased by Owner. It clears the lease and appends to the event log. Moving
// to Failed records Error as the reason and From as where retry resumes.
type Transition struct {
	ItemID  int64
	From    State
	To      State
	Owner   string // "" skips the lease check (commands acting on idle items)
	Attempt int
	Error   string
}

// Transition applies t; see the type's doc. ErrConflict means the item moved.
func (tx *Tx) Transition(ctx context.Context, t Transition) error {
	q := `UPDATE items SET state = ?, lease_owner = '', lease_until = NULL, next_attempt_at = NULL,
		attempts = 0, last_error = ?, failed_from = ?, updated_at = ? WHERE id = ? AND state = ?`
	failedFrom := State("")
	if t.To == Failed {
		failedFrom = t.From
	}
	args := []any{t.To, t.Error, failedFrom, T(tx.now), t.ItemID, t.From}
	if t.Owner != "" {
		q += ` AND lease_owner = ?`
		args = append(args, t.Owner)
	}
	res, err := tx.exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("transition item %d %s->%s: %w", t.ItemID, t.From, t.To, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("transition item %d %s->%s: %w", t.ItemID, t.From, t.To, ErrConflict)
	}
	return tx.logEvent(ctx, Event{ItemID: t.ItemID, From: t.From, To: t.To, Attempt: t.Attempt, Worker: t.Owner, Error: t.Error})
}

// Defer gives a leased item back after a retryable error: it stays in its
// state, becomes claimable again at next, and the error is logged. As with
// Transition, owner "" skips the lease check.
func (tx *Tx) Defer(ctx context.Context, id int64, state State, owner string, attempt int, next time.Time, reason string) error {
	res, err := tx.exec(ctx, `UPDATE items SET lease_owner = '', lease_until = NULL,
		next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = ? AND (? = '' OR lease_owner = ?)`,
		T(next), reason, T(tx.now), id, state, owner, owner)
	if err != nil {
		return fmt.Errorf("defer item %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("defer item %d: %w", id, ErrConflict)
	}
	return tx.logEvent(ctx, Event{ItemID: id, From: state, To: state, Attempt: attempt, Worker: owner, Error: reason})
}

// ReleaseLeases hands back, without counting an attempt, every item leased
// by one of owners: a worker that stopped cleanly or is known to be dead.
func (tx *Tx) ReleaseLeases(ctx context.Context, owners ...string) (int, error) {
	total := 0
	for _, o := range owners {
		res, err := tx.tx.ExecContext(ctx, `UPDATE items SET lease_owner = '', lease_until = NULL,
			attempts = max(attempts - 1, 0), updated_at = ? WHERE lease_owner = ?`, T(tx.now), o)
		if err != nil {
			return total, fmt.Errorf("release leases of %s: %w", o, err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	return total, nil
}

// LeaseOwners lists the owners holding leases that have not expired.
func (db *DB) LeaseOwners(ctx context.Context) ([]string, error) {
	var owners []string
	err := db.x.SelectContext(ctx, &owners, `SELECT DISTINCT lease_owner FROM items
		WHERE lease_owner != '' AND lease_until > ?`, T(db.Now()))
	if err != nil {
		return nil, fmt.Errorf("lease owners: %w", err)
	}
	return owners, nil
}

// Retry sends failed items of workspace back to the state they failed from
// (all of them when ids is empty) and returns how many moved. Items that
// failed on arrival (an unreadable record) have nowhere to go back to and
// are left alone.
func (tx *Tx) Retry(ctx context.Context, workspace string, ids []int64) (int, error) {
	var rows []struct {
		ID   int64 `db:"id"`
		From State `db:"failed_from"`
	}
	q := `SELECT id, failed_from FROM items WHERE workspace = ? AND state = ? AND failed_from != ''`
	args := []any{workspace, Failed}
	if len(ids) > 0 {
		q += ` AND id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	if err := tx.tx.SelectContext(ctx, &rows, q+` ORDER BY id`, args...); err != nil {
		return 0, fmt.Errorf("find failed items: %w", err)
	}
	for _, r := range rows {
		if err := tx.Transition(ctx, Transition{ItemID: r.ID, From: Failed, To: r.From, Error: ""}); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// Pending describes the work of a workspace that is not claimable now.
type Pending struct {
	Backoff        int       // items to be tried again after an error, their backoff over or not
	NextAttempt    time.Time // the earliest of their next attempts
	LeasedByOthers int       // items leased by other live workers
	Awaiting       int       // items handed to an asynchronous service, waiting for its callback
	AwaitUntil     time.Time // the earliest deadline among them
}

// AwaitPrefix starts the lease owner of items waiting for a callback.
const AwaitPrefix = "await:"

// PendingWork reports, for the given non-terminal states of workspace, what
// is waiting and why.
func (db *DB) PendingWork(ctx context.Context, workspace string, states []State, owner string) (Pending, error) {
	if len(states) == 0 {
		return Pending{}, nil
	}
	now := T(db.Now())
	in := `(?` + strings.Repeat(", ?", len(states)-1) + `)`
	args := []any{now, now, now, owner, AwaitPrefix + "%", now, AwaitPrefix + "%", now, AwaitPrefix + "%", workspace}
	for _, s := range states {
		args = append(args, s)
	}
	var row struct {
		Backoff int            `db:"backoff"`
		Next    sql.NullString `db:"next"`
		Leased  int            `db:"leased"`
		Await   int            `db:"awaiting"`
		Until   sql.NullString `db:"await_until"`
	}
	err := db.x.GetContext(ctx, &row, `SELECT
		count(*) FILTER (WHERE next_attempt_at IS NOT NULL AND NOT coalesce(lease_until > ?, 0)) AS backoff,
		min(next_attempt_at) FILTER (WHERE next_attempt_at > ?) AS next,
		count(*) FILTER (WHERE lease_until > ? AND lease_owner != ? AND lease_owner NOT LIKE ?) AS leased,
		count(*) FILTER (WHERE lease_until > ? AND lease_owner LIKE ?) AS awaiting,
		min(lease_until) FILTER (WHERE lease_until > ? AND lease_owner LIKE ?) AS await_until
		FROM items WHERE workspace = ? AND state IN `+in, args...)
	if err != nil {
		return Pending{}, fmt.Errorf("pending work of %s: %w", workspace, err)
	}
	p := Pending{Backoff: row.Backoff, LeasedByOthers: row.Leased, Awaiting: row.Await}
	for _, f := range []struct {
		v   sql.NullString
		dst *time.Time
	}{{row.Next, &p.NextAttempt}, {row.Until, &p.AwaitUntil}} {
		if !f.v.Valid {
			continue
		}
		var t Time
		if err := t.Scan(f.v.String); err != nil {
			return Pending{}, err
		}
		*f.dst = t.Time
	}
	return p, nil
}

// Advance is where one claimed item ends after a leg of steps, and the way
// it went there.
type Advance struct {
	ItemID  int64
	Attempt int
	// Path lists the states the item passed through in order: Path[0] is the
	// state it was claimed in, the last is where it ends. Its length is 1
	// when the item stays where it was (a retry later, see Next).
	Path []State
	// Error is why the item failed (last state Failed) or is retried later.
	Error string
	// Next, when set, makes the item wait in its last state until then.
	Next time.Time
	// Text and Language, when set, replace the item's normalised text and
	// language (with LanguageScore).
	Text          *string
	Language      *string
	LanguageScore float64
	// Refund gives back the attempt the claim counted: the service was
	// down, the item not at fault.
	Refund bool
}

// AdvanceMany applies the outcome of a leg to many items at once. Each item
// moves as a compare-and-set: only if it is still in its Path[0] and, when
// owner is set, still leased by owner; its lease is released. Every step of
// every path is logged as an event, the way Transition logs one. It returns
// the ids that moved; the others were taken by another worker first. It is
// the engine's fast path: two statements per batch, whatever its size and
// however many steps the items passed.
func (tx *Tx) AdvanceMany(ctx context.Context, owner string, advs []Advance) ([]int64, error) {
	if len(advs) == 0 {
		return nil, nil
	}
	now := T(tx.now)
	var moved []int64
	err := chunks(advs, 11, func(part []Advance, values string) error {
		args := []any{now}
		for _, a := range part {
			if len(a.Path) == 0 {
				return fmt.Errorf("advance item %d: empty path", a.ItemID)
			}
			last := a.Path[len(a.Path)-1]
			failedFrom := State("")
			if last == Failed && len(a.Path) > 1 {
				failedFrom = a.Path[len(a.Path)-2]
			}
			var attempts any // NULL keeps counting: the same step again
			refund := 0
			switch {
			case len(a.Path) == 1:
				if a.Refund {
					refund = 1
				}
			case a.Refund:
				attempts = 0 // reached a new state, whose step has not really been tried
			case !a.Next.IsZero():
				attempts = 1 // reached a new state, and its step has been tried once
			default:
				attempts = 0
			}
			var lang, score any
			if a.Language != nil {
				lang, score = *a.Language, a.LanguageScore
			}
			args = append(args, a.ItemID, a.Path[0], last, failedFrom, a.Error, T(a.Next), attempts, a.Text, lang, score, refund)
		}
		args = append(args, owner, owner)
		var ids []int64
		err := tx.selectRows(ctx, &ids, `UPDATE items SET state = v.column3, failed_from = v.column4,
			last_error = v.column5, next_attempt_at = v.column6, attempts = coalesce(v.column7, max(items.attempts - v.column11, 0)),
			text = coalesce(v.column8, items.text), language = coalesce(v.column9, items.language),
			language_score = CASE WHEN v.column9 IS NULL THEN items.language_score ELSE v.column10 END,
			lease_owner = '', lease_until = NULL, updated_at = ?
			FROM (VALUES `+values+`) AS v
			WHERE items.id = v.column1 AND items.state = v.column2 AND (? = '' OR items.lease_owner = ?)
			RETURNING items.id`, args...)
		moved = append(moved, ids...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("advance items: %w", err)
	}
	done := make(map[int64]bool, len(moved))
	for _, id := range moved {
		done[id] = true
	}
	var events []Event
	for _, a := range advs {
		if !done[a.ItemID] {
			continue
		}
		if n := len(a.Path); n > 1 { // one row for the leg's transitions
			e := Event{ItemID: a.ItemID, From: a.Path[0], To: a.Path[n-1], Via: a.Path[1 : n-1], Attempt: a.Attempt, Worker: owner}
			if a.Next.IsZero() {
				e.Error = a.Error // the reason it failed
			}
			events = append(events, e)
		}
		if !a.Next.IsZero() { // a retry later: logged as a stay in the state
			last := a.Path[len(a.Path)-1]
			events = append(events, Event{ItemID: a.ItemID, From: last, To: last, Attempt: a.Attempt, Worker: owner, Error: a.Error})
		}
	}
	if err := tx.logEvents(ctx, events); err != nil {
		return nil, err
	}
	return moved, nil
}

// InsertItems is InsertItem for many items, a hundred rows per statement:
// the fast path of ingest. It reports, for each item, whether it was
// inserted, and sets the IDs of those that were.
func (tx *Tx) InsertItems(ctx context.Context, items []*Item) ([]bool, error) {
	now := T(tx.now)
	inserted := make([]bool, len(items))
	var events []Event
	var index []searchRow
	offset := 0
	err := chunks(items, 20, func(part []*Item, values string) error {
		args := make([]any, 0, 20*len(part))
		type key struct{ ws, src, raw, field string }
		at := make(map[key]int, len(part))
		for i, it := range part {
			if it.RawCreatedAt.IsZero() {
				it.RawCreatedAt = now
			}
			k := key{it.Workspace, it.Source, it.RawID, it.SourceField}
			if _, dup := at[k]; !dup {
				at[k] = offset + i // the first of repeats within a statement is the one inserted
			}
			args = append(args, it.Workspace, it.Source, it.Query, it.DateID, it.RunID, it.PageID, it.RawID,
				it.RawCreatedAt, it.SourceField, it.RawText, it.Text, it.Author, it.PublishedAt, it.URL, it.Language,
				it.Workflow, it.State, it.LastError, now, now)
		}
		var rows []struct {
			ID    int64  `db:"id"`
			WS    string `db:"workspace"`
			Src   string `db:"source"`
			Raw   string `db:"raw_id"`
			Field string `db:"source_field"`
		}
		err := tx.selectRows(ctx, &rows, `INSERT INTO items (workspace, source, query, date_id, run_id, page_id,
			raw_id, raw_created_at, source_field, raw_text, text, author, published_at, url, language, workflow,
			state, last_error, created_at, updated_at) VALUES `+values+`
			ON CONFLICT (workspace, source, raw_id, source_field) DO NOTHING
			RETURNING id, workspace, source, raw_id, source_field`, args...)
		if err != nil {
			return err
		}
		for _, r := range rows {
			i := at[key{r.WS, r.Src, r.Raw, r.Field}]
			it := items[i]
			it.ID, it.CreatedAt, it.UpdatedAt = r.ID, now, now
			inserted[i] = true
			events = append(events, Event{ItemID: r.ID, To: it.State, Error: it.LastError})
			index = append(index, searchRow{r.ID, it.RawText})
		}
		offset += len(part)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insert items: %w", err)
	}
	if err := tx.logEvents(ctx, events); err != nil {
		return nil, err
	}
	added := make([]*Item, 0, len(index))
	for i, it := range items {
		if inserted[i] {
			added = append(added, it)
		}
	}
	if err := tx.countInserted(ctx, added); err != nil {
		return nil, err
	}
	// Last and all together: a statement on another table after rows went
	// into item_search makes FTS5 write them out as a segment of their own.
	return inserted, tx.indexForSearch(ctx, index)
}
