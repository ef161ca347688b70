// Package sources holds one file per kind of content source. A source yields
// raw records page by page and knows how to extract texts from its own
// records; it writes nothing. Archiving pages and turning them into items is
// the workflow package's job.
package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Query is one named request to a source for one publish window.
type Query struct {
	Name  string    // the query's key in the config, e.g. "gendered_disinfo"
	Value string    // the query's value: an API path, a file, a feed URL, a narrative set
	Start time.Time // publish window start, inclusive, UTC
	End   time.Time // publish window end, exclusive, UTC
	Limit int       // stop after this many records; 0 means no limit
}

// Record is one raw record exactly as the source gave it.
type Record struct {
	ID   string          // the source-native id; never empty
	Data json.RawMessage // the whole raw object
}

// Page is one downloaded page of records.
type Page struct {
	Records []Record
	// Next is the opaque cursor of the following page; "" when this was the last.
	Next string
	// Total is how many records the source says the whole query window holds,
	// or -1 when it does not say.
	Total int
	// Problems lists input the source skipped on this page, one per line
	// with its place (e.g. "posts.jsonl:17: invalid JSON: ..."), for the
	// caller to log or show; the records are good. Nil when there were none.
	Problems []string
	// Stats counts what fetching this page took, for the completeness report.
	Stats FetchStats
}

// FetchStats counts the effort behind a page: requests retried after
// errors, waits imposed by rate limits (429, Retry-After, the per-host
// limit), and time windows split because one held more than the source can
// page through.
type FetchStats struct {
	Retries        int
	RateLimitWaits int
	WindowsSplit   int
}

// Text is one piece of text extracted from a raw record. A record can yield
// several (a post's description, title and transcript); Field says which.
type Text struct {
	Field       string    // "" when the source has a single text field
	Text        string    // the text as the source gave it
	PublishedAt time.Time // zero when unknown
	URL         string
	Language    string // as reported by the source, e.g. "en"; "" when unknown
	Author      string
}

// Source is a kind of content source configured for one workspace.
type Source interface {
	// Kind names the source kind, e.g. "faker".
	Kind() string
	// Fetch returns the page at cursor; "" asks for the first page.
	Fetch(ctx context.Context, q Query, cursor string) (Page, error)
	// Extract maps one raw record to the texts it holds. A record with no
	// usable text yields none. An error means the record cannot be read.
	Extract(data json.RawMessage) ([]Text, error)
}

// ErrUnknownKind is returned by New for a kind no file in this package defines.
var ErrUnknownKind = errors.New("unknown source kind")

// Options decodes a source's kind-specific options into v; it is how the
// config hands each kind its own table without this package reading files.
type Options func(v any) error

// New builds a source of the given kind from its options.
func New(kind string, decode Options) (Source, error) {
	switch kind {
	case "faker":
		return build("faker", decode, buildFaker)
	case "jsonl":
		return build("jsonl", decode, buildJSONL)
	case "junkipedia":
		return build("junkipedia", decode, buildJunkipedia)
	case "csv":
		return build("csv", decode, buildCSV)
	case "rss":
		return build("rss", decode, buildRSS)
	}
	return nil, fmt.Errorf("%q: %w", kind, ErrUnknownKind)
}

// build decodes a kind's options and builds the source from them.
func build[O any, S Source](kind string, decode Options, b func(O) (S, error)) (Source, error) {
	var opts O
	if decode != nil {
		if err := decode(&opts); err != nil {
			return nil, fmt.Errorf("%s options: %w", kind, err)
		}
	}
	s, err := b(opts)
	if err != nil {
		return nil, err // not s: a nil pointer in an interface is not nil
	}
	return s, nil
}

// Kinds lists the source kinds New accepts.
func Kinds() []string { return []string{"faker", "jsonl", "junkipedia", "csv", "rss"} }
