package ui

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/timpani-dev/timpani/store"
)

const (
	countBound  = 10000 // lists count exactly up to this, then say "10,000+"
	defaultPer  = 50
	maxPer      = 500
	sparkDays   = 30
	sampleItems = 2000 // a cluster's latest members, or a keyword's latest items, that breakdowns count
	// filteredCountBound bounds counts of filtered clusters: each cluster
	// passed over costs a lookup.
	filteredCountBound = 1000
)

// paging is a page of a list: 1-based number and size.
type paging struct {
	Page int  `json:"page"`
	Per  int  `json:"per_page"`
	More bool `json:"more"`
}

func (p paging) offset() int { return (p.Page - 1) * p.Per }

func pagingOf(q url.Values) (paging, error) {
	p := paging{Page: 1, Per: defaultPer}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return p, fmt.Errorf("page %q: want a number from 1: %w", v, errBadInput)
		}
		p.Page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPer {
			return p, fmt.Errorf("per_page %q: want 1 to %d: %w", v, maxPer, errBadInput)
		}
		p.Per = n
	}
	return p, nil
}

// fetchMore asks for one row more than a page, to know if there is a next.
func (p *paging) fetchMore() int { return p.Per + 1 }

func trimPage[T any](p *paging, rows []T) []T {
	if len(rows) > p.Per {
		p.More = true
		return rows[:p.Per]
	}
	return rows
}

func dateParam(q url.Values, key string, endOfDay bool) (time.Time, error) {
	v := strings.TrimSpace(q.Get(key))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want a date like 2024-01-31: %w", key, v, errBadInput)
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1) // "to 2024-01-31" includes that day
	}
	return t, nil
}

func intParam(q url.Values, key string) (int, error) {
	v := strings.TrimSpace(q.Get(key))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s %q: want a whole number: %w", key, v, errBadInput)
	}
	return n, nil
}

func idParam(r *http.Request, key string) (int64, error) {
	v := chi.URLParam(r, key)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("%s %q is not an id: %w", key, v, store.ErrNotFound)
	}
	return id, nil
}

// pathParam is a URL parameter decoded: chi hands over the raw path's
// escapes when the request had any (%C3%B3, %23).
func pathParam(r *http.Request, key string) (string, error) {
	v, err := url.PathUnescape(chi.URLParam(r, key))
	if err != nil {
		return "", fmt.Errorf("%s in the path: %w", key, errBadInput)
	}
	return v, nil
}

func itemFilterOf(ws string, q url.Values) (store.ItemFilter, error) {
	f := store.ItemFilter{Workspace: ws, Search: strings.TrimSpace(q.Get("q")), Source: q.Get("source"),
		Query: q.Get("query"), Language: q.Get("language"), State: store.State(q.Get("state")),
		Keyword: q.Get("keyword"), KeywordModel: q.Get("model")}
	var err error
	if f.From, err = dateParam(q, "from", false); err != nil {
		return f, err
	}
	if f.To, err = dateParam(q, "to", true); err != nil {
		return f, err
	}
	if v := q.Get("cluster"); v != "" {
		if f.ClusterID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return f, fmt.Errorf("cluster %q is not an id: %w", v, errBadInput)
		}
	}
	return f, nil
}

func clusterFilterOf(ws string, q url.Values) (store.ClusterFilter, error) {
	f := store.ClusterFilter{Workspace: ws, Source: q.Get("source"), Query: q.Get("query"),
		Language: q.Get("language"), Keyword: q.Get("keyword"), Order: store.ClusterSort(q.Get("sort"))}
	var err error
	if f.From, err = dateParam(q, "from", false); err != nil {
		return f, err
	}
	if f.To, err = dateParam(q, "to", true); err != nil {
		return f, err
	}
	if f.MinSize, err = intParam(q, "min_size"); err != nil {
		return f, err
	}
	if f.MinUnique, err = intParam(q, "min_unique"); err != nil {
		return f, err
	}
	return f, nil
}

func keywordFilterOf(ws string, q url.Values) (store.KeywordFilter, error) {
	f := store.KeywordFilter{Workspace: ws, Model: q.Get("model"), Prefix: strings.TrimSpace(q.Get("prefix"))}
	switch q.Get("sort") {
	case "", "items":
	case "trend":
		f.ByTrend = true
	default:
		return f, fmt.Errorf("sort %q: want items or trend: %w", q.Get("sort"), errBadInput)
	}
	return f, nil
}

// clusterRow is a cluster as lists show it: with its exemplar's text and
// recent days for a sparkline.
type clusterRow struct {
	*store.Cluster
	Exemplar string         `json:"exemplar"`
	Days     map[string]int `json:"days"`
}

func (s *Server) clusterRows(r *http.Request, cs []*store.Cluster) ([]clusterRow, error) {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	days, err := s.opt.DB.ClusterDaysOf(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	rows := make([]clusterRow, len(cs))
	for i, c := range cs {
		rows[i] = clusterRow{Cluster: c, Days: days[c.ID]}
		if c.ExemplarItemID != 0 {
			if it, err := s.opt.DB.Item(r.Context(), c.ExemplarItemID); err == nil {
				rows[i].Exemplar = textOf(it)
			}
		}
	}
	return rows, nil
}

func textOf(it store.Item) string {
	if it.Text != "" {
		return it.Text
	}
	return it.RawText
}

// latestDay is the last day on a workspace's timeline; sparklines end there.
func latestDay(tl []store.Bucket) string {
	if len(tl) == 0 {
		return time.Now().UTC().Format(time.DateOnly)
	}
	return tl[len(tl)-1].Label
}

type overviewPage struct {
	Items        int                 `json:"items"`
	Timeline     []store.Bucket      `json:"items_per_day"`
	Clusters     store.Count         `json:"clusters"`
	Emerging     []clusterRow        `json:"emerging_clusters"`
	Keywords     []store.KeywordStat `json:"emerging_keywords"`
	Fetches      []store.Run         `json:"recent_fetches"`
	LastDay      string              `json:"last_day"`
	Chart        template.HTML       `json:"-"`
	FailureCount int                 `json:"failed_items"`
}

func (s *Server) overview(r *http.Request) (any, error) {
	ctx, ws := r.Context(), chi.URLParam(r, "ws")
	p := overviewPage{}
	var err error
	tl, err := s.opt.DB.ItemTimeline(ctx, store.ItemFilter{Workspace: ws}, false)
	if err != nil {
		return nil, err
	}
	p.Timeline = tl.Buckets
	for _, b := range p.Timeline {
		p.Items += b.Items
	}
	if p.Clusters, err = s.opt.DB.CountClusters(ctx, store.ClusterFilter{Workspace: ws, MinSize: 2}, countBound); err != nil {
		return nil, err
	}
	emerging, err := s.opt.DB.ListClusterPage(ctx, store.ClusterFilter{Workspace: ws, MinSize: 2, Order: store.SortTrend}, 10, 0)
	if err != nil {
		return nil, err
	}
	var rising []*store.Cluster
	for _, c := range emerging {
		if c.Trend > 0 {
			rising = append(rising, c)
		}
	}
	if p.Emerging, err = s.clusterRows(r, rising); err != nil {
		return nil, err
	}
	if p.Keywords, err = s.opt.DB.ListKeywords(ctx, store.KeywordFilter{Workspace: ws, ByTrend: true}, 20, 0); err != nil {
		return nil, err
	}
	if p.Fetches, err = s.opt.DB.Runs(ctx, store.RunFilter{Workspace: ws, Kind: "fetch", Limit: 10}); err != nil {
		return nil, err
	}
	states, err := s.opt.DB.StateCounts(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range states {
		if c.Workspace == ws && c.State == store.Failed {
			p.FailureCount = c.Items
		}
	}
	p.LastDay = latestDay(p.Timeline)
	if len(p.Timeline) > 0 {
		p.Chart = BarChart(FillDays(bucketMap(p.Timeline), p.Timeline[0].Label, p.LastDay),
			ChartOptions{Width: 900, Height: 220})
	}
	return p, nil
}

func sortBuckets(bs []store.Bucket) {
	slices.SortFunc(bs, func(a, b store.Bucket) int { return strings.Compare(a.Label, b.Label) })
}

func bucketMap(bs []store.Bucket) map[string]int {
	m := make(map[string]int, len(bs))
	for _, b := range bs {
		m[b.Label] = b.Items
	}
	return m
}

type clustersPage struct {
	Filter   store.ClusterFilter `json:"filter"`
	Sorts    []store.ClusterSort `json:"-"`
	Clusters []clusterRow        `json:"clusters"`
	Count    store.Count         `json:"count"`
	Paging   paging              `json:"paging"`
	LastDay  string              `json:"last_day"`
}

func (s *Server) clusters(r *http.Request) (any, error) {
	ctx, ws := r.Context(), chi.URLParam(r, "ws")
	f, err := clusterFilterOf(ws, r.URL.Query())
	if err != nil {
		return nil, err
	}
	pg, err := pagingOf(r.URL.Query())
	if err != nil {
		return nil, err
	}
	// A keyword is looked up once for the list and the count.
	if f, err = s.opt.DB.ResolveClusterMatches(ctx, f); err != nil {
		return nil, err
	}
	cs, err := s.opt.DB.ListClusterPage(ctx, f, pg.fetchMore(), pg.offset())
	if err != nil {
		return nil, err
	}
	cs = trimPage(&pg, cs)
	p := clustersPage{Filter: f, Sorts: store.ClusterSorts, Paging: pg}
	if p.Clusters, err = s.clusterRows(r, cs); err != nil {
		return nil, err
	}
	bound := countBound
	if f.HasMemberFilter() || !f.From.IsZero() || !f.To.IsZero() || f.MinUnique > 0 {
		bound = filteredCountBound
	}
	if p.Count, err = s.opt.DB.CountClusters(ctx, f, bound); err != nil {
		return nil, err
	}
	tl, err := s.opt.DB.ItemTimeline(ctx, store.ItemFilter{Workspace: ws}, false)
	if err != nil {
		return nil, err
	}
	p.LastDay = latestDay(tl.Buckets)
	return p, nil
}

type comparePage struct {
	Clusters []clusterRow  `json:"clusters"`
	Chart    template.HTML `json:"-"`
}

func (s *Server) compare(r *http.Request) (any, error) {
	ctx, ws := r.Context(), chi.URLParam(r, "ws")
	var cs []*store.Cluster
	for _, v := range r.URL.Query()["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("cluster id %q: %w", v, errBadInput)
		}
		c, err := s.opt.DB.Cluster(ctx, id)
		if err != nil || c.Workspace != ws {
			return nil, fmt.Errorf("cluster %d in %s: %w", id, ws, store.ErrNotFound)
		}
		cs = append(cs, c)
		if len(cs) == 8 {
			break // more lines than colours is unreadable
		}
	}
	rows, err := s.clusterRows(r, cs)
	if err != nil {
		return nil, err
	}
	p := comparePage{Clusters: rows}
	if len(rows) > 0 {
		first, last := "", ""
		for _, c := range rows {
			for d := range c.Days {
				if first == "" || d < first {
					first = d
				}
				if d > last {
					last = d
				}
			}
		}
		series := make([]Series, len(rows))
		for i, c := range rows {
			series[i] = Series{Name: fmt.Sprintf("#%d %s", c.ID, clipText(c.Exemplar, 40)),
				Href: fmt.Sprintf("/w/%s/clusters/%d", url.PathEscape(ws), c.ID), Points: FillDays(c.Days, first, last)}
		}
		p.Chart = LineChart(series, ChartOptions{Width: 900, Height: 300, Title: "Items per day"})
	}
	return p, nil
}

type clusterPage struct {
	Cluster     *store.Cluster           `json:"cluster"`
	Exemplar    *store.Item              `json:"exemplar,omitempty"`
	Timeline    []store.Bucket           `json:"items_per_day"`
	Members     []store.Item             `json:"members"`
	Paging      paging                   `json:"paging"`
	Facets      map[string][]store.Facet `json:"facets"`
	Keywords    []store.KeywordCount     `json:"keywords"`
	Sampled     bool                     `json:"breakdowns_sampled"`
	Merges      []store.MergeRecord      `json:"merges"`
	RedirectTo  int64                    `json:"merged_into,omitempty"`
	Chart       template.HTML            `json:"-"`
	SampleLimit int                      `json:"-"`
}

func (s *Server) cluster(r *http.Request) (any, error) {
	ctx, ws := r.Context(), chi.URLParam(r, "ws")
	id, err := idParam(r, "id")
	if err != nil {
		return nil, err
	}
	c, err := s.opt.DB.Cluster(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Workspace != ws {
		return nil, fmt.Errorf("cluster %d in %s: %w", id, ws, store.ErrNotFound)
	}
	p := clusterPage{Cluster: c, SampleLimit: sampleItems}
	if c.MergedInto != 0 {
		// The absorbed cluster's page says where its members went.
		p.RedirectTo = c.MergedInto
		p.Merges, err = s.opt.DB.MergesOf(ctx, id)
		return p, err
	}
	pg, err := pagingOf(r.URL.Query())
	if err != nil {
		return nil, err
	}
	members, err := s.opt.DB.ListItems(ctx, store.ItemFilter{Workspace: ws, ClusterID: id}, store.NewestFirst, pg.fetchMore(), pg.offset())
	if err != nil {
		return nil, err
	}
	p.Members, p.Paging = trimPage(&pg, members), pg
	if c.ExemplarItemID != 0 {
		if it, err := s.opt.DB.Item(ctx, c.ExemplarItemID); err == nil {
			p.Exemplar = &it
		}
	}
	days, err := s.opt.DB.ClusterDaysOf(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	for d, n := range days[id] {
		p.Timeline = append(p.Timeline, store.Bucket{Label: d, Items: n})
	}
	sortBuckets(p.Timeline)
	if len(p.Timeline) > 0 {
		p.Chart = BarChart(FillDays(days[id], p.Timeline[0].Label, p.Timeline[len(p.Timeline)-1].Label),
			ChartOptions{Width: 900, Height: 200, Title: "Members per published day"})
	}
	if p.Facets, err = s.opt.DB.ClusterFacets(ctx, id, sampleItems); err != nil {
		return nil, err
	}
	if p.Keywords, err = s.opt.DB.ClusterKeywords(ctx, id, sampleItems, 30); err != nil {
		return nil, err
	}
	p.Sampled = c.Size > sampleItems
	if p.Merges, err = s.opt.DB.MergesOf(ctx, id); err != nil {
		return nil, err
	}
	return p, nil
}

type contentPage struct {
	Filter   store.ItemFilter `json:"filter"`
	Order    store.ItemOrder  `json:"order"`
	Hourly   bool             `json:"hourly"`
	Items    []store.Item     `json:"items"`
	Count    store.Count      `json:"count"`
	Paging   paging           `json:"paging"`
	Timeline store.Timeline   `json:"timeline"`
	Chart    template.HTML    `json:"-"`
	Cap      int              `json:"-"`
}

func (s *Server) content(r *http.Request) (any, error) {
	ctx, ws, q := r.Context(), chi.URLParam(r, "ws"), r.URL.Query()
	f, err := itemFilterOf(ws, q)
	if err != nil {
		return nil, err
	}
	pg, err := pagingOf(q)
	if err != nil {
		return nil, err
	}
	// The search and keyword run once for the list, the count and the timeline.
	if f, err = s.opt.DB.ResolveMatches(ctx, f); err != nil {
		return nil, err
	}
	p := contentPage{Filter: f, Order: store.ItemOrder(q.Get("order")), Hourly: q.Get("by") == "hour", Cap: store.MatchCap}
	if p.Order == "" {
		p.Order = store.NewestFirst
	}
	items, err := s.opt.DB.ListItems(ctx, f, p.Order, pg.fetchMore(), pg.offset())
	if err != nil {
		return nil, err
	}
	p.Items, p.Paging = trimPage(&pg, items), pg
	if p.Count, err = s.opt.DB.CountItems(ctx, f, countBound); err != nil {
		return nil, err
	}
	if p.Timeline, err = s.opt.DB.ItemTimeline(ctx, f, p.Hourly); err != nil {
		return nil, err
	}
	if bs := p.Timeline.Buckets; len(bs) > 0 && !p.Hourly {
		p.Chart = BarChart(FillDays(bucketMap(bs), bs[0].Label, bs[len(bs)-1].Label),
			ChartOptions{Width: 900, Height: 180, Title: "Matching items per day"})
	} else if len(bs) > 0 {
		points := make([]Point, len(bs))
		for i, b := range bs {
			points[i] = Point{Label: b.Label, Value: b.Items}
		}
		p.Chart = BarChart(points, ChartOptions{Width: 900, Height: 180, Title: "Matching items per hour"})
	}
	return p, nil
}

type itemPage struct {
	Item     store.Item      `json:"item"`
	Cluster  *store.Cluster  `json:"cluster,omitempty"`
	Events   []store.Event   `json:"transitions"`
	Keywords []store.Keyword `json:"keywords"`
	Raw      json.RawMessage `json:"raw_record,omitempty"`
	RawError string          `json:"raw_error,omitempty"`
	RawText  string          `json:"-"`
	Embeds   bool            `json:"-"`
}

func (s *Server) item(r *http.Request) (any, error) {
	ctx, ws := r.Context(), chi.URLParam(r, "ws")
	id, err := idParam(r, "id")
	if err != nil {
		return nil, err
	}
	it, err := s.opt.DB.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	if it.Workspace != ws {
		return nil, fmt.Errorf("item %d in %s: %w", id, ws, store.ErrNotFound)
	}
	p := itemPage{Item: it, Embeds: s.opt.Embeds}
	if it.ClusterID.Valid {
		if p.Cluster, err = s.opt.DB.Cluster(ctx, it.ClusterID.Int64); err != nil {
			return nil, err
		}
	}
	if p.Events, err = s.opt.DB.Events(ctx, id); err != nil {
		return nil, err
	}
	if p.Keywords, err = s.opt.DB.Keywords(ctx, id); err != nil {
		return nil, err
	}
	raw, err := s.opt.Actions.RawRecord(ctx, it)
	if err != nil {
		p.RawError = err.Error()
	} else {
		p.Raw = raw
		var pretty strings.Builder
		var v any
		if json.Unmarshal(raw, &v) == nil {
			b, _ := json.MarshalIndent(v, "", "  ")
			pretty.Write(b)
		}
		p.RawText = pretty.String()
	}
	return p, nil
}

type keywordsPage struct {
	Filter   store.KeywordFilter `json:"filter"`
	Models   []string            `json:"models"`
	Keywords []store.KeywordStat `json:"keywords"`
	Count    store.Count         `json:"count"`
	Paging   paging              `json:"paging"`
}

func (s *Server) keywords(r *http.Request) (any, error) {
	ctx, ws := r.Context(), chi.URLParam(r, "ws")
	f, err := keywordFilterOf(ws, r.URL.Query())
	if err != nil {
		return nil, err
	}
	pg, err := pagingOf(r.URL.Query())
	if err != nil {
		return nil, err
	}
	p := keywordsPage{Filter: f}
	if p.Models, err = s.opt.DB.KeywordModels(ctx, ws); err != nil {
		return nil, err
	}
	kws, err := s.opt.DB.ListKeywords(ctx, f, pg.fetchMore(), pg.offset())
	if err != nil {
		return nil, err
	}
	p.Keywords, p.Paging = trimPage(&pg, kws), pg
	if p.Count, err = s.opt.DB.CountKeywords(ctx, f, countBound); err != nil {
		return nil, err
	}
	return p, nil
}

type keywordPage struct {
	Keyword  store.KeywordStat    `json:"keyword"`
	Timeline []store.Bucket       `json:"items_per_day"`
	Clusters []clusterShareRow    `json:"clusters"`
	Items    []store.Item         `json:"recent_items"`
	Chart    template.HTML        `json:"-"`
	Sample   int                  `json:"clusters_from_first_items"`
	Related  []store.KeywordCount `json:"-"`
}

type clusterShareRow struct {
	store.ClusterShare
	Size     int    `json:"size"`
	Exemplar string `json:"exemplar"`
}

func (s *Server) keyword(r *http.Request) (any, error) {
	ctx, ws := r.Context(), chi.URLParam(r, "ws")
	model, err := pathParam(r, "model")
	if err != nil {
		return nil, err
	}
	kw, err := pathParam(r, "keyword")
	if err != nil {
		return nil, err
	}
	k, err := s.opt.DB.KeywordStatOf(ctx, ws, model, kw)
	if err != nil {
		return nil, err
	}
	p := keywordPage{Keyword: k, Sample: sampleItems}
	days, err := s.opt.DB.KeywordDays(ctx, ws, model, kw)
	if err != nil {
		return nil, err
	}
	for d, n := range days {
		p.Timeline = append(p.Timeline, store.Bucket{Label: d, Items: n})
	}
	sortBuckets(p.Timeline)
	if len(p.Timeline) > 0 {
		p.Chart = BarChart(FillDays(days, p.Timeline[0].Label, p.Timeline[len(p.Timeline)-1].Label),
			ChartOptions{Width: 900, Height: 200, Title: "Items per published day"})
	}
	shares, err := s.opt.DB.KeywordClusters(ctx, ws, model, kw, sampleItems, 20)
	if err != nil {
		return nil, err
	}
	for _, sh := range shares {
		row := clusterShareRow{ClusterShare: sh}
		if c, err := s.opt.DB.Cluster(ctx, sh.ClusterID); err == nil {
			row.Size = c.Size
			if it, err := s.opt.DB.Item(ctx, c.ExemplarItemID); err == nil {
				row.Exemplar = textOf(it)
			}
		}
		p.Clusters = append(p.Clusters, row)
	}
	if p.Items, err = s.opt.DB.ListItems(ctx, store.ItemFilter{Workspace: ws, Keyword: kw, KeywordModel: model},
		store.NewestFirst, 20, 0); err != nil {
		return nil, err
	}
	return p, nil
}

type similarPage struct {
	Text  string        `json:"text"`
	Hits  []similarItem `json:"items"`
	Error string        `json:"error,omitempty"`
}

type similarItem struct {
	Score float64    `json:"score"`
	Item  store.Item `json:"item"`
}

func (s *Server) similar(r *http.Request) (any, error) {
	ctx, ws := r.Context(), chi.URLParam(r, "ws")
	p := similarPage{Text: strings.TrimSpace(r.URL.Query().Get("text"))}
	if p.Text == "" {
		return p, nil
	}
	if len(p.Text) > 20000 {
		return nil, fmt.Errorf("text is %d bytes; at most 20000: %w", len(p.Text), errBadInput)
	}
	hits, err := s.opt.Actions.Similar(ctx, ws, p.Text, 20)
	if err != nil {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			return nil, fmt.Errorf("%w: %w", err, errBadInput)
		}
		p.Error = err.Error()
		return p, nil
	}
	for _, h := range hits {
		it, err := s.opt.DB.Item(ctx, h.ItemID)
		if err != nil {
			continue // expired since the index was searched
		}
		p.Hits = append(p.Hits, similarItem{Score: h.Score, Item: it})
	}
	return p, nil
}

type statusPage struct {
	States   []store.StateCount   `json:"states"`
	ByDay    []store.StateDay     `json:"states_by_fetch_day"`
	Runs     []store.Run          `json:"runs"`
	Failures []store.FailureCount `json:"failures"`
	Failed   []store.Item         `json:"failed_items"`
	Steps    []string             `json:"workflow_states"`
	Diagram  string               `json:"workflow_mermaid"`
	Services []ServiceHealth      `json:"services"`
	Flash    string               `json:"-"`
}

func (s *Server) status(r *http.Request) (any, error) {
	ctx, ws := r.Context(), chi.URLParam(r, "ws")
	p := statusPage{Flash: r.URL.Query().Get("done")}
	all, err := s.opt.DB.StateCounts(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.Workspace == ws {
			p.States = append(p.States, c)
		}
	}
	if p.ByDay, err = s.opt.DB.StateDays(ctx, ws, 14); err != nil {
		return nil, err
	}
	if p.Runs, err = s.opt.DB.Runs(ctx, store.RunFilter{Workspace: ws, Limit: 30}); err != nil {
		return nil, err
	}
	if p.Failures, err = s.opt.DB.FailuresIn(ctx, ws, 50); err != nil {
		return nil, err
	}
	if p.Failed, err = s.opt.DB.FailedItems(ctx, ws, 20); err != nil {
		return nil, err
	}
	p.Steps, p.Diagram = s.opt.Actions.Workflow(ws)
	p.Services = s.opt.Actions.Services(ws)
	return p, nil
}

// retry is the status page's retry form: all failed items, or one.
func (s *Server) retry(w http.ResponseWriter, r *http.Request) {
	ws := chi.URLParam(r, "ws")
	if err := s.checkCSRF(r, ws); err != nil {
		s.fail(w, r, err)
		return
	}
	var ids []int64
	if v := r.PostFormValue("item"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.fail(w, r, fmt.Errorf("item %q: %w", v, errBadInput))
			return
		}
		ids = []int64{id}
	}
	n, err := s.opt.Actions.Retry(r.Context(), ws, ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := fmt.Sprintf("%d failed items sent back to retry", n)
	http.Redirect(w, r, "/w/"+url.PathEscape(ws)+"/status?done="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (s *Server) merge(w http.ResponseWriter, r *http.Request) {
	ws := chi.URLParam(r, "ws")
	if err := s.checkCSRF(r, ws); err != nil {
		s.fail(w, r, err)
		return
	}
	msg, err := s.opt.Actions.Merge(r.Context(), ws)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/w/"+url.PathEscape(ws)+"/status?done="+url.QueryEscape(msg), http.StatusSeeOther)
}
