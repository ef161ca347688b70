package workflow

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
)

// DefaultAlegreModel is the model key Alegre embeds with when neither the
// service nor the step names one: the original's.
const DefaultAlegreModel = "paraphrase-multilingual-mpnet-base-v2"

// How the original named its documents in Alegre (model-services.md §3.3).
const (
	alegreDocPrefix   = "timpani_"
	alegreContextType = "timpani_content_item_text"
	alegrePath        = "/text/similarity/"
	alegreSearchPath  = "/text/similarity/search/"
)

// alegreActions are what an Alegre similarity service runs: embed stores
// each item's text in Alegre, which keeps the vector; cluster asks Alegre
// for each item's similar items and places the item among them by timpani's
// own rules (see clusterBatch). Both share r, and so its limits and tally.
func alegreActions(r *remote, opt ActionOptions) map[string]Action {
	return map[string]Action{
		"embed":   &alegreEmbed{r: r},
		"cluster": &alegreCluster{r: r},
	}
}

// alegreContext scopes a document to a workspace, as the original did.
type alegreContext struct {
	Type        string `json:"type"`
	WorkspaceID string `json:"workspace_id"`
}

// alegreRequest is the body of Alegre's /text/similarity/ endpoints: store
// (text, doc_id, context, models), search (the same and threshold, limit)
// and delete (doc_id, context).
type alegreRequest struct {
	Text      string        `json:"text,omitempty"`
	DocID     string        `json:"doc_id"`
	Context   alegreContext `json:"context"`
	Models    []string      `json:"models,omitempty"`
	Threshold *float64      `json:"threshold,omitempty"`
	Limit     int           `json:"limit,omitempty"`
}

func alegreDoc(workspace string, itemID int64) alegreRequest {
	return alegreRequest{DocID: alegreDocPrefix + strconv.FormatInt(itemID, 10),
		Context: alegreContext{Type: alegreContextType, WorkspaceID: workspace}}
}

// alegreItemID is the item a document id names; ok is false for documents
// timpani did not store.
func alegreItemID(docID string) (int64, bool) {
	s, ok := strings.CutPrefix(docID, alegreDocPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// alegreParams are an Alegre step's parameters.
type alegreParams struct {
	model     string
	threshold float64
	limit     int // 0: Alegre's default
}

// parseAlegreParams reads the parameters of the named action; cluster
// takes threshold and limit besides model. An unset model is def.
func parseAlegreParams(action string, p map[string]any, def string) (alegreParams, error) {
	out := alegreParams{model: def, threshold: originalThreshold}
	known := []string{"model"}
	if action == "cluster" {
		known = append(known, "limit", "threshold")
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(p)) {
		v := p[k]
		if !slices.Contains(known, k) {
			errs = append(errs, fmt.Errorf("%s: unknown parameter %q (known: %s)", action, k, strings.Join(known, ", ")))
			continue
		}
		switch k {
		case "model":
			s, ok := v.(string)
			if !ok || s == "" {
				errs = append(errs, fmt.Errorf("%s: model must be an Alegre model key, not %v", action, v))
				continue
			}
			out.model = s
		case "threshold":
			f, ok := number(v)
			if !ok || f < 0 || f > 1 {
				errs = append(errs, fmt.Errorf("%s: threshold must be a number in [0, 1], not %v", action, v))
				continue
			}
			out.threshold = f
		case "limit":
			f, ok := number(v)
			if !ok || f != float64(int(f)) || f < 1 || f > 10000 {
				errs = append(errs, fmt.Errorf("%s: limit must be a whole number from 1 to 10000, not %v", action, v))
				continue
			}
			out.limit = int(f)
		}
	}
	return out, errors.Join(errs...)
}

// number reads a TOML number, which decodes as float64 or int64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	}
	return 0, false
}

// alegreModel is the model key steps of r use unless they name one.
func alegreModel(r *remote) string {
	return cmp.Or(r.cfg.Model, DefaultAlegreModel)
}

// eachItem runs fn on every item at once (the remote's semaphore bounds the
// requests), an item whose turn comes after ctx ends failing with its error.
func eachItem(ctx context.Context, items []store.Item, fn func(it store.Item) Result) []Result {
	out := make([]Result, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Go(func() {
			if err := ctx.Err(); err != nil {
				out[i] = Result{Err: err}
				return
			}
			out[i] = fn(it)
		})
	}
	wg.Wait()
	return out
}

// allFailed is a result per item, each failing with err.
func allFailed(n int, err error) []Result {
	out := make([]Result, n)
	for i := range out {
		out[i].Err = err
	}
	return out
}

// alegreEmbed stores each item's text in Alegre (POST /text/similarity/),
// which computes and keeps the vector: nothing is stored locally.
type alegreEmbed struct {
	r *remote
}

func (a *alegreEmbed) CheckParams(p map[string]any) error {
	_, err := parseAlegreParams("embed", p, "")
	return err
}

func (a *alegreEmbed) Apply(ctx context.Context, b Batch) []Result {
	p, err := parseAlegreParams("embed", b.Step.Params, alegreModel(a.r))
	if err != nil {
		return allFailed(len(b.Items), Permanent(err))
	}
	return eachItem(ctx, b.Items, func(it store.Item) Result {
		txt := textOf(it)
		if strings.TrimSpace(txt) == "" {
			return Result{Err: fmt.Errorf("no text to embed: %w", ErrUnusable)}
		}
		req := alegreDoc(b.Workspace, it.ID)
		req.Text, req.Models = txt, []string{p.model}
		var out struct {
			Success bool `json:"success"`
		}
		if err := a.r.call(ctx, http.MethodPost, alegrePath, req, &out); err != nil {
			return Result{Err: err}
		}
		if !out.Success {
			// Alegre says OpenSearch neither created nor updated it.
			return Result{Err: &StepError{Retryable: true, Err: fmt.Errorf("%s: store %s: not stored (success false)", a.r.cfg.Name, req.DocID)}}
		}
		return Result{}
	})
}

// Forget deletes expired items' documents from Alegre. A document already
// gone (404) is fine; other failures are reported together.
func (a *alegreEmbed) Forget(ctx context.Context, workspace string, itemIDs []int64) error {
	var mu sync.Mutex
	var failed []int64
	var errs []error
	var wg sync.WaitGroup
	for _, id := range itemIDs {
		wg.Go(func() {
			err := a.r.call(ctx, http.MethodDelete, alegrePath, alegreDoc(workspace, id), nil)
			var he *HTTPError
			if err == nil || (errors.As(err, &he) && he.Status == http.StatusNotFound) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			failed = append(failed, id)
			errs = append(errs, fmt.Errorf("item %d: %w", id, err))
		})
	}
	wg.Wait()
	if len(errs) == 0 {
		return nil
	}
	// The first few, in id order, say enough.
	order := make([]int, len(errs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return cmp.Compare(failed[x], failed[y]) })
	var some []error
	for _, i := range order[:min(3, len(order))] {
		some = append(some, errs[i])
	}
	return fmt.Errorf("%s: delete %d of %d expired items' documents: %w", a.r.cfg.Name, len(errs), len(itemIDs), errors.Join(some...))
}

func (a *alegreEmbed) drainHealth() (store.ServiceHealth, bool) { return a.r.drainHealth() }

// alegreCluster asks Alegre for each item's similar items (POST
// /text/similarity/search/) outside the transaction, then places the items
// inside it exactly as the built-in cluster action does, among the matches
// Alegre found instead of the local index's. Its clusters carry the Alegre
// model key as their model, so they never mix with other models' clusters.
type alegreCluster struct {
	r *remote
}

func (a *alegreCluster) CheckParams(p map[string]any) error {
	_, err := parseAlegreParams("cluster", p, "")
	return err
}

// alegreHit is one search result; id is the document id ("timpani_7"),
// score the cosine similarity + 1. Older answers carry them as _id and
// _score only.
type alegreHit struct {
	ID       string   `json:"id"`
	RawID    string   `json:"_id"`
	Score    *float64 `json:"score"`
	RawScore *float64 `json:"_score"`
}

func (a *alegreCluster) Apply(ctx context.Context, b Batch) []Result {
	p, err := parseAlegreParams("cluster", b.Step.Params, alegreModel(a.r))
	if err != nil {
		return allFailed(len(b.Items), Permanent(err))
	}
	return eachItem(ctx, b.Items, func(it store.Item) Result {
		txt := textOf(it)
		if strings.TrimSpace(txt) == "" {
			return Result{Err: fmt.Errorf("no text to search with: %w", ErrUnusable)}
		}
		req := alegreDoc(b.Workspace, it.ID)
		req.Text, req.Models, req.Threshold, req.Limit = txt, []string{p.model}, &p.threshold, p.limit
		var out struct {
			Result *[]alegreHit    `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := a.r.call(ctx, http.MethodPost, alegreSearchPath, req, &out); err != nil {
			return Result{Err: err}
		}
		if out.Result == nil {
			if len(out.Error) > 0 && string(out.Error) != "null" {
				return Result{Err: Permanent(fmt.Errorf("%s: search %s: %s", a.r.cfg.Name, req.DocID, snippet(out.Error)))}
			}
			return Result{Err: &StepError{Retryable: true, Err: fmt.Errorf("%s: search %s: answer has no result", a.r.cfg.Name, req.DocID)}}
		}
		var matches []clustering.Match
		for _, h := range *out.Result {
			id, ok := alegreItemID(cmp.Or(h.ID, h.RawID))
			score := cmp.Or(h.Score, h.RawScore)
			if !ok || id == it.ID || score == nil {
				continue // someone else's document, or the item itself
			}
			matches = append(matches, clustering.Match{ID: id, Score: *score - 1})
		}
		return Result{Matches: matches}
	})
}

// ApplyTx places each item among the matches Apply found for it, with the
// built-in cluster action's rules: an exact copy joins its twin's cluster;
// otherwise the best match at or above the threshold wins (by similarity,
// then cluster size, then id), and an unclustered best match forms a pair
// with the item. Alegre keeps the vectors, so the clusters have no vector
// sum and their exemplar is their first member.
func (a *alegreCluster) ApplyTx(ctx context.Context, tx *store.Tx, b Batch, _ [][]store.Vector) error {
	p, err := parseAlegreParams("cluster", b.Step.Params, alegreModel(a.r))
	if err != nil {
		return err
	}
	if len(b.Results) != len(b.Items) {
		return fmt.Errorf("cluster: %d search results for %d items", len(b.Results), len(b.Items))
	}
	cb := newClusterBatch(tx, clusterParams{model: p.model, threshold: p.threshold}, b.Workspace)
	cb.remote = true
	cb.matches = make(map[int64][]clustering.Match, len(b.Items))
	ids := make([]int64, len(b.Items))
	for i, it := range b.Items {
		ids[i] = it.ID
		cb.matches[it.ID] = b.Results[i].Matches
	}
	return cb.run(ctx, b.Items, ids)
}

func (a *alegreCluster) drainHealth() (store.ServiceHealth, bool) { return a.r.drainHealth() }
