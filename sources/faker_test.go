package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var fakerDay0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// newTestFaker builds a faker through New, as the config does.
func newTestFaker(tb testing.TB, opts FakerOptions) Source {
	tb.Helper()
	src, err := New("faker", func(v any) error {
		*v.(*FakerOptions) = opts
		return nil
	})
	if err != nil {
		tb.Fatalf("New(faker, %+v) = %v", opts, err)
	}
	return src
}

func dayQuery(name string, day int) Query {
	start := fakerDay0.AddDate(0, 0, day)
	return Query{Name: name, Start: start, End: start.AddDate(0, 0, 1)}
}

// fetchAll returns every record of the window, in page order.
func fetchAll(tb testing.TB, src Source, q Query) []Record {
	tb.Helper()
	return slices.Concat(fetchPages(tb, src, q)...)
}

// fetchPages follows the cursors from the first page to the last, checking
// that no page is empty and that Total never changes and is right.
func fetchPages(tb testing.TB, src Source, q Query) [][]Record {
	tb.Helper()
	var pages [][]Record
	cursor, total, n := "", -1, 0
	for {
		p, err := src.Fetch(tb.Context(), q, cursor)
		if err != nil {
			tb.Fatalf("Fetch(%v, %q) = %v", q, cursor, err)
		}
		if total >= 0 && p.Total != total {
			tb.Fatalf("Fetch(%q): Total = %d; an earlier page said %d", cursor, p.Total, total)
		}
		total = p.Total
		if len(p.Records) == 0 && p.Total > 0 {
			tb.Fatalf("Fetch(%q) gave an empty page of a window of %d", cursor, p.Total)
		}
		pages = append(pages, p.Records)
		n += len(p.Records)
		if len(pages) > total+1 {
			tb.Fatalf("more pages (%d) than posts (%d)", len(pages), total)
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if n != total {
		tb.Fatalf("fetched %d records; Total = %d", n, total)
	}
	return pages
}

func decodePosts(tb testing.TB, recs []Record) []fakerPost {
	tb.Helper()
	posts := make([]fakerPost, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Data, &posts[i]); err != nil {
			tb.Fatalf("record %s: %v: %s", r.ID, err, r.Data)
		}
		if posts[i].ID != r.ID {
			tb.Fatalf("record %s has JSON id %q", r.ID, posts[i].ID)
		}
	}
	return posts
}

func TestFakerKind(t *testing.T) {
	if got := newTestFaker(t, FakerOptions{}).Kind(); got != "faker" {
		t.Errorf("Kind() = %q; want faker", got)
	}
}

func TestFakerOptions(t *testing.T) {
	all := FakerLanguages()
	tests := []struct {
		name    string
		opts    FakerOptions
		want    *faker   // seed, itemsPerDay, pageSize
		langs   []string // enabled languages
		wantErr []string // substrings of the error
	}{
		{name: "defaults", opts: FakerOptions{},
			want: &faker{seed: 1, itemsPerDay: 300, pageSize: 100}, langs: all},
		{name: "explicit", opts: FakerOptions{Seed: -7, ItemsPerDay: 10, PageSize: 3, Languages: []string{"ja", "EN"}},
			want: &faker{seed: -7, itemsPerDay: 10, pageSize: 3}, langs: []string{"en", "ja"}},
		{name: "negative items", opts: FakerOptions{ItemsPerDay: -1},
			wantErr: []string{"faker: items_per_day must be >= 0"}},
		{name: "too many items", opts: FakerOptions{ItemsPerDay: fakerMaxItemsPerDay + 1},
			wantErr: []string{"faker: items_per_day must be >= 0 and <= 10000000"}},
		{name: "negative page size", opts: FakerOptions{PageSize: -5},
			wantErr: []string{"faker: page_size must be >= 0"}},
		{name: "unknown language", opts: FakerOptions{Languages: []string{"en", "xx"}},
			wantErr: []string{`unsupported language "xx"`, "supported: en, es"}},
		{name: "every problem at once", opts: FakerOptions{ItemsPerDay: -1, PageSize: -1, Languages: []string{"klingon"}},
			wantErr: []string{"items_per_day", "page_size", `"klingon"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := buildFaker(tt.opts)
			if wantBuildErr(t, fmt.Sprintf("buildFaker(%+v)", tt.opts), err, tt.wantErr) {
				return
			}
			if f.seed != tt.want.seed || f.itemsPerDay != tt.want.itemsPerDay || f.pageSize != tt.want.pageSize {
				t.Errorf("buildFaker(%+v) = seed %d, items %d, page %d; want %d, %d, %d", tt.opts,
					f.seed, f.itemsPerDay, f.pageSize, tt.want.seed, tt.want.itemsPerDay, tt.want.pageSize)
			}
			var got []string
			for _, l := range f.langs {
				got = append(got, l.code)
			}
			if !slices.Equal(got, tt.langs) {
				t.Errorf("buildFaker(%+v) languages = %v; want %v", tt.opts, got, tt.langs)
			}
		})
	}

	t.Run("decode error", func(t *testing.T) {
		bad := errors.New("seed: not an integer")
		_, err := New("faker", func(any) error { return bad })
		if !errors.Is(err, bad) {
			t.Errorf("New(faker, failing decode) = %v; want it to wrap %v", err, bad)
		}
	})
	t.Run("nil decode", func(t *testing.T) {
		if _, err := New("faker", nil); err != nil {
			t.Errorf("New(faker, nil) = %v", err)
		}
	})
}

func TestFakerDeterminism(t *testing.T) {
	base := FakerOptions{Seed: 42}
	ref := fetchAll(t, newTestFaker(t, base), dayQuery("news", 3))
	if len(ref) == 0 {
		t.Fatal("a default day has no posts")
	}

	same := fetchAll(t, newTestFaker(t, base), dayQuery("news", 3))
	if !recordsEqual(ref, same) {
		t.Error("two fakers with the same seed gave different records for the same day")
	}

	tests := []struct {
		name string
		opts FakerOptions
		q    Query
	}{
		{"other seed", FakerOptions{Seed: 43}, dayQuery("news", 3)},
		{"other query", base, dayQuery("rumours", 3)},
		{"other day", base, dayQuery("news", 4)},
	}
	refPosts := decodePosts(t, ref)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := decodePosts(t, fetchAll(t, newTestFaker(t, tt.opts), tt.q))
			// Texts repeat by design (copies, greetings), so compare the
			// sequences: nearly every post must differ.
			differ := 0
			for i, p := range other {
				if i >= len(refPosts) || *refPosts[i].Text != *p.Text {
					differ++
				}
			}
			if differ < len(other)*9/10 {
				t.Errorf("only %d of %d posts differ from the reference day", differ, len(other))
			}
		})
	}
}

func recordsEqual(a, b []Record) bool {
	return slices.EqualFunc(a, b, func(x, y Record) bool { return x.ID == y.ID && bytes.Equal(x.Data, y.Data) })
}

func TestFakerPaging(t *testing.T) {
	q := dayQuery("paging", 0)
	q.End = q.End.AddDate(0, 0, 2) // three days
	ref := fetchAll(t, newTestFaker(t, FakerOptions{PageSize: fakerMaxPageSize}), q)
	if len(ref) < 300 {
		t.Fatalf("three default days have %d posts; want hundreds", len(ref))
	}
	ids := make(map[string]bool)
	for _, r := range ref {
		if ids[r.ID] {
			t.Fatalf("id %s appears twice", r.ID)
		}
		ids[r.ID] = true
	}

	for _, size := range []int{1, 7, 100, 333, len(ref), len(ref) + 1} {
		pages := fetchPages(t, newTestFaker(t, FakerOptions{PageSize: size}), q)
		if got := slices.Concat(pages...); !recordsEqual(got, ref) {
			t.Errorf("page_size %d: the pages do not add up to the window's posts", size)
		}
		for i, p := range pages[:len(pages)-1] {
			if len(p) != size {
				t.Errorf("page_size %d: page %d of %d has %d records", size, i, len(pages), len(p))
			}
		}
		if last := len(pages[len(pages)-1]); last < 1 || last > size {
			t.Errorf("page_size %d: last page has %d records", size, last)
		}
	}
}

// TestFakerConcurrentFetch: one source serves parallel fetches (the
// workflow fetches several queries at once) with the same results.
func TestFakerConcurrentFetch(t *testing.T) {
	src := newTestFaker(t, FakerOptions{PageSize: 37})
	q := dayQuery("parallel", 0)
	want := fetchAll(t, src, q)
	got := make([][]Record, 4)
	errs := make([]error, len(got))
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			for cursor := ""; ; {
				p, err := src.Fetch(t.Context(), q, cursor)
				if err != nil {
					errs[i] = err
					return
				}
				got[i] = append(got[i], p.Records...)
				if cursor = p.Next; cursor == "" {
					return
				}
			}
		})
	}
	wg.Wait()
	for i, g := range got {
		if errs[i] != nil || !recordsEqual(g, want) {
			t.Errorf("goroutine %d fetched %d records, %v; want the same %d as a lone fetch", i, len(g), errs[i], len(want))
		}
	}
}

func TestFakerCursorErrors(t *testing.T) {
	src := newTestFaker(t, FakerOptions{})
	q := dayQuery("cursor", 0)
	first, err := src.Fetch(t.Context(), q, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, cursor := range []string{"abc", "-1", "1e3", "12x", "999999"} {
		if _, err := src.Fetch(t.Context(), q, cursor); err == nil || !strings.Contains(err.Error(), "cursor") {
			t.Errorf("Fetch(cursor %q) = %v; want a cursor error", cursor, err)
		}
	}
	// A cursor at the very end is an empty last page, not an error.
	end := strconv.Itoa(first.Total)
	p, err := src.Fetch(t.Context(), q, end)
	if err != nil || len(p.Records) != 0 || p.Next != "" {
		t.Errorf("Fetch(cursor %q) = %d records, next %q, %v; want an empty last page", end, len(p.Records), p.Next, err)
	}
}

func TestFakerMultiDayWindow(t *testing.T) {
	src := newTestFaker(t, FakerOptions{Seed: 5, PageSize: 50})
	var union []Record
	for day := range 4 {
		union = append(union, fetchAll(t, src, dayQuery("multi", day))...)
	}
	q := dayQuery("multi", 0)
	q.End = q.Start.AddDate(0, 0, 4)
	if got := fetchAll(t, src, q); !recordsEqual(got, union) {
		t.Errorf("a four-day window gave %d records; the four days one by one gave %d, or different ones", len(got), len(union))
	}
}

func TestFakerPartialWindows(t *testing.T) {
	src := newTestFaker(t, FakerOptions{ItemsPerDay: 1000, PageSize: 64})
	var whole []Record
	for day := range 3 {
		whole = append(whole, fetchAll(t, src, dayQuery("partial", day))...)
	}
	posts := decodePosts(t, whole)

	at := func(day int, clock string) time.Time {
		d, err := time.Parse("15:04:05.999999999", clock)
		if err != nil {
			t.Fatal(err)
		}
		return fakerDay0.AddDate(0, 0, day).Add(d.Sub(d.Truncate(24 * time.Hour)))
	}
	tests := []struct {
		name       string
		start, end time.Time
	}{
		{"morning", at(0, "09:00:00"), at(0, "13:30:00")},
		{"across midnight", at(0, "22:00:00"), at(1, "03:00:00")},
		{"sub-second edges", at(1, "10:15:30.5"), at(1, "10:45:59.999")},
		{"one second", at(1, "12:00:00"), at(1, "12:00:01")},
		{"start mid-day to later day end", at(0, "18:00:00"), fakerDay0.AddDate(0, 0, 3)},
		{"non-UTC location", at(1, "06:00:00").In(time.FixedZone("UTC+5", 5*3600)), at(1, "08:00:00").In(time.FixedZone("UTC-3", -3*3600))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []Record
			for i, p := range posts {
				published, err := time.Parse(time.RFC3339, p.PublishedAt)
				if err != nil {
					t.Fatal(err)
				}
				if !published.Before(tt.start) && published.Before(tt.end) {
					want = append(want, whole[i])
				}
			}
			got := fetchAll(t, src, Query{Name: "partial", Start: tt.start, End: tt.end})
			if !recordsEqual(got, want) {
				t.Errorf("window [%s, %s) gave %d records; want the %d whole-day posts published in it",
					tt.start, tt.end, len(got), len(want))
			}
		})
	}
}

func TestFakerWindowErrors(t *testing.T) {
	src := newTestFaker(t, FakerOptions{})
	tests := []struct {
		name string
		q    Query
		want string // error substring; "" for an empty window
	}{
		{"no start", Query{Name: "w", End: fakerDay0}, "needs a publish window"},
		{"no end", Query{Name: "w", Start: fakerDay0}, "needs a publish window"},
		{"end before start", Query{Name: "w", Start: fakerDay0, End: fakerDay0.Add(-time.Hour)}, "ends"},
		{"too long", Query{Name: "w", Start: fakerDay0.AddDate(-20, 0, 0), End: fakerDay0}, "limit is"},
		{"empty", Query{Name: "w", Start: fakerDay0, End: fakerDay0}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := src.Fetch(t.Context(), tt.q, "")
			if tt.want == "" {
				if err != nil || p.Total != 0 || len(p.Records) != 0 || p.Next != "" {
					t.Errorf("Fetch(empty window) = %+v, %v; want an empty last page", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Fetch(%s) = %v; want an error containing %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestFakerCancelled(t *testing.T) {
	src := newTestFaker(t, FakerOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := src.Fetch(ctx, dayQuery("c", 0), ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch(cancelled ctx) = %v; want context.Canceled", err)
	}
}

func TestFakerRecords(t *testing.T) {
	src := newTestFaker(t, FakerOptions{})
	recs := fetchAll(t, src, dayQuery("demo", 0))
	posts := decodePosts(t, recs)
	idRE := regexp.MustCompile(`^demo-20240301-\d{5}$`)
	for i, r := range recs {
		if !json.Valid(r.Data) {
			t.Fatalf("record %s is not valid JSON: %s", r.ID, r.Data)
		}
		if !idRE.MatchString(r.ID) {
			t.Errorf("record id %q; want demo-20240301-nnnnn", r.ID)
		}
		p := posts[i]
		texts, err := src.Extract(r.Data)
		if err != nil {
			t.Fatalf("Extract(%s) = %v", r.ID, err)
		}
		if len(texts) != 1 {
			t.Fatalf("Extract(%s) gave %d texts; want 1", r.ID, len(texts))
		}
		got := texts[0]
		published := got.PublishedAt
		if published.Before(fakerDay0) || !published.Before(fakerDay0.AddDate(0, 0, 1)) || published.Location() != time.UTC {
			t.Errorf("Extract(%s).PublishedAt = %v; want a UTC time on 2024-03-01", r.ID, published)
		}
		if i > 0 && published.Before(mustTime(t, posts[i-1].PublishedAt)) {
			t.Errorf("record %s is published before the record before it", r.ID)
		}
		if got.Field != "" || got.Text != *p.Text || got.URL != p.URL || got.Language != p.Lang || got.Author != p.Author {
			t.Errorf("Extract(%s) = %+v; want the record's own fields", r.ID, got)
		}
		if !strings.HasPrefix(got.URL, "https://") || !strings.Contains(got.URL, ".example/") {
			t.Errorf("record %s url %q; want https on an .example domain", r.ID, got.URL)
		}
		if p.Platform == "" || got.Author == "" || got.Language == "" || got.Text == "" {
			t.Errorf("record %s lacks a field: %s", r.ID, r.Data)
		}
		for _, tag := range p.Hashtags {
			if !strings.Contains(got.Text, "#"+tag) {
				t.Errorf("record %s lists hashtag %q that its text lacks: %q", r.ID, tag, got.Text)
			}
		}
	}
}

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return ts
}

func TestFakerExtract(t *testing.T) {
	src := newTestFaker(t, FakerOptions{})
	tests := []struct {
		name    string
		data    string
		want    []Text
		wantErr string
	}{
		{name: "ok", data: `{"id":"q-20240301-00001","author":"ana","text":"Bom dia &amp; boa noite","published_at":"2024-03-01T10:00:00+02:00","url":"https://social.example/ana/status/1","lang":"pt"}`,
			want: []Text{{Text: "Bom dia &amp; boa noite", PublishedAt: time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC),
				URL: "https://social.example/ana/status/1", Language: "pt", Author: "ana"}}},
		{name: "empty text", data: `{"id":"q-1","text":"","published_at":"2024-03-01T10:00:00Z"}`},
		{name: "invalid JSON", data: `{"id":"q-1","text":`, wantErr: "faker record: unexpected end of JSON input"},
		{name: "not an object", data: `["q-1"]`, wantErr: "faker record: json: cannot unmarshal array"},
		{name: "missing id", data: `{"text":"hi","published_at":"2024-03-01T10:00:00Z"}`, wantErr: "missing id"},
		{name: "missing text", data: `{"id":"q-1","published_at":"2024-03-01T10:00:00Z"}`, wantErr: "faker record q-1: missing text"},
		{name: "missing published_at", data: `{"id":"q-1","text":"hi"}`, wantErr: "faker record q-1: missing published_at"},
		{name: "bad published_at", data: `{"id":"q-1","text":"hi","published_at":"yesterday"}`, wantErr: "faker record q-1: published_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := src.Extract(json.RawMessage(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Extract(%s) = %v; want an error containing %q", tt.data, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract(%s) = %v", tt.data, err)
			}
			if !slices.EqualFunc(got, tt.want, func(a, b Text) bool { return a == b }) {
				t.Errorf("Extract(%s) = %+v; want %+v", tt.data, got, tt.want)
			}
		})
	}
}

// TestFakerCorpus checks the properties the rest of timpani relies on to have
// something to do: many languages, exact and near duplicates, retweets, HTML
// to clean up, and chatter that rarely repeats.
func TestFakerCorpus(t *testing.T) {
	src := newTestFaker(t, FakerOptions{ItemsPerDay: 1000})
	posts := decodePosts(t, fetchAll(t, src, dayQuery("corpus", 0)))

	langs := make(map[string]int)
	texts := make(map[string]int)
	authors := make(map[string]bool)
	var chatter, narrative, entities, breaks, newlines int
	var narrativeTexts []string
	for _, p := range posts {
		langs[p.Lang]++
		texts[*p.Text]++
		authors[p.Author] = true
		if p.Narrative == "" {
			chatter++
		} else {
			narrative++
			narrativeTexts = append(narrativeTexts, *p.Text)
		}
		if strings.Contains(*p.Text, "&amp;") || strings.Contains(*p.Text, "&#39;") {
			entities++
		}
		if strings.Contains(*p.Text, "<br>") {
			breaks++
		}
		if strings.Contains(*p.Text, "\n") {
			newlines++
		}
	}
	if len(langs) != len(fakerLangs) {
		t.Errorf("a day of %d posts has %d languages (%v); want all %d", len(posts), len(langs), langs, len(fakerLangs))
	}

	// Exact copies of the same narrative post.
	dupNarratives := 0
	for _, s := range narrativeTexts {
		if texts[s] > 1 {
			dupNarratives++
		}
	}
	if dupNarratives < narrative/5 {
		t.Errorf("%d of %d narrative posts have an exact duplicate; want at least a fifth", dupNarratives, narrative)
	}

	// Retweets whose quoted text is, word for word, another post.
	rtCopies := 0
	for _, s := range narrativeTexts {
		if rest, ok := strings.CutPrefix(s, "RT @"); ok {
			if _, quoted, ok := strings.Cut(rest, ": "); ok && texts[quoted] > 0 {
				rtCopies++
			}
		}
	}
	if rtCopies < 10 {
		t.Errorf("%d retweets quote another post of the day exactly; want at least 10", rtCopies)
	}

	if share := float64(chatter) / float64(len(posts)); share < 0.25 || share > 0.8 {
		t.Errorf("chatter is %.0f%% of the day; want a large share but not all", 100*share)
	}
	// Chatter rarely repeats: greetings aside, nearly every chatter text is unique.
	chatterRepeats := 0
	for _, p := range posts {
		if p.Narrative == "" && texts[*p.Text] > 1 && !slices.Contains(fakerLangByCode(t, p.Lang).greetings, *p.Text) {
			chatterRepeats++
		}
	}
	if chatterRepeats > chatter/10 {
		t.Errorf("%d of %d chatter posts repeat another exactly; want few", chatterRepeats, chatter)
	}
	if entities == 0 || breaks == 0 || newlines == 0 {
		t.Errorf("HTML entities in %d posts, <br> in %d, newlines in %d; want some of each", entities, breaks, newlines)
	}
	if len(authors) < len(posts)/3 {
		t.Errorf("%d authors for %d posts; want many", len(authors), len(posts))
	}
}

func fakerLangByCode(tb testing.TB, code string) *fakerLang {
	tb.Helper()
	for _, l := range fakerLangs {
		if l.code == code {
			return l
		}
	}
	tb.Fatalf("no language %q", code)
	return nil
}

// TestFakerBursts checks the activity curves: volume averages items_per_day,
// and narratives burst to several times their usual daily count.
func TestFakerBursts(t *testing.T) {
	const days, perDay = 40, 600
	src := newTestFaker(t, FakerOptions{ItemsPerDay: perDay, PageSize: fakerMaxPageSize})
	counts := make(map[string][]int) // narrative → posts per day
	total := 0
	for day := range days {
		recs := fetchAll(t, src, dayQuery("bursts", day))
		total += len(recs)
		for _, r := range recs {
			var p struct{ Narrative string }
			if err := json.Unmarshal(r.Data, &p); err != nil {
				t.Fatal(err)
			}
			if p.Narrative == "" {
				continue
			}
			if counts[p.Narrative] == nil {
				counts[p.Narrative] = make([]int, days)
			}
			counts[p.Narrative][day]++
		}
	}
	if avg := float64(total) / days; avg < 0.8*perDay || avg > 1.25*perDay {
		t.Errorf("%d days average %.0f posts; want about %d", days, avg, perDay)
	}
	if len(counts) != len(fakerNarratives) {
		t.Errorf("%d of %d narratives appear in %d days", len(counts), len(fakerNarratives), days)
	}
	bursting := 0
	for slug, c := range counts {
		sorted := slices.Sorted(slices.Values(c))
		median, peak := sorted[len(sorted)/2], sorted[len(sorted)-1]
		if median == 0 {
			t.Errorf("narrative %s has a median of 0 posts a day", slug)
			continue
		}
		if peak >= 5*median {
			bursting++
		}
	}
	if bursting < len(counts)/3 {
		t.Errorf("%d of %d narratives peak at 5x their median day or more; want at least a third", bursting, len(counts))
	}
	if bursting == len(counts) {
		t.Errorf("every narrative bursts in %d days; want some quiet ones", days)
	}
}

func TestFakerLanguagesOption(t *testing.T) {
	src := newTestFaker(t, FakerOptions{Languages: []string{"ja", "de"}, ItemsPerDay: 500})
	posts := decodePosts(t, fetchAll(t, src, dayQuery("lang", 0)))
	langs := make(map[string]int)
	narratives := 0
	for _, p := range posts {
		langs[p.Lang]++
		if p.Narrative != "" {
			narratives++
		}
	}
	if len(langs) != 2 || langs["ja"] == 0 || langs["de"] == 0 {
		t.Errorf("languages = %v; want only and both ja and de", langs)
	}
	if narratives == 0 {
		t.Error("no narrative posts in ja or de")
	}
}

// TestFakerTables checks the hand-written content.
func TestFakerTables(t *testing.T) {
	if n := len(fakerNarratives); n < 15 || n > 25 {
		t.Errorf("%d narratives; want 15-25", n)
	}
	perLang := make(map[string]int)
	slugs := make(map[string]bool)
	for _, n := range fakerNarratives {
		if slugs[n.slug] {
			t.Errorf("narrative %s appears twice", n.slug)
		}
		slugs[n.slug] = true
		if len(n.versions) < 2 || n.weight <= 0 {
			t.Errorf("narrative %s has %d versions and weight %v", n.slug, len(n.versions), n.weight)
		}
		seen := make(map[string]bool)
		for _, v := range n.versions {
			fakerLangByCode(t, v.lang)
			if seen[v.lang] {
				t.Errorf("narrative %s has two %s versions", n.slug, v.lang)
			}
			seen[v.lang] = true
			perLang[v.lang]++
			if len(v.phrasings) < 2 || len(v.tags) == 0 {
				t.Errorf("narrative %s/%s has %d phrasings and %d tags", n.slug, v.lang, len(v.phrasings), len(v.tags))
			}
			for _, tag := range v.tags {
				if len(tag) < 2 || tag[0] != '#' || strings.ContainsAny(tag, " \t") {
					t.Errorf("narrative %s/%s tag %q", n.slug, v.lang, tag)
				}
			}
		}
	}
	for _, l := range fakerLangs {
		if perLang[l.code] < 6 {
			t.Errorf("language %s has %d narratives; want at least 6", l.code, perLang[l.code])
		}
		for name, list := range map[string][]string{"given": l.given, "surnames": l.surnames, "chatA": l.chatA,
			"chatB": l.chatB, "chatC": l.chatC, "greetings": l.greetings, "tags": l.tags, "alarms": l.alarms, "endings": l.endings} {
			if len(list) == 0 {
				t.Errorf("language %s has no %s", l.code, name)
			}
		}
		for _, s := range slices.Concat(l.chatA, l.chatB, l.chatC) {
			if strings.Count(s, "{") != strings.Count(s, "{n}") {
				t.Errorf("language %s sentence %q has a slot other than {n}", l.code, s)
			}
		}
		if !l.spaced && l.hearsay == "" {
			t.Errorf("language %s is written without spaces but has no hearsay opener", l.code)
		}
	}
}

// BenchmarkFakerFetch measures generation plus JSON encoding, page by page
// (pages of 1000 through a 30-day window of 100k posts a day). The target is
// over 200k records/s on one core. Measured with
//
//	go test ./sources -run '^$' -bench FakerFetch -cpu 1 -benchtime 1000x
//
// on an AMD EPYC core: 450k-550k records/s, 378 B/record, 5.7 allocs/record
// (about 1.5 µs of CPU per record; a busy shared machine shows less).
func BenchmarkFakerFetch(b *testing.B) {
	src := newTestFaker(b, FakerOptions{ItemsPerDay: 100_000, PageSize: 1000})
	q := Query{Name: "bench", Start: fakerDay0, End: fakerDay0.AddDate(0, 0, 30)}
	cursor := ""
	records, size := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		p, err := src.Fetch(b.Context(), q, cursor)
		if err != nil {
			b.Fatal(err)
		}
		records += len(p.Records)
		for _, r := range p.Records {
			size += len(r.Data)
		}
		cursor = p.Next
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(size)/float64(records), "B/record")
}
