package ui

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/timpani-dev/timpani/store"
)

// Exports are the lists the viewer shows, whole: streamed row by row, with
// no cap. `timpani export` writes the same through Export.
var exportLists = []string{"items", "clusters", "keywords", "members"}

// ExportLists names what Export can write.
func ExportLists() []string { return exportLists }

// Export writes the list what of workspace, selected by the same filters
// as the viewer's URL (params), as CSV or JSON, and returns the rows
// written.
func Export(ctx context.Context, db Reader, w io.Writer, workspace, what, format string, params url.Values) (int, error) {
	var enc rowWriter
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case "csv":
		enc = &csvRows{w: csv.NewWriter(bw)}
	case "json":
		enc = &jsonRows{w: bw}
	default:
		return 0, fmt.Errorf("export format %q: want csv or json: %w", format, errBadInput)
	}
	n, err := exportRows(ctx, db, enc, workspace, what, params)
	if err != nil {
		return n, err
	}
	if err := enc.close(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

func exportRows(ctx context.Context, db Reader, enc rowWriter, workspace, what string, q url.Values) (int, error) {
	n := 0
	switch what {
	case "items", "members":
		f, err := itemFilterOf(workspace, q)
		if err != nil {
			return 0, err
		}
		if what == "members" && f.ClusterID == 0 {
			return 0, fmt.Errorf("members export needs cluster=<id>: %w", errBadInput)
		}
		order := store.ItemOrder(q.Get("order"))
		if order == "" {
			order = store.NewestFirst
		}
		enc.header([]string{"id", "workspace", "source", "query", "raw_id", "source_field", "published_at", "author",
			"url", "language", "state", "cluster_id", "text", "raw_text"})
		err = db.EachItem(ctx, f, order, func(it store.Item) error {
			n++
			cluster := ""
			if it.ClusterID.Valid {
				cluster = strconv.FormatInt(it.ClusterID.Int64, 10)
			}
			return enc.row(map[string]any{"id": it.ID, "workspace": it.Workspace, "source": it.Source, "query": it.Query,
				"raw_id": it.RawID, "source_field": it.SourceField, "published_at": timeText(it.PublishedAt),
				"author": it.Author, "url": it.URL, "language": it.Language, "state": string(it.State),
				"cluster_id": cluster, "text": textOf(it), "raw_text": it.RawText})
		})
		return n, err
	case "clusters":
		f, err := clusterFilterOf(workspace, q)
		if err != nil {
			return 0, err
		}
		enc.header([]string{"id", "size", "added_total", "unique_texts", "trend", "cohesion", "first_published_at",
			"last_published_at", "exemplar_item_id", "exemplar_text", "model"})
		err = db.EachCluster(ctx, f, func(c *store.Cluster) error {
			n++
			text := ""
			if c.ExemplarItemID != 0 {
				if it, err := db.Item(ctx, c.ExemplarItemID); err == nil {
					text = textOf(it)
				}
			}
			return enc.row(map[string]any{"id": c.ID, "size": c.Size, "added_total": c.AddedTotal,
				"unique_texts": c.UniqueTexts, "trend": c.Trend, "cohesion": c.Cohesion,
				"first_published_at": timeText(c.FirstPublishedAt), "last_published_at": timeText(c.LastPublishedAt),
				"exemplar_item_id": c.ExemplarItemID, "exemplar_text": text, "model": c.Model})
		})
		return n, err
	case "keywords":
		f, err := keywordFilterOf(workspace, q)
		if err != nil {
			return 0, err
		}
		enc.header([]string{"model", "keyword", "items", "trend"})
		err = db.EachKeyword(ctx, f, func(k store.KeywordStat) error {
			n++
			return enc.row(map[string]any{"model": k.Model, "keyword": k.Keyword, "items": k.Items, "trend": k.Trend})
		})
		return n, err
	}
	return 0, fmt.Errorf("export %q: want one of %s: %w", what, strings.Join(exportLists, ", "), store.ErrNotFound)
}

func timeText(t store.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// export serves /w/{ws}/export/{what}?format=csv|json&<filters>.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	ws, what := chi.URLParam(r, "ws"), chi.URLParam(r, "what")
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "json" {
		s.fail(w, r, fmt.Errorf("export format %q: want csv or json: %w", format, errBadInput))
		return
	}
	// Validate the filters before the first byte, so a bad one is a 400.
	if _, err := itemFilterOf(ws, r.URL.Query()); err != nil {
		s.fail(w, r, err)
		return
	}
	ctype := "text/csv; charset=utf-8"
	if format == "json" {
		ctype = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="timpani-%s-%s-%s.%s"`,
		safeFileName(ws), safeFileName(what), time.Now().UTC().Format("20060102"), format))
	if _, err := Export(r.Context(), s.opt.DB, w, ws, what, format, r.URL.Query()); err != nil {
		// Headers may be gone; all that is left is to stop and log. A
		// truncated CSV lacks its last line; a truncated JSON array does
		// not parse, so neither passes for complete.
		s.opt.Log.Error("export", "workspace", ws, "list", what, "err", err)
		if code := statusOf(err); code < 500 {
			http.Error(w, err.Error(), code)
		}
	}
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

type rowWriter interface {
	header(cols []string)
	row(values map[string]any) error
	close() error
}

type csvRows struct {
	w    *csv.Writer
	cols []string
}

func (c *csvRows) header(cols []string) {
	c.cols = cols
	c.w.Write(cols)
}

func (c *csvRows) row(values map[string]any) error {
	rec := make([]string, len(c.cols))
	for i, col := range c.cols {
		rec[i] = neutralizeFormula(fmt.Sprint(values[col]))
	}
	return c.w.Write(rec)
}

func (c *csvRows) close() error {
	c.w.Flush()
	return c.w.Error()
}

// neutralizeFormula keeps a spreadsheet from running a post's text as a
// formula (CSV injection): a cell starting with = + - @ gets a quote.
func neutralizeFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s // a negative number is a number
		}
		return "'" + s
	}
	return s
}

type jsonRows struct {
	w    *bufio.Writer
	cols []string
	n    int
}

func (j *jsonRows) header(cols []string) {
	j.cols = cols
	j.w.WriteString("[")
}

func (j *jsonRows) row(values map[string]any) error {
	if j.n > 0 {
		j.w.WriteString(",")
	}
	j.n++
	j.w.WriteString("\n{")
	for i, col := range j.cols {
		if i > 0 {
			j.w.WriteString(",")
		}
		k, _ := json.Marshal(col)
		v, err := json.Marshal(values[col])
		if err != nil {
			return err
		}
		j.w.Write(k)
		j.w.WriteString(":")
		j.w.Write(v)
	}
	_, err := j.w.WriteString("}")
	return err
}

func (j *jsonRows) close() error {
	if j.cols == nil {
		j.w.WriteString("[")
	}
	_, err := j.w.WriteString("\n]\n")
	return err
}
