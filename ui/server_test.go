package ui

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
)

// pages are every page of a workspace, with the filters that exercise
// them.
var pages = []string{
	"/w/news/",
	"/w/news/clusters",
	"/w/news/clusters?sort=trend&min_size=2",
	"/w/news/clusters?language=es",
	"/w/news/clusters?keyword=%23NaturalCure&from=2024-03-01&to=2024-03-03",
	"/w/news/clusters/compare?id=1&id=5",
	"/w/news/clusters/1",
	"/w/news/content",
	"/w/news/content?q=lemon&by=hour",
	"/w/news/content?language=zh",
	"/w/news/items/1",
	"/w/news/items/10",
	"/w/news/keywords",
	"/w/news/keywords?sort=trend&model=hashtags",
	"/w/news/keywords/hashtags/%23NaturalCure",
	"/w/news/similar?text=hot+water+with+lemon+kills+the+virus",
	"/w/news/status",
}

func TestEveryPageAndItsAPIAnswer(t *testing.T) {
	f := newFixture(t, nil)
	for _, p := range pages {
		resp, body := f.get(t, p)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d:\n%s", p, resp.StatusCode, body)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: CSP %q is not strict", p, csp)
		}
		resp, body = f.get(t, "/api"+p)
		if resp.StatusCode != http.StatusOK || !json.Valid([]byte(body)) {
			t.Errorf("GET /api%s = %d, valid JSON %v", p, resp.StatusCode, json.Valid([]byte(body)))
		}
	}
	resp, body := f.get(t, "/api/workspaces")
	if resp.StatusCode != 200 || !strings.Contains(body, `"news"`) || !strings.Contains(body, `"private"`) {
		t.Errorf("workspaces = %d %s", resp.StatusCode, body)
	}
	for _, p := range []string{"/static/style.css", "/static/favicon.svg", "/healthz"} {
		if resp, _ := f.get(t, p); resp.StatusCode != 200 {
			t.Errorf("GET %s = %d", p, resp.StatusCode)
		}
	}
}

func TestBadRequestsSayWhatIsWrong(t *testing.T) {
	f := newFixture(t, nil)
	for path, want := range map[string]struct {
		code int
		says string
	}{
		"/w/news/content?from=March":          {400, "want a date like 2024-01-31"},
		"/w/news/clusters?sort=loudest":       {400, "unknown cluster order"},
		"/w/news/clusters?min_size=-1":        {400, "min_size"},
		"/w/news/content?page=0":              {400, "page"},
		"/w/news/content?per_page=100000":     {400, "per_page"},
		"/w/news/content?q=%22":               {400, "search"},
		"/w/news/clusters/999999":             {404, "not found"},
		"/w/news/clusters/abc":                {404, "not an id"},
		"/w/news/items/999999":                {404, "not found"},
		"/w/nowhere/":                         {404, "no workspace"},
		"/w/news/keywords/hashtags/%23absent": {404, "not found"},
		"/w/news/export/everything":           {404, "want one of"},
		"/w/news/export/items?format=xml":     {400, "csv or json"},
		"/w/news/export/members":              {400, "cluster=<id>"},
		"/no/such/page":                       {404, "no page"},
	} {
		for _, prefix := range []string{"", "/api"} {
			if prefix != "" && !strings.HasPrefix(path, "/w/") || strings.Contains(path, "/export/") && prefix != "" {
				continue
			}
			resp, body := f.get(t, prefix+path)
			if resp.StatusCode != want.code || !strings.Contains(body, want.says) {
				t.Errorf("GET %s = %d, want %d saying %q:\n%.300s", prefix+path, resp.StatusCode, want.code, want.says, body)
			}
		}
	}
}

// TestHostileTextIsShownNotRun puts a post's hostile text, author and URL
// on every page that shows them and checks that none of it became markup.
func TestHostileTextIsShownNotRun(t *testing.T) {
	f := newFixture(t, nil)
	hostileID := "10"
	for _, p := range []string{"/w/news/content", "/w/news/content?q=script", "/w/news/items/" + hostileID,
		"/w/news/clusters", "/w/news/similar?text=" + url.QueryEscape(hostileText), "/w/news/status"} {
		_, body := f.get(t, p)
		for _, bad := range []string{`<script>alert`, `<img src=x`, `<svg onload`, `href="javascript:`, `onerror=alert(1)>`} {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s contains %q unescaped", p, bad)
			}
		}
	}
	_, body := f.get(t, "/w/news/items/"+hostileID)
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;text&#34;)&lt;/script&gt;") {
		t.Errorf("item page does not show the hostile text escaped:\n%s", body)
	}
	if strings.Contains(body, "open the original post") {
		t.Error("a javascript: URL became a link to the original post")
	}
}

func TestContentFiltersSearchAndPaging(t *testing.T) {
	f := newFixture(t, nil)
	type page struct {
		Items []struct {
			ID       int64  `json:"id"`
			Language string `json:"language"`
			RawText  string `json:"raw_text"`
		} `json:"items"`
		Count  store.Count `json:"count"`
		Paging paging      `json:"paging"`
	}
	get := func(q string) page {
		t.Helper()
		resp, body := f.get(t, "/api/w/news/content?"+q)
		if resp.StatusCode != 200 {
			t.Fatalf("content?%s = %d %s", q, resp.StatusCode, body)
		}
		var p page
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for q, want := range map[string][]string{
		"q=" + url.QueryEscape("天气"):                                {"中国的天气"},
		"q=" + url.QueryEscape("天気"):                                {"東京の天気"},
		"q=" + url.QueryEscape("อากาศ"):                             {"วันนี้อากาศ"},
		"q=" + url.QueryEscape("limon"):                             {"Tomar agua", "Tomar agua"}, // diacritics fold
		"q=" + url.QueryEscape(`"every morning kills" NOT nothing`): {"Drinking", "drinking", "Drinking", "Drinking"},
		"q=lem*&language=en":                                        {"Drinking", "drinking", "Drinking", "Drinking"},
		"language=es&from=2024-03-03":                               {"Tomar agua caliente con limón cada mañana mata el virus #"},
		"keyword=%23NaturalCure":                                    {"Drinking", "drinking", "Drinking", "Drinking"}, // any model
		"source=forum&q=formula":                                    {"=HYPERLINK"},
	} {
		p := get(q)
		if len(p.Items) != len(want) || !p.Count.Exact || p.Count.N != len(want) {
			t.Errorf("content?%s: %d items (count %+v), want %d", q, len(p.Items), p.Count, len(want))
			continue
		}
		for i, w := range want {
			if !strings.HasPrefix(p.Items[i].RawText, w) {
				t.Errorf("content?%s item %d = %q, want it to start with %q", q, i, p.Items[i].RawText, w)
			}
		}
	}
	all := get("")
	if all.Count.N != len(posts) {
		t.Errorf("all items = %d, want %d (and never the other workspace's)", all.Count.N, len(posts))
	}
	first, second := get("per_page=5"), get("per_page=5&page=2")
	last := get("per_page=5&page=3")
	if !first.Paging.More || !second.Paging.More || last.Paging.More || len(last.Items) != len(posts)-10 {
		t.Errorf("paging: more %v %v %v, last page %d items", first.Paging.More, second.Paging.More, last.Paging.More, len(last.Items))
	}
	seen := map[int64]bool{}
	for _, p := range []page{first, second, last} {
		for _, it := range p.Items {
			if seen[it.ID] {
				t.Errorf("item %d on two pages", it.ID)
			}
			seen[it.ID] = true
		}
	}
}

func TestClusterPagesShowTheNearDuplicatesTogether(t *testing.T) {
	f := newFixture(t, nil)
	resp, body := f.get(t, "/api/w/news/clusters?min_size=2")
	if resp.StatusCode != 200 {
		t.Fatal(body)
	}
	var list struct {
		Clusters []struct {
			ID       int64          `json:"id"`
			Size     int            `json:"size"`
			Exemplar string         `json:"exemplar"`
			Days     map[string]int `json:"days"`
		} `json:"clusters"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Clusters) != 2 || list.Clusters[0].Size != 4 || list.Clusters[1].Size != 2 {
		t.Fatalf("clusters of 2+ = %+v; want the English four and the Spanish two", list.Clusters)
	}
	if list.Clusters[0].Days["2024-03-03"] != 2 || !strings.Contains(list.Clusters[0].Exemplar, "lemon") {
		t.Errorf("largest cluster = %+v", list.Clusters[0])
	}
	id := list.Clusters[0].ID
	for q, want := range map[string][]int64{
		"keyword=%23NaturalCure":             {id},
		"keyword=%23NaturalCure&language=es": nil,
		"keyword=%23CuraNatural&min_size=2":  {list.Clusters[1].ID},
		"language=es":                        {list.Clusters[1].ID},
	} {
		_, body := f.get(t, "/api/w/news/clusters?"+q)
		var got struct {
			Clusters []struct {
				ID int64 `json:"id"`
			} `json:"clusters"`
			Count store.Count `json:"count"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range got.Clusters {
			ids = append(ids, c.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) || got.Count != (store.Count{N: len(want), Exact: true}) {
			t.Errorf("clusters?%s = %v (count %+v), want %v", q, ids, got.Count, want)
		}
	}
	_, body = f.get(t, "/api/w/news/clusters/"+itoa(id)+"?per_page=3")
	var detail struct {
		Members []struct {
			ID int64 `json:"id"`
		} `json:"members"`
		Paging paging                   `json:"paging"`
		Facets map[string][]store.Facet `json:"facets"`
	}
	if err := json.Unmarshal([]byte(body), &detail); err != nil {
		t.Fatal(err)
	}
	if len(detail.Members) != 3 || !detail.Paging.More || detail.Facets["language"][0] != (store.Facet{Value: "en", Items: 4}) {
		t.Errorf("cluster detail = %+v", detail)
	}
	_, body = f.get(t, "/w/news/clusters/compare?id="+itoa(id)+"&id="+itoa(list.Clusters[1].ID))
	if strings.Count(body, `class="chart chart-line"`) != 1 {
		t.Errorf("compare page has no line chart:\n%.500s", body)
	}
}

func TestExportsStreamEveryRow(t *testing.T) {
	f := newFixture(t, nil)
	resp, body := f.get(t, "/w/news/export/items?format=csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment; filename=\"timpani-news-items-") {
		t.Fatalf("export = %d %v", resp.StatusCode, resp.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(posts)+1 || rows[0][0] != "id" {
		t.Fatalf("csv has %d rows, want a header and %d", len(rows), len(posts))
	}
	for _, r := range rows[1:] {
		if strings.Contains(r[12], "HYPERLINK") && !strings.HasPrefix(r[12], "'=") {
			t.Errorf("formula cell %q not neutralised", r[12])
		}
	}
	_, body = f.get(t, "/w/news/export/clusters?format=json&min_size=2")
	var clusters []map[string]any
	if err := json.Unmarshal([]byte(body), &clusters); err != nil || len(clusters) != 2 {
		t.Fatalf("clusters json: %v, %d rows:\n%s", err, len(clusters), body)
	}
	id := int64(clusters[0]["id"].(float64))
	_, body = f.get(t, "/w/news/export/members?format=json&cluster="+itoa(id))
	var members []map[string]any
	if err := json.Unmarshal([]byte(body), &members); err != nil || len(members) != 4 {
		t.Errorf("members json: %v, %d rows", err, len(members))
	}
	_, body = f.get(t, "/w/news/export/keywords?format=json&model=hashtags")
	var kws []map[string]any
	if err := json.Unmarshal([]byte(body), &kws); err != nil || len(kws) != 2 {
		t.Errorf("keywords json: %v, %d rows:\n%s", err, len(kws), body)
	}
	_, body = f.get(t, "/w/news/export/items?format=json&q=nothingmatchesthis")
	if strings.TrimSpace(body) != "[\n]" {
		t.Errorf("empty export = %q, want an empty array", body)
	}
}

func TestTokensOpenOnlyTheirWorkspaces(t *testing.T) {
	const newsToken, allToken = "news-token-0123456789", "all-token-0123456789"
	f := newFixture(t, map[string][]string{newsToken: {"news"}, allToken: {"*"}})
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }
	for _, c := range []struct {
		path   string
		header []string
		code   int
	}{
		{"/api/w/news/content", nil, 401},
		{"/w/news/", nil, 303},
		{"/api/w/news/content", bearer("wrong-token-0123456789"), 401},
		{"/api/w/news/content", bearer(newsToken), 200},
		{"/api/w/private/content", bearer(newsToken), 404},
		{"/w/private/export/items", bearer(newsToken), 404},
		{"/api/w/private/content", bearer(allToken), 200},
		{"/static/style.css", nil, 200},
		{"/login", nil, 200},
	} {
		resp, body := f.get(t, c.path, c.header...)
		if resp.StatusCode != c.code {
			t.Errorf("GET %s with %v = %d, want %d:\n%.200s", c.path, c.header, resp.StatusCode, c.code, body)
		}
	}
	_, body := f.get(t, "/api/workspaces", bearer(newsToken)...)
	if strings.Contains(body, "private") {
		t.Errorf("a news token lists the private workspace: %s", body)
	}
	// The login form sets a cookie that then opens the workspace.
	resp, _ := postForm(t, f, "/login", url.Values{"token": {newsToken}}, nil)
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 || !resp.Cookies()[0].HttpOnly {
		t.Fatalf("login = %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.http.URL+"/w/news/content", nil)
	req.AddCookie(resp.Cookies()[0])
	if resp, _ := do(t, req); resp.StatusCode != 200 {
		t.Errorf("content with the login cookie = %d", resp.StatusCode)
	}
	if resp, _ := postForm(t, f, "/login", url.Values{"token": {"guess"}}, nil); resp.StatusCode != 401 {
		t.Errorf("login with a bad token = %d", resp.StatusCode)
	}
}

func postForm(t *testing.T, f *fixture, path string, form url.Values, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.http.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

func TestRetryAndMergeFormsNeedTheirCSRFToken(t *testing.T) {
	f := newFixture(t, nil)
	failed, err := f.db.ListItems(t.Context(), store.ItemFilter{Workspace: "news", State: store.Failed}, store.NewestFirst, 10, 0)
	if err != nil || len(failed) != 1 {
		t.Fatalf("failed items = %d, %v; want the wordless post", len(failed), err)
	}
	_, body := f.get(t, "/w/news/status")
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("status page has no CSRF token:\n%s", body)
	}
	token := m[1]
	for _, c := range []struct {
		form   url.Values
		header map[string]string
	}{
		{url.Values{}, nil},
		{url.Values{"csrf": {"0123"}}, nil},
		{url.Values{"csrf": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{url.Values{"csrf": {token}}, map[string]string{"Origin": "https://evil.example"}},
	} {
		resp, body := postForm(t, f, "/w/news/retry", c.form, c.header)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("retry with %v %v = %d, want 403:\n%.200s", c.form, c.header, resp.StatusCode, body)
		}
	}
	if resp, _ := postForm(t, f, "/w/private/retry", url.Values{"csrf": {token}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("news's token accepted for private: %d", resp.StatusCode)
	}
	it, _ := f.db.Item(t.Context(), failed[0].ID)
	if it.State != store.Failed {
		t.Fatalf("a refused form changed the item: %s", it.State)
	}
	resp, _ := postForm(t, f, "/w/news/retry", url.Values{"csrf": {token}, "item": {itoa(failed[0].ID)}},
		map[string]string{"Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "1+failed+items+sent+back") {
		t.Errorf("retry = %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if it, _ := f.db.Item(t.Context(), failed[0].ID); it.State == store.Failed {
		t.Errorf("retried item is still %s", it.State)
	}
	resp, _ = postForm(t, f, "/w/news/clusters/merge", url.Values{"csrf": {token}}, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "checked") {
		t.Errorf("merge = %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := f.get(t, "/w/news/retry"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET on a form that changes data = %d, want 405", resp.StatusCode)
	}
}

// TestPagesMatchTheirGoldenFiles renders pages of the fixture and compares
// them with testdata/pages; -update rewrites them.
func TestPagesMatchTheirGoldenFiles(t *testing.T) {
	f := newFixture(t, nil)
	csrf := regexp.MustCompile(`name="csrf" value="[0-9a-f]+"`)
	for name, p := range map[string]string{
		"overview": "/w/news/", "clusters": "/w/news/clusters?min_size=2", "cluster": "/w/news/clusters/1",
		"content-search": "/w/news/content?q=lemon", "item": "/w/news/items/10", "keywords": "/w/news/keywords",
		"status": "/w/news/status", "similar": "/w/news/similar?text=hot+water+lemon",
		"keyword": "/w/news/keywords/hashtags/%23NaturalCure", "compare": "/w/news/clusters/compare?id=1&id=5",
	} {
		_, body := f.get(t, p)
		body = csrf.ReplaceAllString(body, `name="csrf" value="CSRF"`)
		golden := filepath.Join("testdata", "pages", name+".html")
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./ui -run Golden -update)", err)
		}
		if body != string(want) {
			t.Errorf("%s (%s) differs from %s; rerun with -update and review the diff", name, p, golden)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestEmbedsOnlyKnownPostsWithWellFormedIDs(t *testing.T) {
	for raw, want := range map[string]string{
		"https://www.youtube.com/watch?v=dQw4w9WgXcQ":          "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
		"https://youtu.be/dQw4w9WgXcQ":                         "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
		"https://x.com/someone/status/1234567890":              "https://twitter.com/someone/status/1234567890",
		"https://twitter.com/someone/status/1\"><script>":      "",
		"https://www.youtube.com/watch?v=\"><script>alert(1)":  "",
		"javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ": "",
		"https://example.org/post/1":                           "",
	} {
		got := ""
		if e := embedOf(raw); e != nil {
			got = e.Frame + e.Tweet
		}
		if got != want {
			t.Errorf("embedOf(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestASlowPageAnswers503SayingSo(t *testing.T) {
	f := newFixture(t, nil)
	srv, err := New(Options{DB: f.rdb, Actions: &testActions{f: f}, Workspaces: []Workspace{{Name: "news"}},
		QueryTimeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/w/news/content?q=lemon", "/api/w/news/clusters"} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, p, nil))
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "took too long") {
			t.Errorf("GET %s with no time to answer = %d: %.300s", p, rec.Code, rec.Body.String())
		}
	}
}
