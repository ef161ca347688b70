package modelserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// do is call for goroutines other than the test's: it returns errors
// instead of stopping the test.
func do(method, url, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// TestConcurrency hammers both surfaces at once: every job gets exactly one
// callback with its own result, and concurrent stores and searches in
// separate contexts never see each other's documents.
func TestConcurrency(t *testing.T) {
	const clients = 24
	ts := startServer(t, Options{Workers: 4}, false)
	rc := newReceiver(t, nil)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			ws := fmt.Sprintf("ws-%d", i)
			text := fmt.Sprintf("The presto wrapper number %d for model access", i)
			for _, m := range []string{"yake_keywords", "hashed_ngrams"} {
				body := prestoBody(fmt.Sprintf("%s-%d", m, i), rc.url, text)
				if status, got, err := do(http.MethodPost, ts.url+"/process_item/"+m+"__Model", body); err != nil || status != http.StatusOK {
					t.Errorf("POST %s = %d %s %v; want 200", m, status, got, err)
				}
			}
			// The same text in every context: only the context tells them apart.
			if status, got, err := do(http.MethodPost, ts.url+"/text/similarity/", storeBody("doc-"+ws, ws, query)); err != nil || status != http.StatusOK {
				t.Errorf("store in %s = %d %s %v; want 200", ws, status, got, err)
				return
			}
			body := fmt.Sprintf(`{"text": %q, "context": %s, "models": [%q]}`, query, timpaniContext(ws), lexembed.Model)
			status, got, err := do(http.MethodPost, ts.url+"/text/similarity/search/", body)
			var r searchResult
			if err != nil || status != http.StatusOK || json.Unmarshal(got, &r) != nil {
				t.Errorf("search in %s = %d %s %v; want 200", ws, status, got, err)
				return
			}
			if len(r.Result) != 1 || r.Result[0].ID != "doc-"+ws {
				t.Errorf("search in %s = %s; want only doc-%s", ws, got, ws)
			}
		})
	}
	wg.Wait()

	var ids []string
	for range 2 * clients {
		var msg struct {
			Body struct {
				ID     string
				Text   string
				Result json.RawMessage
			}
		}
		if err := json.Unmarshal(rc.next(t).body, &msg); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, msg.Body.ID)
		model, n, _ := strings.Cut(msg.Body.ID, "-")
		if !strings.Contains(msg.Body.Text, " "+n+" ") {
			t.Errorf("callback %s carries text %q", msg.Body.ID, msg.Body.Text)
		}
		if model == "yake_keywords" && !strings.Contains(string(msg.Body.Result), "presto wrapper") {
			t.Errorf("callback %s result = %s; want the text's keywords", msg.Body.ID, msg.Body.Result)
		}
	}
	slices.Sort(ids)
	if got := len(slices.Compact(ids)); got != 2*clients {
		t.Errorf("%d distinct callbacks; want %d", got, 2*clients)
	}
}
