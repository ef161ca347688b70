package langid

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sample is one labelled post of testdata/tweets (see its README).
type sample struct {
	Lang string `json:"lang"` // reviewed language, "und" when undecidable or mixed
	Set  string `json:"set"`  // language of the dataset it was drawn from
	Line int    `json:"line"`
	Text string `json:"text"`
}

func loadSamples(t testing.TB) []sample {
	t.Helper()
	files, err := filepath.Glob("testdata/tweets/*.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no labelled sample in testdata/tweets")
	}
	var out []sample
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var s sample
			if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, s)
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

var targetLangs = []string{"ar", "de", "en", "es", "fr", "it", "pt"}

type tally struct{ n, ok int }

// accuracy detects every reviewed sample of the target languages and
// returns per-language and overall tallies.
func accuracy(d *Detector, samples []sample, errs *[]string) (map[string]*tally, tally) {
	per := map[string]*tally{}
	var all tally
	for _, s := range samples {
		if !slices.Contains(targetLangs, s.Lang) {
			continue
		}
		got := d.Detect(s.Text)
		tl := per[s.Lang]
		if tl == nil {
			tl = &tally{}
			per[s.Lang] = tl
		}
		tl.n++
		all.n++
		if got.Lang == s.Lang {
			tl.ok++
			all.ok++
		} else if errs != nil {
			*errs = append(*errs, fmt.Sprintf("%s:%d want %s got %q (%.2f): %s", s.Set, s.Line, s.Lang, got.Lang, got.Confidence, s.Text))
		}
	}
	return per, all
}

func report(t *testing.T, name string, per map[string]*tally, all tally) {
	var b strings.Builder
	for _, l := range targetLangs {
		if tl := per[l]; tl != nil {
			fmt.Fprintf(&b, " %s %.3f (%d/%d)", l, float64(tl.ok)/float64(tl.n), tl.ok, tl.n)
		}
	}
	t.Logf("%s: overall %.4f (%d/%d);%s", name, float64(all.ok)/float64(all.n), all.ok, all.n, b.String())
}

// TestAccuracyTweets checks the target: at least 0.95 on real tweets
// in the seven target languages, with every supported language a candidate.
func TestAccuracyTweets(t *testing.T) {
	samples := loadSamples(t)
	all, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	per, tot := accuracy(all, samples, &errs)
	report(t, fmt.Sprintf("all %d languages", len(Supported())), per, tot)
	if testing.Verbose() {
		for _, e := range errs {
			t.Log("  ", e)
		}
	}
	if acc := float64(tot.ok) / float64(tot.n); acc < 0.95 {
		t.Errorf("accuracy %.4f < 0.95", acc)
	}

	seven, err := New(targetLangs)
	if err != nil {
		t.Fatal(err)
	}
	per, tot = accuracy(seven, samples, nil)
	report(t, "7 target languages", per, tot)
	if acc := float64(tot.ok) / float64(tot.n); acc < 0.97 {
		t.Errorf("accuracy with 7 candidates %.4f < 0.97", acc)
	}
}

// TestSharedDatasets runs over the project's shared datasets when they are
// beside the checkout (../shared). Their labels are per dataset, not per post
// (replies to English tweets are mostly but not all English), so the floors
// are loose; the point is to catch a regression on thousands of real posts.
func TestSharedDatasets(t *testing.T) {
	d, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file, lang string
		floor      float64
	}{
		{"covid_rumor_replies.jsonl.gz", "en", 0.85},
		{"telegram_ru_news.jsonl.gz", "ru", 0.97},
	} {
		texts := sharedTexts(t, c.file, 5000)
		if texts == nil {
			continue
		}
		none, ok := 0, 0
		for _, text := range texts {
			switch d.Detect(text).Lang {
			case "":
				none++
			case c.lang:
				ok++
			}
		}
		agree := float64(ok) / float64(len(texts)-none)
		t.Logf("%s: %d posts, %d without letters, %.3f of the rest detected as %s", c.file, len(texts), none, agree, c.lang)
		if agree < c.floor {
			t.Errorf("%s: %.3f detected as %s, want ≥ %.2f", c.file, agree, c.lang, c.floor)
		}
	}
}

// sharedTexts reads the text of the first n posts of a shared dataset, or
// returns nil (skipping) when the dataset is absent.
func sharedTexts(t *testing.T, name string, n int) []string {
	fh, err := os.Open(filepath.Join("..", "..", "..", "shared", "datasets", name))
	if err != nil {
		t.Logf("skipping %s: %v", name, err)
		return nil
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var out []string
	for sc.Scan() && len(out) < n {
		var post struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &post); err != nil {
			t.Fatal(err)
		}
		out = append(out, post.Text)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
