package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/timpani-dev/timpani/store"
)

//go:embed templates
var templateFS embed.FS

type pageTemplate = template.Template

// view is what every template gets: the page's data and the frame around it.
type view struct {
	Page       any
	Name       string // the template, for the navigation's current tab
	Workspace  Workspace
	Workspaces []Workspace
	CSRF       string
	Query      url.Values
	Path       string
	Version    string
	APIURL     string // the same data from the JSON API
}

func parsePages() (map[string]*pageTemplate, error) {
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	pages := map[string]*pageTemplate{}
	for _, e := range names {
		name := strings.TrimSuffix(e.Name(), ".html")
		if name == "layout" || name == "partials" || !strings.HasSuffix(e.Name(), ".html") {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html",
			"templates/partials.html", "templates/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("ui: template %s: %w", e.Name(), err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	t, ok := s.pages[name]
	if !ok {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	ws := s.workspace[chi.URLParam(r, "ws")]
	v := view{Page: data, Name: name, Workspace: ws, Workspaces: s.visibleWorkspaces(r), Query: r.URL.Query(),
		Path: r.URL.Path, Version: s.opt.Version}
	if ws.Name != "" {
		v.CSRF = s.csrfToken(ws.Name)
		if strings.HasPrefix(r.URL.Path, "/w/") && !strings.Contains(r.URL.Path, "/export/") {
			v.APIURL = "/api" + r.URL.RequestURI()
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.opt.Log.Error("render", "page", name, "err", err)
		http.Error(w, "rendering "+name+" failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

var funcs = template.FuncMap{
	"num":     formatNumber,
	"count":   formatCount,
	"fixed":   func(d int, f float64) string { return strconv.FormatFloat(f, 'f', d, 64) },
	"time":    formatTime,
	"day":     func(t store.Time) string { return dayOf(t) },
	"with":    withParam,
	"without": withoutParam,
	"link":    linkOrEmpty,
	"fragments": func(text, query string) []store.Fragment {
		if query == "" {
			return []store.Fragment{{Text: text}}
		}
		return store.Highlight(text, query)
	},
	"snippet": func(text, query string, n int) []store.Fragment { return store.Snippet(text, query, n) },
	"clip":    clipText,
	"spark":   sparkOf,
	"add":     func(a, b int) int { return a + b },
	"pct": func(part, whole int) string {
		if whole == 0 {
			return "0%"
		}
		return strconv.Itoa(int(math.Round(100*float64(part)/float64(whole)))) + "%"
	},
	"eq64":  func(a, b int64) bool { return a == b },
	"embed": embedOf,
	// seg escapes a path segment: a hashtag's # or a keyword's / must not
	// end the path.
	"seg": url.PathEscape,
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"with_page":   func(q url.Values, n int) string { return withParam(q, "page", strconv.Itoa(n)) },
	"with_format": func(q url.Values, f string) string { return withParam(q, "format", f) },
	"with_cluster": func(q url.Values, id int64) url.Values {
		c := cloneValues(q)
		c.Set("cluster", strconv.FormatInt(id, 10))
		return c
	},
	"state": func(s store.State) string { return string(s) },
}

// formatNumber writes n with thousands separators.
func formatNumber(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatCount says "10,000+" when counting stopped at a bound.
func formatCount(c store.Count) string {
	if c.Exact {
		return formatNumber(c.N)
	}
	return formatNumber(c.N) + "+"
}

func formatTime(t store.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func dayOf(t store.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// withParam returns the query string q with key set to value (and the page
// reset, since a new filter starts from the first page).
func withParam(q url.Values, key, value string) string {
	c := cloneValues(q)
	if key == "page" {
		c.Set("page", q.Get("page"))
	}
	if value == "" {
		c.Del(key)
	} else {
		c.Set(key, value)
	}
	if len(c) == 0 {
		return "?"
	}
	return "?" + c.Encode()
}

func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		if k != "page" {
			c[k] = v
		}
	}
	return c
}

func withoutParam(q url.Values, key string) string { return withParam(q, key, "") }

// linkOrEmpty lets only http(s) URLs become links: a post's URL comes from
// the internet and could be javascript:.
func linkOrEmpty(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

func clipText(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// sparkOf draws the last days of a daily series.
func sparkOf(days map[string]int, last string, n int) template.HTML {
	end, err := time.Parse(time.DateOnly, last)
	if err != nil {
		return Sparkline(nil, 120, 24)
	}
	values := make([]int, n)
	for i := range n {
		values[i] = days[end.AddDate(0, 0, i-n+1).Format(time.DateOnly)]
	}
	return Sparkline(values, 120, 24)
}
