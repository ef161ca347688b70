package sources

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// newTestRSS builds an rss source through its constructor, as New will,
// with waits between attempts recorded instead of slept.
func newTestRSS(tb testing.TB, opts RSSOptions) (*rss, *rssWaits) {
	tb.Helper()
	src, err := New("rss", func(v any) error {
		*v.(*RSSOptions) = opts
		return nil
	})
	if err != nil {
		tb.Fatalf("New(rss, %+v) = %v", opts, err)
	}
	s := src.(*rss)
	w := &rssWaits{}
	s.dl.wait = w.wait
	return s, w
}

// rssWaits records the waits between attempts.
type rssWaits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *rssWaits) wait(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return ctx.Err()
}

func (w *rssWaits) list() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.d)
}

func boolPtr(b bool) *bool { return &b }

// rssFixture reads a feed from testdata/rss.
func rssFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rss", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// rssServer serves the fixtures, asserting the method and headers of each
// request.
func rssServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.Header.Get("User-Agent"), "timpani") ||
			!strings.Contains(r.Header.Get("Accept"), "application/rss+xml") {
			t.Errorf("request %s %s: User-Agent %q, Accept %q", r.Method, r.URL, r.Header.Get("User-Agent"), r.Header.Get("Accept"))
		}
		b, err := os.ReadFile(filepath.Join("testdata", "rss", filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// rssRecords decodes the records' Data.
func rssRecords(t *testing.T, recs []Record) []rssRecord {
	t.Helper()
	out := make([]rssRecord, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Data, &out[i]); err != nil {
			t.Fatalf("record %q: %v", r.ID, err)
		}
		if out[i].ID != r.ID {
			t.Errorf("record %q has id %q in its data", r.ID, out[i].ID)
		}
	}
	return out
}

// rssItemLine is the line of the nth (1-based) occurrence of tag in a
// fixture.
func rssItemLine(b []byte, tag string, nth int) int {
	off := 0
	for range nth {
		i := bytes.Index(b[off:], []byte(tag))
		if i < 0 {
			return -1
		}
		off += i + len(tag)
	}
	return 1 + bytes.Count(b[:off], []byte("\n"))
}

func TestRSSKind(t *testing.T) {
	s, _ := newTestRSS(t, RSSOptions{})
	if s.Kind() != "rss" {
		t.Errorf("Kind() = %q; want rss", s.Kind())
	}
	if _, err := New("rss", nil); err != nil {
		t.Errorf("New(rss, nil) = %v", err)
	}
	bad := errors.New("timeout: not a duration")
	if _, err := New("rss", func(any) error { return bad }); !errors.Is(err, bad) {
		t.Errorf("New(rss, failing decode) = %v; want it to wrap %v", err, bad)
	}
}

func TestRSSOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    RSSOptions
		check   func(*rss) string
		wantErr []string
	}{
		{name: "defaults", opts: RSSOptions{}, check: func(s *rss) string {
			if !s.window || s.dl.timeout != 30*time.Second || s.dl.maxBytes != 16<<20 || s.dl.retries != 3 ||
				!strings.HasPrefix(s.dl.userAgent, "timpani") {
				return fmt.Sprintf("%+v %+v", s, s.dl)
			}
			return ""
		}},
		{name: "explicit", opts: RSSOptions{Window: boolPtr(false), Timeout: time.Second, MaxBytes: 1000, Retries: intPtr(0), UserAgent: "x/1"},
			check: func(s *rss) string {
				if s.window || s.dl.timeout != time.Second || s.dl.maxBytes != 1000 || s.dl.retries != 0 || s.dl.userAgent != "x/1" {
					return fmt.Sprintf("%+v %+v", s, s.dl)
				}
				return ""
			}},
		{name: "negative timeout", opts: RSSOptions{Timeout: -1}, wantErr: []string{"rss: timeout must be >= 0"}},
		{name: "max bytes", opts: RSSOptions{MaxBytes: -1}, wantErr: []string{"rss: max_bytes must be >= 0 and <= 1073741824 (got -1)"}},
		{name: "retries", opts: RSSOptions{Retries: intPtr(11)}, wantErr: []string{"rss: retries must be >= 0 and <= 10 (got 11)"}},
		{name: "every problem", opts: RSSOptions{Timeout: -1, MaxBytes: -1, Retries: intPtr(-1)}, wantErr: []string{"timeout", "max_bytes", "retries"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := buildRSS(tt.opts)
			if wantBuildErr(t, fmt.Sprintf("buildRSS(%+v)", tt.opts), err, tt.wantErr) {
				return
			}
			if msg := tt.check(s); msg != "" {
				t.Errorf("buildRSS(%+v) = %s", tt.opts, msg)
			}
		})
	}
}

// rssCompare checks records against wanted ones, the XML field only for
// its start.
func rssCompare(t *testing.T, got, want []rssRecord) {
	t.Helper()
	if len(got) != len(want) {
		ids := make([]string, len(got))
		for i, g := range got {
			ids[i] = g.ID
		}
		t.Fatalf("got %d records %q; want %d", len(got), ids, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !strings.HasPrefix(g.XML, w.XML) {
			t.Errorf("record %d XML = %q; want it to start %q", i, g.XML, w.XML)
		}
		g.XML, w.XML = "", ""
		gj, _ := json.MarshalIndent(g, "", " ")
		wj, _ := json.MarshalIndent(w, "", " ")
		if !bytes.Equal(gj, wj) {
			t.Errorf("record %d =\n%s\nwant\n%s", i, gj, wj)
		}
	}
}

// rssTokyoID is the id of news.xml's item with neither guid nor link: a
// hash of its title, date, summary and (empty) content.
var rssTokyoID = func() string {
	sum := sha256.Sum256([]byte("東京で初雪を観測\x00Tue, 03 Dec 2024 23:40:00 GMT\x00気象庁によると、平年より12日早い初雪。\x00\x00"))
	return hex.EncodeToString(sum[:8])
}()

func TestRSSFeedRSS2(t *testing.T) {
	srv := rssServer(t)
	url := srv.URL + "/news.xml"
	src, _ := newTestRSS(t, RSSOptions{Window: boolPtr(false)})
	page, err := src.Fetch(t.Context(), Query{Name: "q", Value: url}, "")
	if err != nil {
		t.Fatal(err)
	}
	if page.Next != "" || page.Total != len(page.Records) {
		t.Errorf("page Next %q Total %d; want \"\" and %d", page.Next, page.Total, len(page.Records))
	}
	feed := rssRecordFeed{URL: url, Title: "Daily Ledger & Co — World", Link: "https://news.example.org/world/", Format: "rss"}
	want := []rssRecord{
		{ID: "https://news.example.org/world/2024/12/04/valencia-floods", Link: "https://news.example.org/world/2024/12/04/valencia-floods",
			Title:   "Floods in Valencia: what we know so far",
			Summary: "<p>Rescue teams are still searching &amp; the <b>death toll</b> has risen.</p>",
			Content: "<p>Rescue teams are still searching &amp; the <b>death toll</b> has risen.</p>\n" +
				`<p>Regional officials said on Wednesday that <a href="https://news.example.org/world/2024/12/03/dana">the storm</a> dropped a year's rain in eight hours.</p>`,
			Published: "2024-12-04T09:00:28Z", Authors: []string{"María López"}, Categories: []string{"Europe", "Climate"},
			Language: "en-gb", Feed: feed, XML: "<item>\n      <title>Floods in Valencia"},
		{ID: url + "#ledger-48213", Link: "https://news.example.org/world/2024/12/04/talks", Title: "Ukraine: talks resume in Istanbul",
			Summary:   "Delegations met on Tuesday <i>behind closed doors</i> – a first since March.",
			Published: "2024-12-04T09:30:00Z", Authors: []string{"World Desk"}, Categories: []string{"Europe"},
			Language: "en-gb", Feed: feed, XML: "<item>"},
		{ID: "https://news.example.org/world/2024/12/04/moscow-traffic", Link: "https://news.example.org/world/2024/12/04/moscow-traffic",
			Title: "Москва: в центре города перекрыли движение", Summary: "Власти объяснили это подготовкой к\u00a0празднику.",
			Published: "2024-12-04T10:05:00Z", Authors: []string{}, Categories: []string{}, Language: "en-gb", Feed: feed, XML: "<item>"},
		{ID: rssTokyoID, Title: "東京で初雪を観測", Summary: "気象庁によると、平年より12日早い初雪。",
			Published: "2024-12-03T23:40:00Z", Authors: []string{}, Categories: []string{}, Language: "en-gb", Feed: feed, XML: "<item>"},
		{ID: srv.URL + "/about/corrections", Link: srv.URL + "/about/corrections", Title: "Editor's note: our corrections policy",
			Summary: "How we correct mistakes.", Authors: []string{}, Categories: []string{}, Language: "en-gb", Feed: feed, XML: "<item>"},
		{ID: "https://news.example.org/world/2024/11/30/archive-1957", Link: "https://news.example.org/world/2024/11/30/archive-1957",
			Title: "From the archive: the 1957 flood", Summary: "How the city rebuilt after the Turia burst its banks.",
			Published: "2024-11-30T17:00:00Z", Authors: []string{}, Categories: []string{}, Language: "en-gb", Feed: feed, XML: "<item>"},
	}
	rssCompare(t, rssRecords(t, page.Records), want)
	for _, r := range page.Records {
		if !strings.HasSuffix(string(rssRecords(t, []Record{r})[0].XML), "</item>") {
			t.Errorf("record %q: XML does not end with </item>", r.ID)
		}
	}
	body := rssFixture(t, "news.xml")
	wantProblems := []string{
		fmt.Sprintf(`%s:%d: item 5: repeats the id "https://news.example.org/world/2024/12/04/valencia-floods" of the item at line %d; skipped`,
			url, rssItemLine(body, "<item>", 5), rssItemLine(body, "<item>", 1)),
		fmt.Sprintf("%s:%d: item 8: no id, link, title, date or text; skipped", url, rssItemLine(body, "<item>", 8)),
	}
	if !slices.Equal(page.Problems, wantProblems) {
		t.Errorf("problems = %q; want %q", page.Problems, wantProblems)
	}
}

func TestRSSFeedAtom(t *testing.T) {
	srv := rssServer(t)
	url := srv.URL + "/blog.atom"
	src, _ := newTestRSS(t, RSSOptions{Window: boolPtr(false)})
	page, err := src.Fetch(t.Context(), Query{Name: "q", Value: url}, "")
	if err != nil {
		t.Fatal(err)
	}
	feed := rssRecordFeed{URL: url, Title: "مدونة التحقق", Link: "https://blog.example.net/", Format: "atom"}
	want := []rssRecord{
		{ID: "tag:blog.example.net,2024:/viral-video", Link: "https://blog.example.net/2024/12/viral-video",
			Title:     "Fact check: <em>viral</em> video is from 2019",
			Summary:   "A video shared 40,000 times shows a 2019 protest & not this week's.",
			Content:   "<p>The video was first posted in <b>2019</b> &amp; has been re-shared.</p><p>تم نشر الفيديو لأول مرة عام 2019.</p>",
			Published: "2024-12-04T07:15:00Z", Updated: "2024-12-04T09:00:00Z",
			Authors: []string{"Sara Haddad", "Omar Khalil"}, Categories: []string{"fact-check", "video"},
			Language: "ar", Feed: feed, XML: "<entry>\n    <title type=\"html\">"},
		{ID: "https://blog.example.net/2024/12/roundup", Link: srv.URL + "/2024/12/roundup", Title: "Weekly roundup",
			Summary: "<p>Five claims we checked this week.</p>", Content: "<p>Five claims we checked this week.</p>",
			Updated: "2024-12-03T17:30:00.25Z", Authors: []string{"فريق التحقق"}, Categories: []string{},
			Language: "en", Feed: feed, XML: `<entry xml:lang="en">`},
		{ID: url + "#42", Title: "حالة الطقس", Summary: "توقعات الطقس لهذا الأسبوع", Published: "2024-12-02T06:00:00Z",
			Authors: []string{"فريق التحقق"}, Categories: []string{}, Language: "ar", Feed: feed, XML: "<entry>"},
	}
	rssCompare(t, rssRecords(t, page.Records), want)
	if page.Problems != nil {
		t.Errorf("problems = %q; want none", page.Problems)
	}
}

func TestRSSFeedRDF(t *testing.T) {
	path := filepath.Join("testdata", "rss", "rdf.xml")
	src, _ := newTestRSS(t, RSSOptions{Window: boolPtr(false)})
	page, err := src.Fetch(t.Context(), Query{Name: "q", Value: path}, "")
	if err != nil {
		t.Fatal(err)
	}
	feed := rssRecordFeed{URL: path, Title: "Lab News", Link: "https://lab.example.edu/news", Format: "rdf"}
	want := []rssRecord{
		{ID: "https://lab.example.edu/news/1", Link: "https://lab.example.edu/news/1", Title: "Neue Studie zur Desinformation",
			Summary: "Wie sich Gerüchte verbreiten.", Published: "2024-12-04T09:00:00Z", Authors: []string{"Jonas Weber"},
			Categories: []string{"Forschung"}, Language: "de", Feed: feed, XML: `<item rdf:about="https://lab.example.edu/news/1">`},
		{ID: "https://lab.example.edu/news/2", Link: "https://lab.example.edu/news/2", Title: "Workshop im Januar",
			Published: "2024-12-01T00:00:00Z", Authors: []string{}, Categories: []string{}, Language: "de", Feed: feed, XML: "<item"},
	}
	rssCompare(t, rssRecords(t, page.Records), want)
}

// TestRSSWindow checks the default window: items published in [Start,
// End), by published time else updated time, and undated items.
func TestRSSWindow(t *testing.T) {
	srv := rssServer(t)
	day := func(d int) (time.Time, time.Time) {
		s := time.Date(2024, 12, d, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(0, 0, 1)
	}
	tests := []struct {
		feed string
		day  int
		want []string
	}{
		{"news.xml", 4, []string{"https://news.example.org/world/2024/12/04/valencia-floods", srv.URL + "/news.xml#ledger-48213",
			"https://news.example.org/world/2024/12/04/moscow-traffic", srv.URL + "/about/corrections"}},
		{"news.xml", 3, []string{rssTokyoID, srv.URL + "/about/corrections"}},
		{"news.xml", 30, []string{srv.URL + "/about/corrections"}}, // 30 December: nothing but the undated
		{"blog.atom", 4, []string{"tag:blog.example.net,2024:/viral-video"}},
		{"blog.atom", 3, []string{"https://blog.example.net/2024/12/roundup"}}, // by its updated time
		{"blog.atom", 2, []string{srv.URL + "/blog.atom#42"}},
	}
	src, _ := newTestRSS(t, RSSOptions{})
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.feed, tt.day), func(t *testing.T) {
			start, end := day(tt.day)
			page, err := src.Fetch(t.Context(), Query{Name: "q", Value: srv.URL + "/" + tt.feed, Start: start, End: end}, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := recordIDs(page.Records); !slices.Equal(got, tt.want) || page.Total != len(tt.want) {
				t.Errorf("window %d = %q (total %d); want %q", tt.day, recordIDs(page.Records), page.Total, tt.want)
			}
		})
	}
}

func TestRSSDates(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time // zero: unreadable
	}{
		{"Wed, 04 Dec 2024 09:00:28 +0000", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 09:00:28 GMT", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 09:00:28 UT", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 09:00:28 Z", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 4 Dec 2024 04:00:28 EST", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 01:00:28 PST", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 02:00:28 PDT", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 12:00:28 +0300", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 12:00:28 +03:00", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 12:00:28 MSK", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 14:30:28 +0530", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 11:00:28 GMT+2", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 06:00:28 UTC-03:00", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 09:00:28 XYZ", utc(2024, 12, 4, 9, 0, 28, 0)}, // unknown name: UTC
		{"Wed, 04 Dec 2024 09:00:28", utc(2024, 12, 4, 9, 0, 28, 0)},     // no zone: UTC
		{"Wed, 04 Dec 2024 09:00 +0000", utc(2024, 12, 4, 9, 0, 0, 0)},
		{"04 Dec 2024 09:00:28 +0000", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wednesday, 04 December 2024 09:00:28 +0000", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Sept 2024 09:00:28 +0000", utc(2024, 9, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 24 09:00:28 +0000", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Sat, 04 Dec 99 09:00:28 +0000", utc(1999, 12, 4, 9, 0, 28, 0)},
		{"Mon, 04 Dec 2024 09:00:28 +0000", utc(2024, 12, 4, 9, 0, 28, 0)}, // a wrong weekday is ignored
		{"wed, 04 dec 2024 09:00:28 gmt", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed,04 Dec 2024 09:00:28 +0000", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"  Wed, 04  Dec 2024 09:00:28 +0000 ", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 04 Dec 2024 09:00:28.5 +0000", utc(2024, 12, 4, 9, 0, 28, 500_000_000)},
		{"Wed, 04 Dec 2024 09:00:28 +0000 (UTC)", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Dec 04 2024 09:00:28 GMT", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"Wed, 31 Dec 2024 23:59:60 +0000", utc(2024, 12, 31, 23, 59, 59, 0)}, // a leap second
		{"2024-12-04T09:00:28Z", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"2024-12-04T10:00:28+01:00", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"2024-12-04T09:00:28.123456Z", utc(2024, 12, 4, 9, 0, 28, 123456000)},
		{"2024-12-04T09:00Z", utc(2024, 12, 4, 9, 0, 0, 0)},
		{"2024-12-04T09:00:28", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"2024-12-04 09:00:28", utc(2024, 12, 4, 9, 0, 28, 0)},
		{"2024-12-04", utc(2024, 12, 4, 0, 0, 0, 0)},
		{"", time.Time{}},
		{"yesterday", time.Time{}},
		{"Wed, 31 Apr 2024 09:00:28 +0000", time.Time{}},
		{"Wed, 04 Foo 2024 09:00:28 +0000", time.Time{}},
		{"Wed, 04 Dec 2024 25:00:28 +0000", time.Time{}},
		{"Wed, 04 Dec 2024 09:00:28 +2500", time.Time{}},
		{"Wed, 04 Dec 202 09:00:28 +0000", time.Time{}},
		{"Wed, 04 Dec 2024 9am", time.Time{}},
		{"Wed, 04 Dec 2024 09:00:28 +0000extra", time.Time{}},
	}
	for _, tt := range tests {
		got, ok := rssParseDate(tt.in)
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) || (ok && got.Location() != time.UTC) {
			t.Errorf("rssParseDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
}

func TestRSSExtract(t *testing.T) {
	at := time.Date(2024, 12, 4, 9, 0, 28, 0, time.UTC)
	tests := []struct {
		name    string
		data    string
		want    []Text
		wantErr string
	}{
		{name: "title, summary and content",
			data: `{"id":"x","link":"https://x/1","title":"T","summary":"<p>S</p>","content":"<p>C</p>","published":"2024-12-04T09:00:28Z",
				"updated":"2024-12-05T00:00:00Z","authors":["A"," B ","A"],"language":" ru "}`,
			want: []Text{
				{Field: "title", Text: "T", PublishedAt: at, URL: "https://x/1", Language: "ru", Author: "A, B"},
				{Field: "summary", Text: "<p>S</p>", PublishedAt: at, URL: "https://x/1", Language: "ru", Author: "A, B"},
				{Field: "content", Text: "<p>C</p>", PublishedAt: at, URL: "https://x/1", Language: "ru", Author: "A, B"},
			}},
		{name: "updated when not published", data: `{"title":"T","updated":"2024-12-04T11:00:28+02:00"}`,
			want: []Text{{Field: "title", Text: "T", PublishedAt: at}}},
		{name: "repeats and blanks skipped", data: `{"title":"Same","summary":" Same ","content":"  "}`,
			want: []Text{{Field: "title", Text: "Same"}}},
		{name: "content equal to summary", data: `{"title":"","summary":"S","content":"S"}`,
			want: []Text{{Field: "summary", Text: "S"}}},
		{name: "nothing", data: `{"id":"x"}`, want: nil},
		{name: "null", data: `null`, want: nil},
		{name: "bad time", data: `{"title":"T","published":"Wed, 04 Dec 2024"}`, wantErr: `rss: record: published "Wed, 04 Dec 2024" is not an RFC 3339 time`},
		{name: "not an object", data: `[1]`, wantErr: "rss: record: "},
		{name: "wrong type", data: `{"title":1}`, wantErr: "rss: record: "},
	}
	src, _ := newTestRSS(t, RSSOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := src.Extract(json.RawMessage(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Extract(%s) = %v; want %q", tt.data, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract(%s) = %v", tt.data, err)
			}
			if !slices.EqualFunc(got, tt.want, func(a, b Text) bool {
				return a.Field == b.Field && a.Text == b.Text && a.PublishedAt.Equal(b.PublishedAt) && a.URL == b.URL &&
					a.Language == b.Language && a.Author == b.Author
			}) {
				t.Errorf("Extract(%s) = %+v; want %+v", tt.data, got, tt.want)
			}
		})
	}
}

// TestRSSFetchThenExtract runs the fixtures' records through Extract.
func TestRSSFetchThenExtract(t *testing.T) {
	srv := rssServer(t)
	src, _ := newTestRSS(t, RSSOptions{Window: boolPtr(false)})
	page, err := src.Fetch(t.Context(), Query{Value: srv.URL + "/blog.atom"}, "")
	if err != nil {
		t.Fatal(err)
	}
	var fields [][]string
	for _, r := range page.Records {
		texts, err := src.Extract(r.Data)
		if err != nil {
			t.Fatalf("Extract(%s) = %v", r.ID, err)
		}
		var f []string
		for _, tx := range texts {
			f = append(f, tx.Field)
		}
		fields = append(fields, f)
	}
	want := [][]string{{"title", "summary", "content"}, {"title", "summary"}, {"title", "summary"}}
	if !slices.EqualFunc(fields, want, slices.Equal) {
		t.Errorf("fields = %q; want %q", fields, want)
	}
	texts, _ := src.Extract(page.Records[0].Data)
	if tx := texts[0]; tx.Author != "Sara Haddad, Omar Khalil" || tx.Language != "ar" || tx.URL != "https://blog.example.net/2024/12/viral-video" ||
		!tx.PublishedAt.Equal(time.Date(2024, 12, 4, 7, 15, 0, 0, time.UTC)) {
		t.Errorf("Extract(first entry)[0] = %+v", tx)
	}
}

// TestRSSHTTP covers the answers a feed server gives: retries on 5xx and
// dropped connections with backoff, 429 with Retry-After, 304 after an
// ETag, and errors that name the URL.
func TestRSSHTTP(t *testing.T) {
	feed := rssFixture(t, "news.xml")
	type step func(w http.ResponseWriter, r *http.Request)
	ok := func(w http.ResponseWriter, r *http.Request) { w.Write(feed) }
	status := func(code int, header ...string) step {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			http.Error(w, http.StatusText(code), code)
		}
	}
	drop := func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	now := time.Date(2024, 12, 4, 12, 0, 0, 0, time.UTC)
	bomb := rssBomb(t, 16<<20) // 16 MiB of zeros in about 16 KiB
	tests := []struct {
		name      string
		opts      RSSOptions
		steps     []step // answers in turn; the last repeats
		wantErr   []string
		wantReqs  int
		wantStats FetchStats
		waits     func([]time.Duration) bool
	}{
		{name: "ok", steps: []step{ok}, wantReqs: 1},
		{name: "500 then ok", steps: []step{status(500), ok}, wantReqs: 2, wantStats: FetchStats{Retries: 1},
			waits: func(d []time.Duration) bool {
				return len(d) == 1 && d[0] >= 500*time.Millisecond && d[0] <= time.Second
			}},
		{name: "dropped connection then ok", steps: []step{drop, drop, ok}, wantReqs: 3, wantStats: FetchStats{Retries: 2},
			waits: func(d []time.Duration) bool {
				return len(d) == 2 && d[1] >= time.Second && d[1] <= 2*time.Second
			}},
		{name: "503 throughout", steps: []step{status(503)}, wantReqs: 4, wantStats: FetchStats{Retries: 3},
			wantErr: []string{"gave up after 4 attempts: 503 Service Unavailable"},
			waits: func(d []time.Duration) bool {
				return len(d) == 3 && d[2] >= 2*time.Second && d[2] <= 4*time.Second
			}},
		{name: "no retries", opts: RSSOptions{Retries: intPtr(0)}, steps: []step{status(502)}, wantReqs: 1,
			wantErr: []string{"gave up after 1 attempts: 502 Bad Gateway"}},
		{name: "503 with Retry-After", steps: []step{status(503, "Retry-After", "12"), ok}, wantReqs: 2, wantStats: FetchStats{Retries: 1},
			waits: func(d []time.Duration) bool { return slices.Equal(d, []time.Duration{12 * time.Second}) }},
		{name: "429 with seconds", steps: []step{status(429, "Retry-After", "7"), ok}, wantReqs: 2, wantStats: FetchStats{RateLimitWaits: 1},
			waits: func(d []time.Duration) bool { return slices.Equal(d, []time.Duration{7 * time.Second}) }},
		{name: "429 with a date", steps: []step{status(429, "Retry-After", now.Add(90*time.Second).Format(http.TimeFormat)), ok},
			wantReqs: 2, wantStats: FetchStats{RateLimitWaits: 1},
			waits: func(d []time.Duration) bool { return slices.Equal(d, []time.Duration{90 * time.Second}) }},
		{name: "429 without Retry-After", steps: []step{status(429), status(429), ok}, wantReqs: 3, wantStats: FetchStats{RateLimitWaits: 2}},
		{name: "429 asking too long", steps: []step{status(429, "Retry-After", "3600")}, wantReqs: 1, wantStats: FetchStats{},
			wantErr: []string{"429 Too Many Requests, asking to wait 1h0m0s before trying again (more than 5m0s); try later"}},
		{name: "404", steps: []step{status(404)}, wantReqs: 1, wantErr: []string{": 404 Not Found"}},
		{name: "403", steps: []step{status(403)}, wantReqs: 1, wantErr: []string{": 403 Forbidden"}},
		{name: "unrequested 304", steps: []step{status(304)}, wantReqs: 1, wantErr: []string{"304 Not Modified to a request that was not conditional"}},
		{name: "malformed XML", steps: []step{func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<?xml version=\"1.0\"?>\n<rss><channel>\n<item><title>a & b</title></item>\n</channel></rss>"))
		}}, wantReqs: 1, wantErr: []string{"malformed XML at line 3"}},
		{name: "truncated XML", steps: []step{func(w http.ResponseWriter, r *http.Request) { w.Write(feed[:len(feed)/2]) }},
			wantReqs: 1, wantErr: []string{"malformed XML at line", "unexpected EOF"}},
		{name: "an HTML page", steps: []step{func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>News</title></head><body></body></html>"))
		}}, wantReqs: 1, wantErr: []string{"is an HTML page, not a feed"}},
		{name: "not a feed", steps: []step{func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`<sitemap/>`)) }},
			wantReqs: 1, wantErr: []string{"is not an RSS or Atom feed: its root element is <sitemap>"}},
		{name: "empty", steps: []step{func(w http.ResponseWriter, r *http.Request) {}}, wantReqs: 1, wantErr: []string{"has no XML element"}},
		{name: "too large", opts: RSSOptions{MaxBytes: 1000}, steps: []step{ok}, wantReqs: 1,
			wantErr: []string{"the response is larger than max_bytes (1000 bytes)"}},
		{name: "too large without a length", opts: RSSOptions{MaxBytes: 1000}, steps: []step{func(w http.ResponseWriter, r *http.Request) {
			for range 10 {
				w.Write(feed[:500])
				w.(http.Flusher).Flush()
			}
		}}, wantReqs: 1, wantErr: []string{"the response is larger than max_bytes (1000 bytes)"}},
		{name: "gzip bomb", opts: RSSOptions{MaxBytes: 1 << 20}, steps: []step{func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		}}, wantReqs: 1, wantErr: []string{"the response is larger than max_bytes"}},
		{name: "gzip body bomb", opts: RSSOptions{MaxBytes: 1 << 20}, steps: []step{func(w http.ResponseWriter, r *http.Request) {
			w.Write(bomb) // a .xml.gz served as is
		}}, wantReqs: 1, wantErr: []string{"decompresses to more than max_bytes"}},
		{name: "gzip body", steps: []step{func(w http.ResponseWriter, r *http.Request) { w.Write(gzipBytes(t, feed)) }}, wantReqs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reqs atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(reqs.Add(1))
				tt.steps[min(n, len(tt.steps))-1](w, r)
			}))
			defer srv.Close()
			opts := tt.opts
			opts.Window = boolPtr(false)
			src, waits := newTestRSS(t, opts)
			src.dl.now = func() time.Time { return now }
			url := srv.URL + "/feed.xml"
			page, err := src.Fetch(t.Context(), Query{Value: url}, "")
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Fetch = %v", err)
				}
				if len(page.Records) != 6 || page.Stats != tt.wantStats {
					t.Errorf("Fetch = %d records, stats %+v; want 6 and %+v", len(page.Records), page.Stats, tt.wantStats)
				}
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) || !strings.Contains(err.Error(), "rss: ") || !strings.Contains(err.Error(), url) {
					t.Errorf("Fetch = %v; want an error naming %s and saying %q", err, url, w)
				}
			}
			if int(reqs.Load()) != tt.wantReqs {
				t.Errorf("%d requests; want %d", reqs.Load(), tt.wantReqs)
			}
			if tt.waits != nil && !tt.waits(waits.list()) {
				t.Errorf("waits = %v", waits.list())
			}
		})
	}
}

// rssBomb is n zero bytes gzipped: a few kilobytes.
func rssBomb(tb testing.TB, n int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	for range n >> 20 {
		zw.Write(zero)
	}
	zw.Close()
	return buf.Bytes()
}

// TestRSSRetryStats checks the stats a page reports after retries.
func TestRSSRetryStats(t *testing.T) {
	feed := rssFixture(t, "news.xml")
	var reqs atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch reqs.Add(1) {
		case 1:
			http.Error(w, "busy", http.StatusInternalServerError)
		case 2:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		default:
			w.Write(feed)
		}
	}))
	defer srv.Close()
	src, waits := newTestRSS(t, RSSOptions{Window: boolPtr(false)})
	page, err := src.Fetch(t.Context(), Query{Value: srv.URL}, "")
	if err != nil || len(page.Records) != 6 || page.Stats != (FetchStats{Retries: 1, RateLimitWaits: 1}) {
		t.Errorf("Fetch = %d records, stats %+v, %v; want 6, 1 retry and 1 rate-limit wait", len(page.Records), page.Stats, err)
	}
	if w := waits.list(); len(w) != 2 || w[1] != time.Second {
		t.Errorf("waits = %v; want a backoff then 1s", w)
	}
}

// TestRSSConditionalGet checks that an ETag and Last-Modified are sent
// back and that a 304 reuses the last body: the window may differ.
func TestRSSConditionalGet(t *testing.T) {
	feed := rssFixture(t, "news.xml")
	const etag = `"v1"`
	const modified = "Wed, 04 Dec 2024 10:15:00 GMT"
	var full, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == modified {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", modified)
		w.Write(feed)
	}))
	defer srv.Close()
	src, _ := newTestRSS(t, RSSOptions{})
	q := Query{Value: srv.URL + "/news.xml", Start: time.Date(2024, 12, 4, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 12, 5, 0, 0, 0, 0, time.UTC)}
	p1, err := src.Fetch(t.Context(), q, "")
	if err != nil || len(p1.Records) != 4 {
		t.Fatalf("first fetch = %d records, %v; want 4", len(p1.Records), err)
	}
	q.Start, q.End = q.Start.AddDate(0, 0, -4), q.Start // another window: 30 Nov to 3 Dec
	p2, err := src.Fetch(t.Context(), q, "")
	if err != nil || len(p2.Records) != 3 || full.Load() != 1 || notModified.Load() != 1 {
		t.Errorf("second fetch = %d records, %v, %d full and %d 304 answers; want 3, 1 and 1", len(p2.Records), err, full.Load(), notModified.Load())
	}
}

func TestRSSTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	defer srv.Close()
	src, _ := newTestRSS(t, RSSOptions{Timeout: 50 * time.Millisecond, Retries: intPtr(1)})
	_, err := src.Fetch(t.Context(), Query{Value: srv.URL}, "")
	if err == nil || !strings.Contains(err.Error(), "gave up after 2 attempts: no complete answer within the timeout (50ms)") || !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("Fetch(slow) = %v; want a timeout naming the URL", err)
	}
}

// TestRSSCancelled checks that a cancelled context stops the retries.
func TestRSSCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	src, _ := newTestRSS(t, RSSOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	src.dl.wait = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	if _, err := src.Fetch(ctx, Query{Value: srv.URL}, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch(cancelled while waiting) = %v; want context.Canceled", err)
	}
	if _, err := src.Fetch(ctx, Query{Value: srv.URL}, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch(cancelled) = %v; want context.Canceled", err)
	}
}

func TestRSSQueryErrors(t *testing.T) {
	src, _ := newTestRSS(t, RSSOptions{MaxBytes: 100})
	dir := t.TempDir()
	for _, tt := range []struct {
		name   string
		q      Query
		cursor string
		want   string
	}{
		{"no value", Query{Name: "blogs"}, "", `rss: query "blogs" has no feed URL`},
		{"cursor", Query{Value: "https://x/feed"}, "2", `rss: https://x/feed: unexpected cursor "2" (a feed is read as one page)`},
		{"missing file", Query{Value: filepath.Join(dir, "nope.xml")}, "", "nope.xml: no such file"},
		{"file too large", Query{Value: filepath.Join("testdata", "rss", "news.xml")}, "", "news.xml: is larger than max_bytes (100 bytes)"},
		{"bad URL", Query{Value: "http://"}, "", `rss: "http://" is not an http(s) URL`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := src.Fetch(t.Context(), tt.q, tt.cursor)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Fetch(%+v, %q) = %v; want %q", tt.q, tt.cursor, err, tt.want)
			}
		})
	}
}

// TestRSSHostile checks input built to cost memory: deep nesting is refused
// early, and a flat flood of elements costs little.
func TestRSSHostile(t *testing.T) {
	deep := []byte(`<?xml version="1.0"?><rss><channel>` + strings.Repeat("<a>", 1_000_000) + strings.Repeat("</a>", 1_000_000) + `</channel></rss>`)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := parseRSSFeed(deep, "deep.xml")
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "elements nest deeper than 256 at line 1") {
		t.Errorf("parseRSSFeed(deep) = %v; want a nesting error", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("parseRSSFeed(deep) allocated %d bytes; want under 16 MiB", alloc)
	}

	// Many elements the parser does not keep (markup inside a description)
	// leave nothing behind but the description's text.
	flood := []byte(`<rss><channel><item><title>t</title><description>` + strings.Repeat("<b/>", 300_000) + `</description></item></channel></rss>`)
	runtime.GC()
	runtime.ReadMemStats(&before)
	f, err := parseRSSFeed(flood, "flood.xml")
	runtime.GC()
	runtime.ReadMemStats(&after)
	if err != nil || len(f.items) != 1 || len(f.items[0].Summary) != 4*300_000 {
		t.Fatalf("parseRSSFeed(flood) = %v", err)
	}
	// The description and the item's XML: about 2.4 MB.
	if kept := int64(after.HeapAlloc) - int64(before.HeapAlloc); kept > 8<<20 {
		t.Errorf("parseRSSFeed(flood of %d bytes) keeps %d bytes; want under 8 MiB", len(flood), kept)
	}
	runtime.KeepAlive(f)

	// Too many kept elements.
	many := []byte(`<rss><channel>` + strings.Repeat("<item/>", rssMaxNodes+1) + `</channel></rss>`)
	if _, err := parseRSSFeed(many, "many.xml"); err == nil || !strings.Contains(err.Error(), "more than 500000 feed elements") {
		t.Errorf("parseRSSFeed(many) = %v; want a limit error", err)
	}
	// Entities are not expanded beyond the built-in and HTML ones.
	lol := []byte(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss><channel><item><title>&b;</title></item></channel></rss>`)
	if _, err := parseRSSFeed(lol, "lol.xml"); err == nil || !strings.Contains(err.Error(), "malformed XML") {
		t.Errorf("parseRSSFeed(entities) = %v; want malformed XML", err)
	}
}

// TestRSSCharsets reads feeds in the encodings feeds still use.
func TestRSSCharsets(t *testing.T) {
	const title = "Новости — café"
	encode := func(table *[128]rune, s string) []byte {
		var b []byte
		for _, r := range s {
			if r < 0x80 {
				b = append(b, byte(r))
				continue
			}
			i := slices.Index(table[:], r)
			if i < 0 {
				b = append(b, '?')
				continue
			}
			b = append(b, byte(0x80+i))
		}
		return b
	}
	doc := func(enc string) string {
		return `<?xml version="1.0" encoding="` + enc + `"?>` + "\n<rss><channel><item><guid>https://x/1</guid><title>" + title + "</title></item></channel></rss>"
	}
	utf16le := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(doc("UTF-16"))) {
		utf16le = append(utf16le, byte(u), byte(u>>8))
	}
	utf16be := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(doc("utf-16"))) {
		utf16be = append(utf16be, byte(u>>8), byte(u))
	}
	tests := []struct {
		name string
		body []byte
		want string // "" when an error is expected
		err  string
	}{
		{"utf-8", []byte(doc("UTF-8")), title, ""},
		{"utf-8 BOM", append(slices.Clone(utf8BOM), doc("utf-8")...), title, ""},
		{"windows-1251", encode(&rssCP1251, doc("windows-1251")), "Новости — caf?", ""},
		{"windows-1252", encode(&rssCP1252, doc("Windows-1252")), "??????? — café", ""},
		{"iso-8859-1", []byte(strings.ReplaceAll(doc("ISO-8859-1"), title, "caf\xe9")), "café", ""},
		{"utf-16le", utf16le, title, ""},
		{"utf-16be", utf16be, title, ""},
		{"utf-16 without BOM", []byte(doc("UTF-16")), "", `declares encoding "utf-16" but has no UTF-16 byte-order mark`},
		{"unknown", []byte(doc("gb2312")), "", `declares encoding "gb2312"; timpani reads UTF-8`},
		{"invalid utf-8", []byte(strings.ReplaceAll(doc("utf-8"), title, "\xff")), "", "malformed XML at line 2: invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseRSSFeed(tt.body, "feed.xml")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("parse = %v; want %q", err, tt.err)
				}
				return
			}
			if err != nil || len(f.items) != 1 || f.items[0].Title != tt.want {
				t.Errorf("parse = %v; want title %q", err, tt.want)
				if f != nil && len(f.items) > 0 {
					t.Logf("title %q", f.items[0].Title)
				}
			}
		})
	}
}

// FuzzRSSParse: any bytes parse to items or an error, never a panic; every
// item has an id, a unique one, and marshals to JSON that Extract reads.
func FuzzRSSParse(f *testing.F) {
	for _, name := range []string{"news.xml", "blog.atom", "rdf.xml"} {
		f.Add(rssFixture(f, name))
	}
	for _, s := range []string{`<rss><channel><item><title>x</title></item></channel></rss>`,
		`<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="xhtml"><div><p>x</p></div></content></entry></feed>`,
		`<rss><channel><item><guid>1</guid></item><item><guid>1</guid></item></channel></rss>`,
		`<?xml version="1.0" encoding="windows-1251"?><rss><channel><item><title>` + "\xcf\xf0" + `</title></item></channel></rss>`,
		"\xff\xfe<\x00r\x00", `<rss><channel><item><pubDate>Wed, 04 Dec 2024 09:00:28 +9999</pubDate><title>x</title></item></channel></rss>`,
		``, `<`, `<html/>`} {
		f.Add([]byte(s))
	}
	src, _ := newTestRSS(f, RSSOptions{})
	f.Fuzz(func(t *testing.T, body []byte) {
		feed, err := parseRSSFeed(body, "https://example.org/feed")
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, it := range feed.items {
			if it.ID == "" || seen[it.ID] {
				t.Errorf("item id %q empty or repeated", it.ID)
			}
			seen[it.ID] = true
			data, err := it.marshal()
			if err != nil || !json.Valid(data) || !utf8.Valid(data) {
				t.Fatalf("marshal(%q) = %q, %v", it.ID, data, err)
			}
			if _, err := src.Extract(data); err != nil {
				t.Errorf("Extract(%s) = %v", data, err)
			}
		}
	})
}

// FuzzRSSExtract: any bytes give texts or an "rss: " error, never a panic,
// and never the same text twice.
func FuzzRSSExtract(f *testing.F) {
	for _, s := range []string{`{"title":"T","summary":"S","content":"S","published":"2024-12-04T09:00:28Z","authors":["a"]}`,
		`{"updated":"x"}`, `null`, `[]`, `{"title":"\ud800"}`, "{\"title\":\"\xff\"}", `{"authors":[1]}`} {
		f.Add([]byte(s))
	}
	src, _ := newTestRSS(f, RSSOptions{})
	f.Fuzz(func(t *testing.T, data []byte) {
		texts, err := src.Extract(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "rss: ") {
				t.Errorf("Extract(%q) = %q; want an rss: error", data, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, tx := range texts {
			k := strings.TrimSpace(tx.Text)
			if k == "" || seen[k] {
				t.Errorf("Extract(%q) gave a blank or repeated text %q", data, tx.Text)
			}
			seen[k] = true
		}
	})
}

// BenchmarkRSSParse parses a large feed: news.xml's items repeated with
// distinct ids to about 8 MiB (one in eight is news.xml's duplicate, and one
// its empty item).
func BenchmarkRSSParse(b *testing.B) {
	fixture := rssFixture(b, "news.xml")
	start := bytes.Index(fixture, []byte("<item>"))
	end := bytes.LastIndex(fixture, []byte("</item>")) + len("</item>")
	head, items, tail := fixture[:start], fixture[start:end], fixture[end:]
	var body bytes.Buffer
	body.Write(head)
	for i := 0; body.Len() < 8<<20; i++ {
		dup := items
		for _, r := range [][2]string{{"</title>", " %d</title>"}, {"/2024/1", "/%d/2024/1"}, {"ledger-", "ledger-%d-"}, {"/about/", "/about/%d/"}} {
			dup = bytes.ReplaceAll(dup, []byte(r[0]), fmt.Appendf(nil, r[1], i))
		}
		body.Write(dup)
	}
	body.Write(tail)
	n := 0
	for b.Loop() {
		f, err := parseRSSFeed(body.Bytes(), "https://news.example.org/feed")
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range f.items {
			if _, err := it.marshal(); err != nil {
				b.Fatal(err)
			}
		}
		n += len(f.items)
	}
	b.SetBytes(int64(body.Len()))
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "items/s")
}
