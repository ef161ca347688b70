package ui

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/timpani-dev/timpani/store"
)

//go:embed static
var staticFS embed.FS

// Reader is what the viewer reads; *store.DB opened read-only is one.
type Reader interface {
	Item(ctx context.Context, id int64) (store.Item, error)
	Events(ctx context.Context, itemID int64) ([]store.Event, error)
	Keywords(ctx context.Context, itemID int64) ([]store.Keyword, error)
	ResolveMatches(ctx context.Context, f store.ItemFilter) (store.ItemFilter, error)
	ListItems(ctx context.Context, f store.ItemFilter, order store.ItemOrder, limit, offset int) ([]store.Item, error)
	EachItem(ctx context.Context, f store.ItemFilter, order store.ItemOrder, fn func(store.Item) error) error
	CountItems(ctx context.Context, f store.ItemFilter, bound int) (store.Count, error)
	ItemTimeline(ctx context.Context, f store.ItemFilter, hourly bool) (store.Timeline, error)
	Cluster(ctx context.Context, id int64) (*store.Cluster, error)
	ResolveClusterMatches(ctx context.Context, f store.ClusterFilter) (store.ClusterFilter, error)
	ListClusterPage(ctx context.Context, f store.ClusterFilter, limit, offset int) ([]*store.Cluster, error)
	EachCluster(ctx context.Context, f store.ClusterFilter, fn func(*store.Cluster) error) error
	CountClusters(ctx context.Context, f store.ClusterFilter, bound int) (store.Count, error)
	ClusterDaysOf(ctx context.Context, ids []int64) (map[int64]map[string]int, error)
	ClusterFacets(ctx context.Context, clusterID int64, sample int) (map[string][]store.Facet, error)
	ClusterKeywords(ctx context.Context, clusterID int64, sample, limit int) ([]store.KeywordCount, error)
	MergesOf(ctx context.Context, clusterID int64) ([]store.MergeRecord, error)
	ListKeywords(ctx context.Context, f store.KeywordFilter, limit, offset int) ([]store.KeywordStat, error)
	EachKeyword(ctx context.Context, f store.KeywordFilter, fn func(store.KeywordStat) error) error
	CountKeywords(ctx context.Context, f store.KeywordFilter, bound int) (store.Count, error)
	KeywordModels(ctx context.Context, workspace string) ([]string, error)
	KeywordStatOf(ctx context.Context, workspace, model, keyword string) (store.KeywordStat, error)
	KeywordDays(ctx context.Context, workspace, model, keyword string) (map[string]int, error)
	KeywordClusters(ctx context.Context, workspace, model, keyword string, sample, limit int) ([]store.ClusterShare, error)
	StateCounts(ctx context.Context) ([]store.StateCount, error)
	StateDays(ctx context.Context, workspace string, days int) ([]store.StateDay, error)
	FailuresIn(ctx context.Context, workspace string, limit int) ([]store.FailureCount, error)
	FailedItems(ctx context.Context, workspace string, limit int) ([]store.Item, error)
	Runs(ctx context.Context, f store.RunFilter) ([]store.Run, error)
}

// Actions are what the viewer can ask the rest of timpani to do. The
// viewer never writes itself.
type Actions interface {
	// Retry sends failed items back to where they failed (all when ids is
	// empty) and says how many moved.
	Retry(ctx context.Context, workspace string, ids []int64) (int, error)
	// Merge runs cluster merge maintenance and summarises it.
	Merge(ctx context.Context, workspace string) (string, error)
	// Similar finds items similar to text.
	Similar(ctx context.Context, workspace, text string, limit int) ([]SimilarHit, error)
	// RawRecord returns the archived record an item came from.
	RawRecord(ctx context.Context, it store.Item) (json.RawMessage, error)
	// Workflow describes the workspace's workflow: its states in order and
	// a Mermaid state diagram.
	Workflow(workspace string) (states []string, mermaid string)
	// Services reports the health of the model services the workspace uses.
	Services(workspace string) []ServiceHealth
}

// SimilarHit is one item similar to a text.
type SimilarHit struct {
	ItemID int64   `json:"item_id"`
	Score  float64 `json:"score"`
}

// ServiceHealth is what the status page says about a model service.
type ServiceHealth struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	State  string `json:"state"` // ok, failing or unknown
	Detail string `json:"detail,omitempty"`
}

// Workspace is one workspace the viewer shows.
type Workspace struct {
	Name  string `json:"name"`
	Title string `json:"title"`
}

// Options configure a Server.
type Options struct {
	DB         Reader
	Actions    Actions
	Workspaces []Workspace
	// Tokens maps access tokens to the workspaces they open ("*" opens
	// all). When empty, no token is asked for: the caller only allows that
	// on a loopback address.
	Tokens map[string][]string
	// Embeds lets item cards load the platforms' embed scripts.
	Embeds bool
	// QueryTimeout bounds every page's reads (default 10s).
	QueryTimeout time.Duration
	Log          *slog.Logger
	Version      string
}

// Server is the viewer.
type Server struct {
	opt       Options
	csrfKey   []byte
	pages     map[string]*pageTemplate
	router    chi.Router
	workspace map[string]Workspace
}

// New builds the viewer's handler.
func New(opt Options) (*Server, error) {
	if opt.DB == nil || opt.Actions == nil {
		return nil, errors.New("ui: DB and Actions are required")
	}
	if opt.QueryTimeout <= 0 {
		opt.QueryTimeout = 10 * time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("ui: csrf key: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{opt: opt, csrfKey: key, pages: pages, workspace: map[string]Workspace{}}
	for _, w := range opt.Workspaces {
		s.workspace[w.Name] = w
	}
	s.router = s.routes()
	return s, nil
}

// ServeHTTP serves the viewer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Mount adds a handler under the viewer's router (model-service callbacks).
func (s *Server) Mount(pattern string, h http.Handler) { s.router.Mount(pattern, h) }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer, s.secureHeaders, s.logRequests)
	static, _ := fs.Sub(staticFS, "static")
	r.Handle("/static/*", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	r.Get("/favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	})
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	r.Get("/login", s.loginForm)
	r.Post("/login", s.login)
	r.Group(func(r chi.Router) {
		r.Use(s.authenticate)
		r.Get("/", s.home)
		r.Get("/api/workspaces", s.apiWorkspaces)
		r.Route("/w/{ws}", func(r chi.Router) {
			r.Use(s.workspaceAccess)
			s.pageRoutes(r, false)
			r.Get("/export/{what}", s.export)
			r.Post("/retry", s.retry)
			r.Post("/clusters/merge", s.merge)
		})
		r.Route("/api/w/{ws}", func(r chi.Router) {
			r.Use(s.workspaceAccess)
			s.pageRoutes(r, true)
		})
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, fmt.Errorf("no page at %s: %w", r.URL.Path, store.ErrNotFound))
	})
	return r
}

// pageRoutes registers every page once for HTML and once for the JSON API:
// the same data, two renderings.
func (s *Server) pageRoutes(r chi.Router, api bool) {
	for _, p := range []struct {
		path, template string
		load           func(*http.Request) (any, error)
	}{
		{"/", "overview", s.overview},
		{"/clusters", "clusters", s.clusters},
		{"/clusters/compare", "compare", s.compare},
		{"/clusters/{id}", "cluster", s.cluster},
		{"/content", "content", s.content},
		{"/items/{id}", "item", s.item},
		{"/keywords", "keywords", s.keywords},
		{"/keywords/{model}/{keyword}", "keyword", s.keyword},
		{"/similar", "similar", s.similar},
		{"/status", "status", s.status},
	} {
		r.Get(p.path, func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), s.opt.QueryTimeout)
			defer cancel()
			r = r.WithContext(ctx)
			data, err := p.load(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if api {
				writeJSON(w, http.StatusOK, data)
				return
			}
			s.render(w, r, p.template, data)
		})
	}
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	visible := s.visibleWorkspaces(r)
	if len(visible) == 0 {
		s.fail(w, r, fmt.Errorf("no workspace is configured or open to this token: %w", store.ErrNotFound))
		return
	}
	http.Redirect(w, r, "/w/"+visible[0].Name+"/", http.StatusFound)
}

func (s *Server) apiWorkspaces(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.visibleWorkspaces(r))
}

// secureHeaders sets a strict Content-Security-Policy: no inline script or
// style, nothing from another origin, no framing.
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		csp := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
		if s.opt.Embeds {
			// Platform embeds load their own scripts and frames.
			csp = "default-src 'none'; script-src 'self' https:; style-src 'self' 'unsafe-inline' https:; " +
				"img-src 'self' data: https:; frame-src https:; connect-src 'self' https:; form-action 'self'; " +
				"frame-ancestors 'none'; base-uri 'none'"
		}
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		s.opt.Log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", ww.Status(),
			"bytes", ww.BytesWritten(), "ms", time.Since(start).Milliseconds())
	})
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

const tokenCookie = "timpani_token"

type tokenKey struct{}

// authenticate finds the request's token (Authorization: Bearer, or the
// cookie /login sets) when tokens are configured.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(s.opt.Tokens) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		token := ""
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			token = strings.TrimPrefix(h, "Bearer ")
		} else if c, err := r.Cookie(tokenCookie); err == nil {
			token = c.Value
		}
		if _, ok := s.tokenWorkspaces(token); !ok {
			if strings.HasPrefix(r.URL.Path, "/api/") || r.Method != http.MethodGet {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "a valid token is required"})
				return
			}
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, token)))
	})
}

// tokenWorkspaces compares token with every configured one in constant time.
func (s *Server) tokenWorkspaces(token string) ([]string, bool) {
	if token == "" {
		return nil, false
	}
	var found []string
	ok := false
	for t, ws := range s.opt.Tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			found, ok = ws, true
		}
	}
	return found, ok
}

func (s *Server) canSee(r *http.Request, workspace string) bool {
	if len(s.opt.Tokens) == 0 {
		return true
	}
	token, _ := r.Context().Value(tokenKey{}).(string)
	ws, ok := s.tokenWorkspaces(token)
	return ok && (slices.Contains(ws, "*") || slices.Contains(ws, workspace))
}

func (s *Server) visibleWorkspaces(r *http.Request) []Workspace {
	var out []Workspace
	for _, w := range s.opt.Workspaces {
		if s.canSee(r, w.Name) {
			out = append(out, w)
		}
	}
	return out
}

// workspaceAccess answers 404 for a workspace that does not exist or that
// the token does not open: which workspaces exist is not for strangers.
func (s *Server) workspaceAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws := chi.URLParam(r, "ws")
		if _, ok := s.workspace[ws]; !ok || !s.canSee(r, ws) {
			s.fail(w, r, fmt.Errorf("no workspace %q: %w", ws, store.ErrNotFound))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "login", loginPage{Needed: len(s.opt.Tokens) > 0})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := sameOrigin(r); err != nil {
		s.fail(w, r, err)
		return
	}
	token := r.PostFormValue("token")
	if _, ok := s.tokenWorkspaces(token); !ok {
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, r, "login", loginPage{Needed: true, Failed: true})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

type loginPage struct {
	Needed, Failed bool
}

// csrfToken is an HMAC of the workspace under a key that lives as long as
// the process: forms carry it, other origins cannot read it.
func (s *Server) csrfToken(workspace string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("csrf\x00" + workspace))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) checkCSRF(r *http.Request, workspace string) error {
	if err := sameOrigin(r); err != nil {
		return err
	}
	if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(s.csrfToken(workspace))) {
		return fmt.Errorf("the form's CSRF token is missing or stale; reload the page: %w", errForbidden)
	}
	return nil
}

// sameOrigin refuses a POST that a browser says came from another site.
func sameOrigin(r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return fmt.Errorf("cross-site form post refused: %w", errForbidden)
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" {
		if !strings.EqualFold(strings.TrimPrefix(strings.TrimPrefix(origin, "http://"), "https://"), r.Host) {
			return fmt.Errorf("form posted from origin %s refused: %w", origin, errForbidden)
		}
	}
	return nil
}

var (
	errForbidden = errors.New("forbidden")
	errBadInput  = errors.New("bad request")
)

func statusOf(err error) int {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, store.ErrInvalid), errors.Is(err, errBadInput):
		return http.StatusBadRequest
	case errors.Is(err, errForbidden):
		return http.StatusForbidden
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail answers with the error: JSON for the API, a page otherwise. Server
// errors are logged; their text is still shown, since the viewer's users
// are the people who run it.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(r.Context().Err(), context.DeadlineExceeded) && !errors.Is(err, context.DeadlineExceeded) {
		// SQLite reports an interrupted query in its own words.
		err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	}
	code := statusOf(err)
	if code >= 500 {
		s.opt.Log.Error("viewer", "path", r.URL.Path, "err", err)
	}
	msg := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "the query took too long; narrow the filters (" + msg + ")"
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, code, map[string]string{"error": msg})
		return
	}
	w.WriteHeader(code)
	s.render(w, r, "error", errorPage{Code: code, Status: http.StatusText(code), Message: msg})
}

type errorPage struct {
	Code    int
	Status  string
	Message string
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
