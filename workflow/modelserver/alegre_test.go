package modelserver

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/workflow/lexembed"
)

const query = "Vaccines cause autism, a new study claims"

// fixture is a small corpus in two workspaces; the cosines with query are
// lexembed's: 1, 1 (a retweet of it), 0.843, 0.826, 0.06, and 1 in workspace B.
var fixture = []struct{ id, ws, text string }{
	{"timpani_1", "A", query},
	{"timpani_2", "A", "RT @user: " + query + " https://t.co/abc"},
	{"timpani_3", "A", "Vaccines cause autism, a new study says"},
	{"timpani_4", "A", "New study: vaccines do not cause autism"},
	{"timpani_5", "A", "The weather in Lisbon is sunny today"},
	{"timpani_6", "B", query},
}

func fixedNow() time.Time { return time.Date(2024, 1, 20, 3, 0, 1, 123e6, time.UTC) }

func timpaniContext(ws string) string {
	return `{"type": "timpani_content_item_text", "workspace_id": "` + ws + `"}`
}

// storeBody is what the original Timpani sends to store a text (§3.3).
func storeBody(id, ws, text string) string {
	return fmt.Sprintf(`{"text": %q, "doc_id": %q, "context": %s, "models": [%q]}`, text, id, timpaniContext(ws), lexembed.Model)
}

// startAlegre starts a server holding the fixture.
func startAlegre(t *testing.T) *testServer {
	t.Helper()
	ts := startServer(t, Options{Now: fixedNow}, true)
	for _, d := range fixture {
		status, body := call(t, http.MethodPost, ts.url+"/text/similarity/", storeBody(d.id, d.ws, d.text))
		if status != http.StatusOK {
			t.Fatalf("store %s = %d %s; want 200", d.id, status, body)
		}
		jsonEqual(t, "store "+d.id, body, `{"success":true}`)
	}
	return ts
}

type searchResult struct {
	Result []struct {
		ID     string  `json:"id"`
		Score  float64 `json:"score"`
		Source struct {
			Content string `json:"content"`
		} `json:"_source"`
	} `json:"result"`
}

// search runs a search and returns the ids and scores found.
func search(t *testing.T, ts *testServer, body string) ([]string, []float64) {
	t.Helper()
	status, got := call(t, http.MethodPost, ts.url+"/text/similarity/search/", body)
	if status != http.StatusOK {
		t.Fatalf("search %s = %d %s; want 200", body, status, got)
	}
	var r searchResult
	if err := json.Unmarshal(got, &r); err != nil {
		t.Fatalf("search %s: %v", body, err)
	}
	ids, scores := []string{}, []float64{}
	for _, h := range r.Result {
		ids = append(ids, h.ID)
		scores = append(scores, h.Score)
	}
	return ids, scores
}

func TestAlegreSearchGolden(t *testing.T) {
	ts := startAlegre(t)
	body := fmt.Sprintf(`{"text": %q, "doc_id": "timpani_1", "context": %s, "models": [%q], "threshold": 0.8}`, query, timpaniContext("A"), lexembed.Model)
	status, got := call(t, http.MethodPost, ts.url+"/text/similarity/search/", body)
	if status != http.StatusOK {
		t.Fatalf("search = %d %s; want 200", status, got)
	}
	golden(t, "alegre_search.golden.json", got)
}

func TestAlegreSearch(t *testing.T) {
	ts := startAlegre(t)
	model := fmt.Sprintf("%q", lexembed.Model)
	q := fmt.Sprintf("%q", query)
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"default threshold 0.9", `{"text": ` + q + `, "context": ` + timpaniContext("A") + `, "models": [` + model + `]}`,
			[]string{"timpani_1", "timpani_2"}},
		{"model instead of models", `{"text": ` + q + `, "context": ` + timpaniContext("A") + `, "model": ` + model + `}`,
			[]string{"timpani_1", "timpani_2"}},
		{"null threshold is 0.9", `{"text": ` + q + `, "context": ` + timpaniContext("A") + `, "models": [` + model + `], "threshold": null}`,
			[]string{"timpani_1", "timpani_2"}},
		{"threshold 0.83", `{"text": ` + q + `, "context": ` + timpaniContext("A") + `, "models": [` + model + `], "threshold": 0.83}`,
			[]string{"timpani_1", "timpani_2", "timpani_3"}},
		{"threshold 0.8", `{"text": ` + q + `, "context": ` + timpaniContext("A") + `, "models": [` + model + `], "threshold": 0.8}`,
			[]string{"timpani_1", "timpani_2", "timpani_3", "timpani_4"}},
		{"threshold 0 (Timpani's discard_workspace)", `{"text": ` + q + `, "context": ` + timpaniContext("A") + `, "models": [` + model + `], "threshold": 0}`,
			[]string{"timpani_1", "timpani_2", "timpani_3", "timpani_4", "timpani_5"}},
		{"limit 3", `{"text": ` + q + `, "context": ` + timpaniContext("A") + `, "models": [` + model + `], "threshold": 0, "limit": 3}`,
			[]string{"timpani_1", "timpani_2", "timpani_3"}},
		{"limit 0 is the default", `{"text": ` + q + `, "context": ` + timpaniContext("A") + `, "models": [` + model + `], "threshold": 0, "limit": 0}`,
			[]string{"timpani_1", "timpani_2", "timpani_3", "timpani_4", "timpani_5"}},
		{"per_model_threshold object wins", `{"text": ` + q + `, "context": ` + timpaniContext("A") + `, "models": [` + model + `], "threshold": 0.99,
			"per_model_threshold": {` + model + `: 0.83}}`, []string{"timpani_1", "timpani_2", "timpani_3"}},
		{"per_model_threshold list", `{"text": ` + q + `, "context": ` + timpaniContext("A") + `, "models": [` + model + `],
			"per_model_threshold": [{"model": ` + model + `, "value": 0.83}]}`, []string{"timpani_1", "timpani_2", "timpani_3"}},
		{"other workspace", `{"text": ` + q + `, "context": ` + timpaniContext("B") + `, "models": [` + model + `], "threshold": 0}`,
			[]string{"timpani_6"}},
		{"unknown workspace", `{"text": ` + q + `, "context": ` + timpaniContext("C") + `, "models": [` + model + `], "threshold": 0}`,
			[]string{}},
		{"context value list is an OR", `{"text": ` + q + `, "context": {"workspace_id": ["A", "B"]}, "models": [` + model + `]}`,
			[]string{"timpani_1", "timpani_2", "timpani_6"}},
		{"fewer context keys match more", `{"text": ` + q + `, "context": {"type": "timpani_content_item_text"}, "models": [` + model + `]}`,
			[]string{"timpani_1", "timpani_2", "timpani_6"}},
		{"every context key must match", `{"text": ` + q + `, "context": {"type": "other", "workspace_id": "A"}, "models": [` + model + `]}`,
			[]string{}},
		{"values match exactly", `{"text": ` + q + `, "context": {"workspace_id": "a"}, "models": [` + model + `]}`,
			[]string{}},
		{"no context searches everything", `{"text": ` + q + `, "models": [` + model + `]}`,
			[]string{"timpani_1", "timpani_2", "timpani_6"}},
		{"by stored doc_id", `{"doc_id": "timpani_3", "context": ` + timpaniContext("A") + `, "models": [` + model + `]}`,
			[]string{"timpani_3"}},
		{"neither text nor doc_id", `{"text": "  ", "context": ` + timpaniContext("A") + `, "models": [` + model + `]}`,
			[]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/text/similarity/search/", "/text/similarity/search"} {
				status, got := call(t, http.MethodPost, ts.url+path, tt.body)
				if status != http.StatusOK {
					t.Fatalf("POST %s = %d %s; want 200", path, status, got)
				}
			}
			ids, scores := search(t, ts, tt.body)
			if !slices.Equal(ids, tt.want) {
				t.Errorf("search ids = %v; want %v", ids, tt.want)
			}
			if !slices.IsSortedFunc(scores, func(a, b float64) int { return cmp.Compare(b, a) }) {
				t.Errorf("scores %v not in descending order", scores)
			}
			for i, s := range scores {
				if s < 1 || s > 2 {
					t.Errorf("score of %s = %v; want within [1, 2]", ids[i], s)
				}
				if (ids[i] == "timpani_1" || ids[i] == "timpani_6") && s != 2 {
					t.Errorf("score of an exact copy = %v; want 2", s)
				}
			}
		})
	}
}

func TestAlegreErrors(t *testing.T) {
	ts := startServer(t, Options{MaxBodyBytes: 1000}, true)
	model := fmt.Sprintf("%q", lexembed.Model)
	tests := []struct {
		name, method, path, body string
		want                     int
		message                  string // prefix of {"message": ...}
	}{
		{"no model", "POST", "/text/similarity/", `{"text": "x", "doc_id": "d"}`, 400, "models is required"},
		{"unknown model", "POST", "/text/similarity/", `{"text": "x", "doc_id": "d", "models": ["nosuch"]}`, 400, `unknown model "nosuch"`},
		{"paraphrase model", "POST", "/text/similarity/", `{"text": "x", "doc_id": "d", "models": ["paraphrase-multilingual-mpnet-base-v2"]}`,
			501, `model "paraphrase-multilingual-mpnet-base-v2" is not available offline`},
		{"paraphrase among others", "POST", "/text/similarity/", `{"text": "x", "doc_id": "d", "models": [` + model + `], "model": "xlm-r-bert-base-nli-stsb-mean-tokens"}`,
			501, `model "xlm-r-bert-base-nli-stsb-mean-tokens" is not available offline`},
		{"openai model", "POST", "/text/similarity/", `{"text": "x", "doc_id": "d", "models": ["openai-text-embedding-ada-002"]}`, 501, "model"},
		{"elasticsearch model", "POST", "/text/similarity/", `{"text": "x", "doc_id": "d", "model": "elasticsearch"}`, 501, "model"},
		{"no text", "POST", "/text/similarity/", `{"doc_id": "d", "models": [` + model + `]}`, 400, "text is required"},
		{"blank text", "POST", "/text/similarity/", `{"text": " \n", "doc_id": "d", "models": [` + model + `]}`, 400, "text is required"},
		{"bad created_at", "POST", "/text/similarity/", `{"text": "x", "created_at": "yesterday", "models": [` + model + `]}`, 400, "created_at"},
		{"malformed JSON", "POST", "/text/similarity/", `{"text": `, 400, "malformed JSON"},
		{"wrong type", "POST", "/text/similarity/", `{"text": 1, "models": [` + model + `]}`, 400, "text must be a string, not JSON number"},
		{"context not an object", "POST", "/text/similarity/", `{"text": "x", "context": "A", "models": [` + model + `]}`, 400, "context must be an object, not JSON string"},
		{"oversized", "POST", "/text/similarity/", `{"text": "` + strings.Repeat("x", 1000) + `", "models": [` + model + `]}`, 413, "body larger"},
		{"search paraphrase model", "POST", "/text/similarity/search/", `{"text": "x", "models": ["paraphrase-multilingual-mpnet-base-v2"]}`, 501, "model"},
		{"search threshold type", "POST", "/text/similarity/search/", `{"text": "x", "threshold": "high", "models": [` + model + `]}`, 400, "threshold must be a number, not JSON string"},
		{"search negative limit", "POST", "/text/similarity/search/", `{"text": "x", "limit": -1, "models": [` + model + `]}`, 400, "limit must be"},
		{"search huge limit", "POST", "/text/similarity/search/", `{"text": "x", "limit": 10001, "models": [` + model + `]}`, 400, "limit must be"},
		{"search bad per_model_threshold", "POST", "/text/similarity/search/", `{"text": "x", "per_model_threshold": 3, "models": [` + model + `]}`, 400, "per_model_threshold"},
		{"search missing doc_id", "POST", "/text/similarity/search/", `{"doc_id": "nosuch", "models": [` + model + `]}`, 404, "Doc Not Found for id nosuch"},
		{"delete without doc_id", "DELETE", "/text/similarity/", `{}`, 400, "doc_id is required"},
		{"delete missing", "DELETE", "/text/similarity/", `{"doc_id": "nosuch"}`, 404, "Doc Not Found for id nosuch! No Deletion Occurred."},
		{"GET store path", "GET", "/text/similarity/", ``, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, tt.method, ts.url+tt.path, tt.body)
			if status != tt.want {
				t.Fatalf("%s %s %s = %d %s; want %d", tt.method, tt.path, tt.body, status, body, tt.want)
			}
			if tt.message == "" {
				return
			}
			var e struct{ Message string }
			if err := json.Unmarshal(body, &e); err != nil || !strings.HasPrefix(e.Message, tt.message) {
				t.Errorf("%s %s = %s; want message starting %q", tt.method, tt.path, body, tt.message)
			}
		})
	}
}

// TestAlegreContexts stores one doc_id in two workspaces and deletes it from
// them one at a time: a context never sees another's documents, and deleting
// in one leaves the other alone.
func TestAlegreContexts(t *testing.T) {
	ts := startServer(t, Options{Now: fixedNow}, true)
	url := ts.url + "/text/similarity/"
	for _, ws := range []string{"A", "B"} {
		if status, body := call(t, http.MethodPost, url, storeBody("shared", ws, query)); status != http.StatusOK {
			t.Fatalf("store in %s = %d %s", ws, status, body)
		}
	}
	call(t, http.MethodPost, url, storeBody("only_b", "B", query))
	searchIn := func(ws string) []string {
		ids, _ := search(t, ts, fmt.Sprintf(`{"text": %q, "context": %s, "models": [%q]}`, query, timpaniContext(ws), lexembed.Model))
		return ids
	}
	steps := []struct {
		name       string
		method     string
		body       string
		wantStatus int
		wantBody   string
		wantA      []string
		wantB      []string
	}{
		{"stored in both", "", "", 0, "", []string{"shared"}, []string{"only_b", "shared"}},
		{"delete shared from A", "DELETE", `{"doc_id": "shared", "context": ` + timpaniContext("A") + `}`, 200,
			`{"_index": "alegre_similarity", "_id": "shared", "result": "updated"}`, []string{}, []string{"only_b", "shared"}},
		{"delete shared from A again", "DELETE", `{"doc_id": "shared", "context": ` + timpaniContext("A") + `}`, 404,
			`{"message": "Doc Not Found for id shared! No Deletion Occurred."}`, []string{}, []string{"only_b", "shared"}},
		{"delete only_b from A", "DELETE", `{"doc_id": "only_b", "context": ` + timpaniContext("A") + `}`, 404,
			`{"message": "Doc Not Found for id only_b! No Deletion Occurred."}`, []string{}, []string{"only_b", "shared"}},
		{"quiet delete of a missing doc", "DELETE", `{"doc_id": "nosuch", "quiet": true}`, 200,
			`{"failed": "Doc Not Found for id nosuch! No Deletion Occurred - quiet failure requested, so 200 code returned."}`,
			[]string{}, []string{"only_b", "shared"}},
		{"delete shared without context (Timpani)", "DELETE", `{"doc_id": "shared"}`, 200,
			`{"_index": "alegre_similarity", "_id": "shared", "result": "deleted"}`, []string{}, []string{"only_b"}},
		{"delete shared again", "DELETE", `{"doc_id": "shared"}`, 404,
			`{"message": "Doc Not Found for id shared! No Deletion Occurred."}`, []string{}, []string{"only_b"}},
		{"delete only_b in its context", "DELETE", `{"doc_id": "only_b", "context": ` + timpaniContext("B") + `}`, 200,
			`{"_index": "alegre_similarity", "_id": "only_b", "result": "deleted"}`, []string{}, []string{}},
	}
	for _, st := range steps {
		if st.method != "" {
			status, body := call(t, st.method, url, st.body)
			if status != st.wantStatus {
				t.Fatalf("%s: %s = %d %s; want %d", st.name, st.method, status, body, st.wantStatus)
			}
			jsonEqual(t, st.name, body, st.wantBody)
		}
		if got := searchIn("A"); !slices.Equal(got, st.wantA) {
			t.Errorf("%s: search in A = %v; want %v", st.name, got, st.wantA)
		}
		if got := searchIn("B"); !slices.Equal(got, st.wantB) {
			t.Errorf("%s: search in B = %v; want %v", st.name, got, st.wantB)
		}
	}
}

// TestAlegreRestore: storing a doc_id again replaces its text and vector and
// keeps its contexts.
func TestAlegreRestore(t *testing.T) {
	ts := startServer(t, Options{Now: fixedNow}, true)
	url := ts.url + "/text/similarity"
	call(t, http.MethodPost, url, storeBody("d", "A", "The weather in Lisbon is sunny today"))
	call(t, http.MethodPost, url, storeBody("d", "B", query))
	for _, ws := range []string{"A", "B"} {
		ids, _ := search(t, ts, fmt.Sprintf(`{"text": %q, "context": %s, "models": [%q]}`, query, timpaniContext(ws), lexembed.Model))
		if !slices.Equal(ids, []string{"d"}) {
			t.Errorf("search in %s = %v; want [d] (the new text, in both contexts)", ws, ids)
		}
	}
	doc, ok, err := ts.vectors.Get(t.Context(), "d", lexembed.Model)
	if err != nil || !ok {
		t.Fatalf("Get(d) = %v, %v", ok, err)
	}
	if doc.Text != query || len(doc.Contexts) != 2 || doc.Context["workspace_id"] != "B" {
		t.Errorf("stored doc = text %q, contexts %v, context %v; want the new text, both contexts, context B", doc.Text, doc.Contexts, doc.Context)
	}
}

func TestAlegreStoreWithoutDocID(t *testing.T) {
	ts := startServer(t, Options{}, true)
	body := fmt.Sprintf(`{"text": %q, "models": [%q]}`, query, lexembed.Model)
	if status, got := call(t, http.MethodPost, ts.url+"/text/similarity/", body); status != http.StatusOK {
		t.Fatalf("store = %d %s; want 200", status, got)
	}
	ids, _ := search(t, ts, body)
	if len(ids) != 1 || len(ids[0]) < 16 {
		t.Errorf("search = %v; want one document with a generated id", ids)
	}
}

// TestAlegreStoreFields: language (given, or detected for "auto") and
// created_at come back in search hits.
func TestAlegreStoreFields(t *testing.T) {
	en := detector(func(string) (string, float64) { return "en", 0.9 })
	tests := []struct {
		name     string
		lang     LanguageDetector
		fields   string
		wantLang any
		wantTime string
	}{
		{"defaults", nil, ``, nil, "2024-01-20T03:00:01.123Z"},
		{"language given", nil, `, "language": "pt"`, "pt", "2024-01-20T03:00:01.123Z"},
		{"auto without detector", nil, `, "language": "auto"`, nil, "2024-01-20T03:00:01.123Z"},
		{"auto detected", en, `, "language": "auto"`, "en", "2024-01-20T03:00:01.123Z"},
		{"created_at RFC 3339", nil, `, "created_at": "2023-05-01T10:00:00+02:00"`, nil, "2023-05-01T08:00:00.000Z"},
		{"created_at Python isoformat", nil, `, "created_at": "2023-05-01T10:00:00.250000"`, nil, "2023-05-01T10:00:00.250Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, Options{Now: fixedNow, Language: tt.lang}, true)
			body := fmt.Sprintf(`{"text": %q, "doc_id": "d", "model": %q%s}`, query, lexembed.Model, tt.fields)
			if status, got := call(t, http.MethodPost, ts.url+"/text/similarity/", body); status != http.StatusOK {
				t.Fatalf("store = %d %s; want 200", status, got)
			}
			_, got := call(t, http.MethodPost, ts.url+"/text/similarity/search/", body)
			var r struct{ Result []map[string]any }
			if err := json.Unmarshal(got, &r); err != nil || len(r.Result) != 1 {
				t.Fatalf("search = %s, %v; want one hit", got, err)
			}
			h := r.Result[0]
			if h["language"] != tt.wantLang || h["created_at"] != tt.wantTime || h["model"] != lexembed.Model || h["model_"+lexembed.Model] != 1.0 {
				t.Errorf("hit language %v created_at %v model %v; want %v %v %v", h["language"], h["created_at"], h["model"], tt.wantLang, tt.wantTime, lexembed.Model)
			}
		})
	}
}
