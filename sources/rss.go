package sources

// The rss source reads RSS 2.0, Atom 1.0 and RSS 1.0 (RDF) feeds: how
// researchers follow news sites and blogs.
//
// The query value is the feed's http(s) URL, or a local file path (an
// archived feed, a test fixture). A fetch downloads the feed once and
// returns all its items as one page: a feed is small (at most max_bytes),
// and its items change between downloads, so a cursor into it would not
// mean anything on the next one.
//
// A feed is a rolling window of its latest items, so by default (window =
// true) only items published in the query's window [Start, End) are
// yielded, by their published time, else their updated time; an item with
// no readable date is always kept. Each scheduled fetch then archives each
// item once, under its own day. The cost: an item that rolls off the feed
// before the fetch of its day is lost, so a busy feed wants a fetch schedule
// shorter than the time it keeps an item, or window = false (every fetch
// yields the whole feed and items are deduplicated by id downstream).
//
// Record.ID is the item's guid (RSS 2.0), id (Atom) or rdf:about (RSS 1.0);
// one that is not a URI (no scheme, e.g. "12345") is prefixed with the
// feed's URL and "#", because items are unique per source and one source
// may read many feeds. Without one, the item's link is its id; without a
// link, the first 16 hex digits of the SHA-256 of its title, date, summary
// and content. An item with none of these, or a repeat of an earlier
// item's id in the same feed, is skipped and listed in Page.Problems.
//
// Record.Data is the item normalised to one JSON shape (see rssRecord), not
// the feed's XML: the three formats name the same things differently, and
// Extract, the archive's readers (DuckDB, pandas) and the viewer need one
// stable shape whatever the feed was. The item's XML is kept in it as a
// string, for provenance.
//
// The HTTP download (rssDownloader) is shared with the csv source's URL
// queries.

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// RSSOptions are the options of the rss source kind (its TOML table). A
// zero value means the default.
type RSSOptions struct {
	// Window, when true (default), yields only the items published in the
	// query's window, and items with no date; false yields every item of
	// the feed on every fetch.
	Window *bool `toml:"window"`
	// Timeout bounds one download attempt, e.g. "30s" (default).
	Timeout time.Duration `toml:"timeout"`
	// MaxBytes is the largest feed read, after any decompression. Default
	// 16 MiB.
	MaxBytes int64 `toml:"max_bytes"`
	// Retries is how many times a download is tried again after a 5xx
	// answer, a network error or a timeout (with exponential backoff), or a
	// 429 (after its Retry-After). Default 3; 0 tries once.
	Retries *int `toml:"retries"`
	// UserAgent is the User-Agent header sent.
	UserAgent string `toml:"user_agent"`
}

const (
	rssDefaultTimeout  = 30 * time.Second
	rssDefaultMaxBytes = 16 << 20
	rssMaxMaxBytes     = 1 << 30
	rssDefaultRetries  = 3
	rssMaxRetries      = 10
	rssUserAgent       = "timpani (+https://github.com/timpani-dev/timpani)"
	rssAccept          = "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"

	// Backoff between attempts: 1s, 2s, 4s ... at most 30s, each with
	// jitter; a Retry-After longer than rssMaxRetryAfter fails the fetch.
	rssBackoffBase   = time.Second
	rssBackoffMax    = 30 * time.Second
	rssMaxRetryAfter = 5 * time.Minute
	// Each host gets at most this many connections from one source.
	rssConnsPerHost = 4

	// A feed nests a few levels (Atom XHTML content a few more); deeper
	// input is an attack or garbage, refused before it costs memory.
	rssMaxDepth = 256
	// rssMaxNodes caps the elements kept in memory for one feed.
	rssMaxNodes = 500_000

	// Validators and bodies of feeds answered 200 are kept for conditional
	// GETs; a 304 reuses the body (the window may differ from the last
	// fetch's). At most this many bytes of bodies are kept.
	rssCacheBytes = 64 << 20

	rssNSAtom    = "http://www.w3.org/2005/Atom"
	rssNSRSS1    = "http://purl.org/rss/1.0/"
	rssNSRSS090  = "http://my.netscape.com/rdf/simple/0.9/"
	rssNSRDF     = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	rssNSContent = "http://purl.org/rss/1.0/modules/content/"
	rssNSDC      = "http://purl.org/dc/elements/1.1/"
	rssNSXML     = "http://www.w3.org/XML/1998/namespace"
)

// rss is the rss source. Its options are immutable once built and its cache
// is guarded, so one value may serve concurrent fetches.
type rss struct {
	window bool
	dl     *rssDownloader

	mu         sync.Mutex
	cache      map[string]rssCached // by URL
	cacheBytes int64
}

// rssCached is the last 200 answer for a URL that carried a validator.
type rssCached struct {
	body               []byte
	etag, lastModified string
	since              time.Time
}

func buildRSS(opts RSSOptions) (*rss, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("rss: "+format, args...))
	}
	s := &rss{window: opts.Window == nil || *opts.Window}
	timeout, maxBytes, retries, ua := opts.Timeout, opts.MaxBytes, rssDefaultRetries, opts.UserAgent
	if timeout < 0 {
		bad("timeout must be >= 0 (got %s)", timeout)
	}
	if timeout == 0 {
		timeout = rssDefaultTimeout
	}
	if maxBytes < 0 || maxBytes > rssMaxMaxBytes {
		bad("max_bytes must be >= 0 and <= %d (got %d)", rssMaxMaxBytes, maxBytes)
	}
	if maxBytes == 0 {
		maxBytes = rssDefaultMaxBytes
	}
	if opts.Retries != nil {
		if retries = *opts.Retries; retries < 0 || retries > rssMaxRetries {
			bad("retries must be >= 0 and <= %d (got %d)", rssMaxRetries, retries)
		}
	}
	if ua == "" {
		ua = rssUserAgent
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s.dl = newRSSDownloader("max_bytes", rssAccept, ua, timeout, maxBytes, retries)
	return s, nil
}

func (s *rss) Kind() string { return "rss" }

// Fetch downloads the feed (or reads the file) and returns its items, in
// feed order, as one page with no Next. Total is the number of records.
func (s *rss) Fetch(ctx context.Context, q Query, cursor string) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, fmt.Errorf("rss: %w", err)
	}
	if q.Value == "" {
		return Page{}, fmt.Errorf("rss: query %q has no feed URL", q.Name)
	}
	if cursor != "" {
		return Page{}, fmt.Errorf("rss: %s: unexpected cursor %q (a feed is read as one page)", q.Value, cursor)
	}
	body, stats, err := s.load(ctx, q.Value)
	if err != nil {
		return Page{}, fmt.Errorf("rss: %w", err)
	}
	feed, err := parseRSSFeed(body, q.Value)
	if err != nil {
		return Page{}, fmt.Errorf("rss: %s: %w", q.Value, err)
	}
	page := Page{Problems: feed.problems, Stats: stats}
	for _, it := range feed.items {
		if t := it.when(); s.window && !t.IsZero() &&
			((!q.Start.IsZero() && t.Before(q.Start)) || (!q.End.IsZero() && !t.Before(q.End))) {
			continue
		}
		data, err := it.marshal()
		if err != nil {
			return Page{}, fmt.Errorf("rss: %s: item %q: %w", q.Value, it.ID, err)
		}
		page.Records = append(page.Records, Record{ID: it.ID, Data: data})
	}
	page.Total = len(page.Records)
	return page, nil
}

// load returns the feed's bytes: downloaded (conditionally, when an earlier
// answer left a validator) or read from a file, and gunzipped when they are
// gzip whatever the headers said.
func (s *rss) load(ctx context.Context, value string) ([]byte, FetchStats, error) {
	if !csvIsURL(value) {
		f, err := os.Open(value)
		if err != nil {
			return nil, FetchStats{}, err // names the path
		}
		defer f.Close()
		body, err := io.ReadAll(io.LimitReader(f, s.dl.maxBytes+1))
		if err != nil {
			return nil, FetchStats{}, fmt.Errorf("read %s: %w", value, err)
		}
		if int64(len(body)) > s.dl.maxBytes {
			return nil, FetchStats{}, fmt.Errorf("%s: is larger than max_bytes (%d bytes)", value, s.dl.maxBytes)
		}
		body, err = rssGunzip(body, s.dl.maxBytes)
		if err != nil {
			return nil, FetchStats{}, fmt.Errorf("%s: %w", value, err)
		}
		return body, FetchStats{}, nil
	}

	s.mu.Lock()
	c, cached := s.cache[value]
	s.mu.Unlock()
	res, err := s.dl.get(ctx, value, c.etag, c.lastModified)
	if err != nil {
		return nil, res.stats, err
	}
	if res.notModified {
		s.mu.Lock()
		if e, ok := s.cache[value]; ok {
			e.since = s.dl.now()
			s.cache[value] = e
		}
		s.mu.Unlock()
		return c.body, res.stats, nil
	}
	body, err := rssGunzip(res.body, s.dl.maxBytes)
	if err != nil {
		return nil, res.stats, fmt.Errorf("GET %s: %w", value, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cached {
		s.cacheBytes -= int64(len(s.cache[value].body))
		delete(s.cache, value)
	}
	if (res.etag != "" || res.lastModified != "") && int64(len(body)) <= rssCacheBytes/4 {
		for s.cacheBytes+int64(len(body)) > rssCacheBytes {
			oldest := ""
			for k, v := range s.cache {
				if oldest == "" || v.since.Before(s.cache[oldest].since) {
					oldest = k
				}
			}
			s.cacheBytes -= int64(len(s.cache[oldest].body))
			delete(s.cache, oldest)
		}
		if s.cache == nil {
			s.cache = make(map[string]rssCached)
		}
		s.cache[value] = rssCached{body: body, etag: res.etag, lastModified: res.lastModified, since: s.dl.now()}
		s.cacheBytes += int64(len(body))
	}
	return body, res.stats, nil
}

// rssGunzip decompresses a gzip body (a feed.xml.gz, or a server that sent
// gzip without saying so), refusing more than max bytes: a small gzip file
// can hold gigabytes.
func rssGunzip(body []byte, max int64) ([]byte, error) {
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		return body, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("corrupt gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, max+1))
	if err != nil {
		return nil, fmt.Errorf("corrupt gzip: %w", err)
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("decompresses to more than max_bytes (%d bytes)", max)
	}
	return out, nil
}

// Extract maps one record to a Text for its title (Field "title"), summary
// ("summary") and content ("content"), skipping blank ones and any text
// equal to an earlier one (feeds often repeat the title as the summary, or
// the summary as the content). HTML is left as the feed gave it, for the
// workflow's clean-up step. PublishedAt is the published time, else the
// updated time.
func (s *rss) Extract(data json.RawMessage) ([]Text, error) {
	var r rssRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("rss: record: %w", err)
	}
	var base Text
	for _, d := range []struct{ key, val string }{{"published", r.Published}, {"updated", r.Updated}} {
		if d.val == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, d.val)
		if err != nil {
			return nil, fmt.Errorf("rss: record: %s %q is not an RFC 3339 time", d.key, jsonlClip(d.val))
		}
		base.PublishedAt = t.UTC()
		break
	}
	base.URL = r.Link
	base.Language = strings.TrimSpace(r.Language)
	var authors []string
	for _, a := range r.Authors {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(authors, a) {
			authors = append(authors, a)
		}
	}
	base.Author = strings.Join(authors, ", ")
	var texts []Text
	for _, f := range []struct{ field, text string }{{"title", r.Title}, {"summary", r.Summary}, {"content", r.Content}} {
		key := strings.TrimSpace(f.text)
		if key == "" || slices.ContainsFunc(texts, func(t Text) bool { return strings.TrimSpace(t.Text) == key }) {
			continue
		}
		t := base
		t.Field, t.Text = f.field, f.text
		texts = append(texts, t)
	}
	return texts, nil
}

// rssRecord is Record.Data of a feed item. Every key is always present
// (empty when the feed has nothing for it), so the archive has one shape.
type rssRecord struct {
	ID         string        `json:"id"`
	Link       string        `json:"link"`
	Title      string        `json:"title"`
	Summary    string        `json:"summary"` // RSS description, Atom summary
	Content    string        `json:"content"` // RSS content:encoded, Atom content
	Published  string        `json:"published"`
	Updated    string        `json:"updated"` // RFC 3339 UTC, or "" when absent or unreadable
	Authors    []string      `json:"authors"`
	Categories []string      `json:"categories"`
	Language   string        `json:"language"` // the item's, else the feed's, as written
	Feed       rssRecordFeed `json:"feed"`
	XML        string        `json:"xml"` // the item's element as it stood in the feed
}

type rssRecordFeed struct {
	URL    string `json:"url"` // the query value the feed was read from
	Title  string `json:"title"`
	Link   string `json:"link"`   // the site's address
	Format string `json:"format"` // "rss", "atom" or "rdf"
}

// rssItem is a parsed item: its record and its times.
type rssItem struct {
	rssRecord
	published, updated time.Time
}

// when is the time the window filters by.
func (it *rssItem) when() time.Time {
	if !it.published.IsZero() {
		return it.published
	}
	return it.updated
}

func (it *rssItem) marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep "<p>" readable in the archive
	if err := enc.Encode(it.rssRecord); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// rssFeed is a parsed feed.
type rssFeed struct {
	items    []rssItem
	problems []string
}

// rssNode is an element kept from the feed: the feed's containers (root,
// channel, item, entry, author) and their fields. Elements under a field
// (XHTML content, stray markup in a description) are not kept: the field
// is then "mixed" and its value is its inner XML, sliced from the body.
type rssNode struct {
	name       xml.Name
	attrs      []xml.Attr
	text       []byte
	kids       []*rssNode
	mixed      bool
	start, end int64 // the element in the body
	inner      [2]int64
	// the first element under a mixed field and how many there are, to
	// unwrap Atom's <div> around XHTML content
	sub    int
	subTag xml.Name
	subIn  [2]int64
}

// Which elements are kept: containers hold fields; fields hold text.
var (
	rssContainers = map[string]bool{"rss": true, "RDF": true, "feed": true, "channel": true,
		"item": true, "entry": true, "author": true, "contributor": true}
	rssFields = map[string]bool{"channel": true, "item": true, "entry": true, "title": true, "link": true,
		"guid": true, "description": true, "summary": true, "content": true, "encoded": true, "pubDate": true,
		"published": true, "updated": true, "date": true, "creator": true, "author": true, "contributor": true,
		"name": true, "email": true, "category": true, "subject": true, "language": true, "id": true}
	// Containers whose text is only the whitespace between their fields.
	rssNoText = map[string]bool{"rss": true, "RDF": true, "feed": true, "channel": true, "item": true, "entry": true}
)

// parseRSSFeed parses a feed's bytes; feedURL names it in ids and problems.
func parseRSSFeed(body []byte, feedURL string) (*rssFeed, error) {
	body, err := rssUTF8(body)
	if err != nil {
		return nil, err
	}
	root, err := rssTree(body)
	if err != nil {
		return nil, err
	}
	p := &rssParser{body: body, url: feedURL, seen: map[string]int{}}
	if u, err := url.Parse(feedURL); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		p.base = u
	}
	switch {
	case root.name.Local == "rss":
		err = p.rss2(root)
	case root.name.Local == "feed" && root.name.Space == rssNSAtom:
		err = p.atom(root)
	case root.name.Local == "RDF" && root.name.Space == rssNSRDF:
		err = p.rdf(root)
	case strings.EqualFold(root.name.Local, "html"):
		err = errors.New("is an HTML page, not a feed (look for its <link rel=\"alternate\" type=\"application/rss+xml\">)")
	default:
		err = fmt.Errorf("is not an RSS or Atom feed: its root element is <%s>", rssTag(root.name))
	}
	if err != nil {
		return nil, err
	}
	return &p.feed, nil
}

func rssTag(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Local + " xmlns=\"" + n.Space + "\""
}

// rssTree parses the body into kept nodes, refusing deep nesting and too
// many elements before they cost memory (encoding/xml itself keeps a stack
// entry per open element and never expands custom entities).
func rssTree(body []byte) (*rssNode, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.Entity = xml.HTMLEntity // &nbsp; and friends are common in feeds
	// rssUTF8 has converted the body already, whatever its prolog says.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	type frame struct {
		node *rssNode // nil: an element not kept
		kept *rssNode // the nearest kept element
	}
	var stack []frame
	var root *rssNode
	nodes := 0
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if root != nil && strings.EqualFold(root.name.Local, "html") {
				return nil, errors.New("is an HTML page, not a feed")
			}
			if errors.As(err, &se) {
				return nil, fmt.Errorf("malformed XML at line %d: %s", se.Line, se.Msg)
			}
			return nil, fmt.Errorf("malformed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= rssMaxDepth {
				return nil, fmt.Errorf("elements nest deeper than %d at line %d", rssMaxDepth, rssLine(body, off))
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("malformed XML at line %d: a second root element <%s>", rssLine(body, off), t.Name.Local)
				}
				root = &rssNode{name: t.Name, attrs: slices.Clone(t.Attr), start: off}
				root.inner[0] = d.InputOffset()
				stack = append(stack, frame{root, root})
				continue
			}
			top := stack[len(stack)-1]
			if top.node != nil && rssContainers[top.node.name.Local] && rssFields[t.Name.Local] {
				if nodes++; nodes > rssMaxNodes {
					return nil, fmt.Errorf("has more than %d feed elements", rssMaxNodes)
				}
				n := &rssNode{name: t.Name, attrs: slices.Clone(t.Attr), start: off}
				n.inner[0] = d.InputOffset()
				top.node.kids = append(top.node.kids, n)
				stack = append(stack, frame{n, n})
				continue
			}
			k := top.kept
			k.mixed = true
			if top.node == k { // directly under the kept element
				if k.sub++; k.sub == 1 {
					k.subTag, k.subIn[0] = t.Name, d.InputOffset()
				}
			}
			stack = append(stack, frame{nil, k})
		case xml.EndElement:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top.node != nil {
				top.node.inner[1], top.node.end = off, d.InputOffset()
			} else if len(stack) > 0 && stack[len(stack)-1].node == top.kept && top.kept.sub == 1 {
				top.kept.subIn[1] = off
			}
		case xml.CharData:
			if len(stack) == 0 {
				continue // text around the root element is not part of the feed
			}
			if top := stack[len(stack)-1]; top.node != nil && !rssNoText[top.node.name.Local] {
				top.node.text = append(top.node.text, t...)
			}
		}
	}
	if root == nil {
		return nil, errors.New("has no XML element (is it empty?)")
	}
	return root, nil
}

// rssLine is the 1-based line of a byte offset, for messages.
func rssLine(body []byte, off int64) int {
	return 1 + bytes.Count(body[:min(off, int64(len(body)))], []byte("\n"))
}

// rssParser maps kept nodes to items.
type rssParser struct {
	body []byte
	url  string
	base *url.URL // the feed URL, to resolve relative links; nil for a file
	feed rssFeed
	info rssRecordFeed
	lang string
	seen map[string]int // id → line of the item that had it
	n    int            // items met so far, for problems
	// lineOff and line are where lineAt last counted to, since items come
	// in document order and counting from the start each time would take
	// time quadratic in the feed's size.
	lineOff int64
	line    int
}

// lineAt is the 1-based line of a byte offset.
func (p *rssParser) lineAt(off int64) int {
	off = min(off, int64(len(p.body)))
	if off < p.lineOff || p.line == 0 {
		p.lineOff, p.line = 0, 1
	}
	p.line += bytes.Count(p.body[p.lineOff:off], []byte("\n"))
	p.lineOff = off
	return p.line
}

// Namespaces accepted for each vocabulary. Undeclared prefixes come out of
// encoding/xml as the prefix itself, so the usual prefix is accepted too.
var (
	rssDC      = []string{rssNSDC, "dc"}
	rssContent = []string{rssNSContent, "content"}
	rssAtomNS  = []string{rssNSAtom, "atom"}
	rssRSS1    = []string{rssNSRSS1, rssNSRSS090}
	rssXMLNS   = []string{rssNSXML, "xml"}
)

func (n *rssNode) kid(local string, spaces []string) *rssNode {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name.Local == local && slices.Contains(spaces, k.name.Space) {
			return k
		}
	}
	return nil
}

func (n *rssNode) all(local string, spaces []string) []*rssNode {
	if n == nil {
		return nil
	}
	var out []*rssNode
	for _, k := range n.kids {
		if k.name.Local == local && slices.Contains(spaces, k.name.Space) {
			out = append(out, k)
		}
	}
	return out
}

func (n *rssNode) attr(local string, spaces []string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attrs {
		if a.Name.Local == local && slices.Contains(spaces, a.Name.Space) {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// val is a field's value, trimmed: its text, or for mixed content its inner
// XML (without Atom's wrapping <div> around XHTML).
func (p *rssParser) val(n *rssNode) string {
	if n == nil {
		return ""
	}
	if !n.mixed {
		return strings.TrimSpace(string(n.text))
	}
	if n.sub == 1 && n.subTag.Local == "div" && strings.TrimSpace(string(n.text)) == "" && n.subIn[1] > n.subIn[0] {
		return strings.TrimSpace(string(p.body[n.subIn[0]:n.subIn[1]]))
	}
	return strings.TrimSpace(string(p.body[n.inner[0]:n.inner[1]]))
}

// link resolves a link against the feed's URL when it is relative.
func (p *rssParser) link(s string) string {
	if s == "" || p.base == nil {
		return s
	}
	u, err := url.Parse(s)
	if err != nil || u.IsAbs() {
		return s
	}
	return p.base.ResolveReference(u).String()
}

// atomLink is the href of the first link with rel "alternate" (or none).
func (p *rssParser) atomLink(n *rssNode, spaces []string) string {
	for _, l := range n.all("link", spaces) {
		if rel := l.attr("rel", []string{""}); rel == "" || rel == "alternate" {
			if href := l.attr("href", []string{""}); href != "" {
				return p.link(href)
			}
		}
	}
	return ""
}

func (p *rssParser) language(n *rssNode) string { return n.attr("lang", rssXMLNS) }

func (p *rssParser) rss2(root *rssNode) error {
	core := []string{"", root.name.Space}
	ch := root.kid("channel", core)
	if ch == nil {
		return errors.New("is an RSS feed without a <channel>")
	}
	p.info = rssRecordFeed{URL: p.url, Format: "rss", Title: p.val(ch.kid("title", core)), Link: p.link(p.val(ch.kid("link", core)))}
	p.lang = rssFirst(p.val(ch.kid("language", core)), p.val(ch.kid("language", rssDC)), p.language(ch), p.language(root))
	for _, n := range append(ch.all("item", core), root.all("item", core)...) {
		it := rssItem{}
		it.Title = p.val(n.kid("title", core))
		it.Summary = p.val(n.kid("description", core))
		it.Content = p.val(n.kid("encoded", rssContent))
		guid := n.kid("guid", core)
		it.Link = p.link(p.val(n.kid("link", core)))
		if it.Link == "" {
			it.Link = p.atomLink(n, rssAtomNS)
		}
		if g := p.val(guid); it.Link == "" && g != "" && guid.attr("isPermaLink", []string{""}) != "false" && csvIsURL(g) {
			it.Link = g // a permalink guid is the item's address
		}
		pub := rssFirst(p.val(n.kid("pubDate", core)), p.val(n.kid("date", rssDC)), p.val(n.kid("published", rssAtomNS)))
		upd := p.val(n.kid("updated", rssAtomNS))
		for _, a := range n.all("author", core) {
			it.Authors = rssAppend(it.Authors, rssEmailName(p.val(a)))
		}
		for _, a := range n.all("creator", rssDC) {
			it.Authors = rssAppend(it.Authors, p.val(a))
		}
		for _, c := range append(n.all("category", core), n.all("subject", rssDC)...) {
			it.Categories = rssAppend(it.Categories, p.val(c))
		}
		it.Language = rssFirst(p.val(n.kid("language", rssDC)), p.language(n), p.lang)
		p.add(n, &it, p.val(guid), pub, upd)
	}
	return nil
}

func (p *rssParser) atom(root *rssNode) error {
	p.info = rssRecordFeed{URL: p.url, Format: "atom", Title: p.val(root.kid("title", rssAtomNS)), Link: p.atomLink(root, rssAtomNS)}
	p.lang = p.language(root)
	feedAuthors := p.atomAuthors(root)
	for _, n := range root.all("entry", rssAtomNS) {
		it := rssItem{}
		it.Title = p.val(n.kid("title", rssAtomNS))
		it.Summary = p.val(n.kid("summary", rssAtomNS))
		if c := n.kid("content", rssAtomNS); c != nil && c.attr("src", []string{""}) == "" {
			it.Content = p.val(c) // content with src is elsewhere; not fetched
		}
		it.Link = p.atomLink(n, rssAtomNS)
		// An entry without authors has the feed's (RFC 4287 §4.2.1).
		if it.Authors = p.atomAuthors(n); len(it.Authors) == 0 {
			it.Authors = feedAuthors
		}
		for _, c := range n.all("category", rssAtomNS) {
			it.Categories = rssAppend(it.Categories, rssFirst(c.attr("term", []string{""}), c.attr("label", []string{""})))
		}
		it.Language = rssFirst(p.language(n), p.lang)
		p.add(n, &it, p.val(n.kid("id", rssAtomNS)), p.val(n.kid("published", rssAtomNS)), p.val(n.kid("updated", rssAtomNS)))
	}
	return nil
}

func (p *rssParser) atomAuthors(n *rssNode) []string {
	var out []string
	for _, a := range n.all("author", rssAtomNS) {
		out = rssAppend(out, rssFirst(p.val(a.kid("name", rssAtomNS)), p.val(a.kid("email", rssAtomNS))))
	}
	return out
}

func (p *rssParser) rdf(root *rssNode) error {
	ch := root.kid("channel", rssRSS1)
	p.info = rssRecordFeed{URL: p.url, Format: "rdf", Title: p.val(ch.kid("title", rssRSS1)), Link: p.link(p.val(ch.kid("link", rssRSS1)))}
	p.lang = rssFirst(p.val(ch.kid("language", rssDC)), p.language(ch), p.language(root))
	for _, n := range root.all("item", rssRSS1) {
		it := rssItem{}
		it.Title = p.val(n.kid("title", rssRSS1))
		it.Summary = p.val(n.kid("description", rssRSS1))
		it.Content = p.val(n.kid("encoded", rssContent))
		it.Link = p.link(p.val(n.kid("link", rssRSS1)))
		for _, a := range n.all("creator", rssDC) {
			it.Authors = rssAppend(it.Authors, p.val(a))
		}
		for _, c := range n.all("subject", rssDC) {
			it.Categories = rssAppend(it.Categories, p.val(c))
		}
		it.Language = rssFirst(p.val(n.kid("language", rssDC)), p.language(n), p.lang)
		p.add(n, &it, n.attr("about", []string{rssNSRDF}), p.val(n.kid("date", rssDC)), "")
	}
	return nil
}

// add finishes an item: its dates, id and shape; it skips, with a problem,
// one without an id or text, and a repeat of an earlier id.
func (p *rssParser) add(n *rssNode, it *rssItem, native, pub, upd string) {
	p.n++
	line := p.lineAt(n.start)
	problem := func(format string, args ...any) {
		p.feed.problems = append(p.feed.problems, fmt.Sprintf("%s:%d: item %d: ", p.url, line, p.n)+fmt.Sprintf(format, args...))
	}
	var ok bool
	if it.published, ok = rssParseDate(pub); ok {
		it.Published = it.published.Format(time.RFC3339Nano)
	}
	if it.updated, ok = rssParseDate(upd); ok {
		it.Updated = it.updated.Format(time.RFC3339Nano)
	}
	switch {
	case native != "" && rssHasScheme(native):
		it.ID = native
	case native != "":
		it.ID = p.url + "#" + native
	case it.Link != "":
		it.ID = it.Link
	case it.Title != "" || pub != "" || it.Summary != "" || it.Content != "":
		h := sha256.New()
		for _, s := range []string{it.Title, pub, it.Summary, it.Content} {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		it.ID = hex.EncodeToString(h.Sum(nil)[:8])
	default:
		problem("no id, link, title, date or text; skipped")
		return
	}
	if first, dup := p.seen[it.ID]; dup {
		problem("repeats the id %q of the item at line %d; skipped", jsonlClip(it.ID), first)
		return
	}
	p.seen[it.ID] = line
	it.Feed = p.info
	it.XML = string(p.body[n.start:n.end])
	if it.Authors == nil {
		it.Authors = []string{}
	}
	if it.Categories == nil {
		it.Categories = []string{}
	}
	p.feed.items = append(p.feed.items, *it)
}

func rssFirst(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// rssAppend adds a non-empty value not there yet.
func rssAppend(list []string, v string) []string {
	if v == "" || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// rssEmailName turns RSS 2.0's "jo@example.com (Jo Bloggs)" into the name.
func rssEmailName(s string) string {
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") && strings.Contains(s[:i], "@") {
		if name := strings.TrimSpace(s[i+1 : len(s)-1]); name != "" {
			return name
		}
	}
	return s
}

// rssHasScheme reports whether an id is a URI (http:, urn:, tag: ...),
// globally unique by construction.
var rssSchemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:[^\s]`)

func rssHasScheme(s string) bool { return rssSchemeRE.MatchString(s) }

// rssZones are the named zones RFC 822 defines, plus the abbreviations feeds
// commonly use, in minutes east of UTC. time.Parse would read an unknown
// abbreviation as UTC (unless it is the local zone's), so feeds' "EST" and
// "PDT" are mapped here. An unknown name is read as UTC too.
var rssZones = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
	"EST": -5 * 60, "EDT": -4 * 60, "CST": -6 * 60, "CDT": -5 * 60,
	"MST": -7 * 60, "MDT": -6 * 60, "PST": -8 * 60, "PDT": -7 * 60,
	"AKST": -9 * 60, "AKDT": -8 * 60, "HST": -10 * 60,
	"BST": 60, "CET": 60, "CEST": 2 * 60, "WEST": 60, "EET": 2 * 60, "EEST": 3 * 60, "MSK": 3 * 60,
	"JST": 9 * 60, "KST": 9 * 60, "HKT": 8 * 60, "SGT": 8 * 60,
	"AEST": 10 * 60, "AEDT": 11 * 60, "NZST": 12 * 60, "NZDT": 13 * 60,
}

var rssMonths = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// rssParseDate reads a feed date: RFC 3339 and W3C-DTF (Atom, dc:date),
// and RFC 822/1123 with their variants (no weekday, one-digit days, two-
// digit years, no seconds, named or numeric zones, "+03:00", "GMT+3").
func rssParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05",
		"2006-01-02T15:04", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return rssParse822(s)
}

func rssParse822(s string) (time.Time, bool) {
	f := strings.Fields(strings.ReplaceAll(s, ",", " "))
	if len(f) > 0 && rssWeekday(f[0]) {
		f = f[1:]
	}
	if len(f) >= 2 && rssMonth(f[0]) > 0 { // "Jan 02 2006 ..."
		f[0], f[1] = f[1], f[0]
	}
	if len(f) < 3 {
		return time.Time{}, false
	}
	day, err := strconv.Atoi(f[0])
	month := rssMonth(f[1])
	year, err2 := strconv.Atoi(f[2])
	if err != nil || err2 != nil || month == 0 || year < 0 {
		return time.Time{}, false
	}
	switch len(f[2]) {
	case 2: // RFC 822's two-digit years, read as Go's time package does
		if year < 69 {
			year += 2000
		} else {
			year += 1900
		}
	case 4:
	default:
		return time.Time{}, false
	}
	var hour, minute, sec, nsec int
	if len(f) > 3 {
		parts := strings.Split(f[3], ":")
		if len(parts) < 2 || len(parts) > 3 {
			return time.Time{}, false
		}
		var ok bool
		if hour, ok = rssDigits(parts[0], 23); !ok {
			return time.Time{}, false
		}
		if minute, ok = rssDigits(parts[1], 59); !ok {
			return time.Time{}, false
		}
		if len(parts) == 3 {
			whole, frac, _ := strings.Cut(parts[2], ".")
			if sec, ok = rssDigits(whole, 60); !ok {
				return time.Time{}, false
			}
			sec = min(sec, 59) // a leap second
			if frac != "" {
				if len(frac) > 9 || strings.Trim(frac, "0123456789") != "" {
					return time.Time{}, false
				}
				n, _ := strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
				nsec = n
			}
		}
	}
	offset := 0
	if len(f) > 4 && !strings.HasPrefix(f[4], "(") {
		var ok bool
		if offset, ok = rssZone(f[4]); !ok {
			return time.Time{}, false
		}
	}
	if day < 1 || day > 31 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.FixedZone("", offset*60))
	if t.Day() != day { // 31 April
		return time.Time{}, false
	}
	return t.UTC(), true
}

func rssWeekday(s string) bool {
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		if strings.HasPrefix(s, d) && len(s) >= 3 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz") == "" {
			return true
		}
	}
	return false
}

// rssMonth is a month name's number (1-12; "Sept" and full names too), or 0.
func rssMonth(s string) int {
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	if len(s) < 3 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz") != "" {
		return 0
	}
	for i, m := range rssMonths {
		if strings.HasPrefix(s, m) {
			return i + 1
		}
	}
	return 0
}

// rssDigits reads 1 or 2 digits no greater than max.
func rssDigits(s string, max int) (int, bool) {
	if len(s) < 1 || len(s) > 2 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, _ := strconv.Atoi(s)
	return n, n <= max
}

// rssZone reads "+0300", "-07:00", "+03", "GMT+3", "UTC-05:30" or a name,
// in minutes east of UTC.
func rssZone(z string) (int, bool) {
	u := strings.ToUpper(z)
	if off, ok := rssZones[u]; ok {
		return off, true
	}
	for _, p := range []string{"GMT", "UTC", "UT"} {
		if rest, ok := strings.CutPrefix(u, p); ok && rest != "" && (rest[0] == '+' || rest[0] == '-') {
			u = rest
			break
		}
	}
	if u == "" || (u[0] != '+' && u[0] != '-') {
		if strings.Trim(u, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" && len(u) <= 5 {
			return 0, true // an unknown abbreviation: read as UTC, as time.Parse does
		}
		return 0, false
	}
	sign := 1
	if u[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(u[1:], ":", "")
	if digits == "" || len(digits) > 4 || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	var h, m int
	switch len(digits) {
	case 1, 2:
		h, _ = strconv.Atoi(digits)
	case 3:
		h, _ = strconv.Atoi(digits[:1])
		m, _ = strconv.Atoi(digits[1:])
	case 4:
		h, _ = strconv.Atoi(digits[:2])
		m, _ = strconv.Atoi(digits[2:])
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*60 + m), true
}

// rssUTF8 returns the body as UTF-8: a UTF-8 byte-order mark dropped,
// UTF-16 (with a mark) converted, and the single-byte encodings feeds still
// declare (ISO-8859-1, Windows-1252, Windows-1251) converted. Other
// declared encodings are refused by name.
func rssUTF8(body []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(body, utf8BOM):
		return body[len(utf8BOM):], nil
	case bytes.HasPrefix(body, utf16LEBOM), bytes.HasPrefix(body, utf16BEBOM):
		if len(body)%2 != 0 {
			return nil, errors.New("is UTF-16 with an odd number of bytes (truncated?)")
		}
		u := make([]uint16, 0, len(body)/2-1)
		le := body[0] == 0xFF
		for i := 2; i+1 < len(body); i += 2 {
			if le {
				u = append(u, uint16(body[i])|uint16(body[i+1])<<8)
			} else {
				u = append(u, uint16(body[i])<<8|uint16(body[i+1]))
			}
		}
		return []byte(string(utf16.Decode(u))), nil
	}
	enc := strings.ToLower(rssDeclaredEncoding(body))
	var table *[128]rune
	switch enc {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return body, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1":
		table = nil
	case "windows-1252", "cp1252", "x-cp1252":
		table = &rssCP1252
	case "windows-1251", "cp1251", "x-cp1251":
		table = &rssCP1251
	case "utf-16", "utf-16le", "utf-16be":
		return nil, fmt.Errorf("declares encoding %q but has no UTF-16 byte-order mark", enc)
	default:
		return nil, fmt.Errorf("declares encoding %q; timpani reads UTF-8, UTF-16, ISO-8859-1, Windows-1251 and Windows-1252", enc)
	}
	out := make([]byte, 0, len(body)+len(body)/4)
	for _, c := range body {
		switch {
		case c < 0x80:
			out = append(out, c)
		case table == nil:
			out = utf8.AppendRune(out, rune(c))
		default:
			out = utf8.AppendRune(out, table[c-0x80])
		}
	}
	return out, nil
}

var rssEncodingRE = regexp.MustCompile(`^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// rssDeclaredEncoding is the encoding an XML declaration names, or "".
func rssDeclaredEncoding(body []byte) string {
	head := body[:min(len(body), 256)]
	if m := rssEncodingRE.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	return ""
}

// rssCP1251 and rssCP1252 map bytes 0x80-0xFF to runes (undefined bytes to
// the C1 control of the same value, as browsers do).
var rssCP1251 = [128]rune{
	0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,
	0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
	0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x0098, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
	0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,
	0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
	0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,
	0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
	0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417,
	0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,
	0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427,
	0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,
	0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437,
	0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
	0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447,
	0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,
}

var rssCP1252 = [128]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
	0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7,
	0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,
	0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7,
	0x00B8, 0x00B9, 0x00BA, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x00BF,
	0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
	0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF,
	0x00D0, 0x00D1, 0x00D2, 0x00D3, 0x00D4, 0x00D5, 0x00D6, 0x00D7,
	0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF,
	0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7,
	0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x00EC, 0x00ED, 0x00EE, 0x00EF,
	0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7,
	0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF,
}

// rssDownloader is one HTTP GET with bounded retries, used by rss and by
// csv's URL queries: a timeout per attempt, a User-Agent, a body read
// through a size limit, exponential backoff with jitter on 5xx answers,
// timeouts and network errors, Retry-After honoured on 429 (and 503), and
// any other answer but 2xx and 304 an error naming the URL.
type rssDownloader struct {
	client    *http.Client
	limitKey  string // the option that sets maxBytes, for messages
	accept    string
	userAgent string
	timeout   time.Duration
	maxBytes  int64
	retries   int
	now       func() time.Time
	// wait sleeps between attempts; tests replace it to record the waits.
	wait func(ctx context.Context, d time.Duration) error
}

func newRSSDownloader(limitKey, accept, ua string, timeout time.Duration, maxBytes int64, retries int) *rssDownloader {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxConnsPerHost = rssConnsPerHost
	return &rssDownloader{
		client:   &http.Client{Transport: tr},
		limitKey: limitKey, accept: accept, userAgent: ua,
		timeout: timeout, maxBytes: maxBytes, retries: retries,
		now: time.Now, wait: rssSleep,
	}
}

func rssSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// rssResponse is a successful download: the body, or notModified for a 304.
type rssResponse struct {
	body               []byte
	notModified        bool
	etag, lastModified string
	stats              FetchStats
}

// rssRetry marks an attempt's error as worth another attempt.
type rssRetry struct {
	err         error
	after       time.Duration // the server's Retry-After; 0 when none
	rateLimited bool          // a 429
}

func (e *rssRetry) Error() string { return e.err.Error() }
func (e *rssRetry) Unwrap() error { return e.err }

// get downloads url. etag and lastModified, when set, make the request
// conditional. The stats count the retries and rate-limit waits, also on
// failure.
func (d *rssDownloader) get(ctx context.Context, rawURL, etag, lastModified string) (rssResponse, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return rssResponse{}, fmt.Errorf("%q is not an http(s) URL", rawURL)
	}
	var stats FetchStats
	for attempt := 0; ; attempt++ {
		res, err := d.try(ctx, rawURL, etag, lastModified)
		if err == nil {
			res.stats = stats
			return res, nil
		}
		var retry *rssRetry
		if !errors.As(err, &retry) {
			return rssResponse{stats: stats}, err
		}
		if ctx.Err() != nil {
			return rssResponse{stats: stats}, fmt.Errorf("GET %s: %w", rawURL, ctx.Err())
		}
		if attempt >= d.retries {
			return rssResponse{stats: stats}, fmt.Errorf("GET %s: gave up after %d attempts: %w", rawURL, attempt+1, retry.err)
		}
		wait := rssBackoff(attempt)
		if retry.after > rssMaxRetryAfter {
			return rssResponse{stats: stats}, fmt.Errorf("GET %s: %v, asking to wait %s before trying again (more than %s); try later",
				rawURL, retry.err, retry.after, rssMaxRetryAfter)
		}
		if retry.after > 0 {
			wait = retry.after
		}
		if retry.rateLimited {
			stats.RateLimitWaits++
		} else {
			stats.Retries++
		}
		if err := d.wait(ctx, wait); err != nil {
			return rssResponse{stats: stats}, fmt.Errorf("GET %s: %w", rawURL, err)
		}
	}
}

// rssBackoff is the wait before attempt n+1: rssBackoffBase doubled n
// times, at most rssBackoffMax, drawn from its upper half so that clients
// failing together do not retry together.
func rssBackoff(n int) time.Duration {
	d := min(rssBackoffBase<<min(n, 10), rssBackoffMax)
	return d/2 + rand.N(d/2+1)
}

// try is one attempt.
func (d *rssDownloader) try(ctx context.Context, rawURL, etag, lastModified string) (rssResponse, error) {
	actx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, rawURL, nil)
	if err != nil {
		return rssResponse{}, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", d.userAgent)
	req.Header.Set("Accept", d.accept)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return rssResponse{}, &rssRetry{err: d.netError(actx, err)}
	}
	defer resp.Body.Close()
	status := errors.New(resp.Status)
	code := resp.StatusCode
	if code < 200 || code > 299 {
		// Read a little of the body so the connection can be reused.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	}
	switch {
	case code == http.StatusNotModified:
		if etag == "" && lastModified == "" {
			return rssResponse{}, fmt.Errorf("GET %s: 304 Not Modified to a request that was not conditional", rawURL)
		}
		return rssResponse{notModified: true, etag: etag, lastModified: lastModified}, nil
	case code == http.StatusTooManyRequests:
		return rssResponse{}, &rssRetry{err: status, after: d.retryAfter(resp), rateLimited: true}
	case code >= 500 || code == http.StatusRequestTimeout:
		return rssResponse{}, &rssRetry{err: status, after: d.retryAfter(resp)}
	case code < 200 || code > 299:
		return rssResponse{}, fmt.Errorf("GET %s: %s", rawURL, resp.Status)
	}
	tooBig := fmt.Errorf("GET %s: the response is larger than %s (%d bytes)", rawURL, d.limitKey, d.maxBytes)
	if resp.ContentLength > d.maxBytes {
		return rssResponse{}, tooBig
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, d.maxBytes+1))
	if err != nil {
		return rssResponse{}, &rssRetry{err: fmt.Errorf("reading the response: %w", d.netError(actx, err))}
	}
	if int64(len(body)) > d.maxBytes {
		return rssResponse{}, tooBig
	}
	return rssResponse{body: body, etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}, nil
}

// netError words a transport error without repeating the URL, and names a
// timeout as ours.
func (d *rssDownloader) netError(actx context.Context, err error) error {
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no complete answer within the timeout (%s)", d.timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// retryAfter reads Retry-After: seconds, or an HTTP date; 0 when absent.
func (d *rssDownloader) retryAfter(resp *http.Response) time.Duration {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) {
			return 24 * time.Hour
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(d.now()), 0)
	}
	return 0
}
