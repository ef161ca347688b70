//go:build ignore

// Command compare measures workflow/langid against whatlanggo and lingua-go
// on the same data, one detector per process (for clean memory figures).
// It needs those two modules, which the repository does not depend on, so
// run it from a scratch module (see ../../README.md):
//
//	mkdir /tmp/langidcmp && cd /tmp/langidcmp && cp $REPO/workflow/langid/internal/compare/main.go .
//	go mod init langidcmp && go mod edit -require github.com/timpani-dev/timpani@v0.0.0 -replace github.com/timpani-dev/timpani=$REPO
//	go get github.com/abadojack/whatlanggo@v1.0.1 github.com/pemistahl/lingua-go@v1.4.0 && go build -o compare main.go
//	for d in timpani timpani7 whatlang lingua lingua7 lingualow; do /usr/bin/time -f '%M KB' ./compare -repo $REPO -d $d; done
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/abadojack/whatlanggo"
	"github.com/pemistahl/lingua-go"
	"github.com/timpani-dev/timpani/workflow/langid"
)

var seven = []string{"ar", "de", "en", "es", "fr", "it", "pt"}

type item struct{ Lang, Text string }

func main() {
	repo := flag.String("repo", ".", "repository root")
	which := flag.String("d", "timpani", "timpani|timpani7|whatlang|lingua|lingua7|lingualow")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	sample := loadSample(filepath.Join(*repo, "workflow/langid/testdata/tweets"))
	shared := filepath.Join(*repo, "..", "shared", "datasets")
	covid := loadShared(filepath.Join(shared, "covid_rumor_replies.jsonl.gz"), "en", 5000)
	tele := loadShared(filepath.Join(shared, "telegram_ru_news.jsonl.gz"), "ru", 5000)

	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	detect, langs := detector(*which)
	detect("warm up")
	load := time.Since(t0)
	runtime.GC()
	runtime.ReadMemStats(&m1)

	per := map[string][2]int{}
	ok := 0
	for _, it := range sample {
		p := per[it.Lang]
		p[1]++
		if detect(it.Text) == it.Lang {
			p[0]++
			ok++
		}
		per[it.Lang] = p
	}
	var parts []string
	for _, l := range seven {
		parts = append(parts, fmt.Sprintf("%.3f", float64(per[l][0])/float64(per[l][1])))
	}
	// agree is the share of posts with some detected language that got the
	// dataset's language, and how many got none.
	agree := func(items []item) string {
		if len(items) == 0 || !slices.Contains(langs, items[0].Lang) {
			return "n/a"
		}
		got, none := 0, 0
		for _, it := range items {
			switch detect(it.Text) {
			case it.Lang:
				got++
			case "":
				none++
			}
		}
		return fmt.Sprintf("%.3f (%d none)", float64(got)/float64(len(items)-none), none)
	}
	// Speed: the sample over and over for 3 s on one core.
	n := 0
	ts := time.Now()
	for time.Since(ts) < 3*time.Second {
		for _, it := range sample {
			detect(it.Text)
		}
		n += len(sample)
	}
	rate := float64(n) / time.Since(ts).Seconds()
	fmt.Printf("| %s | %.4f | %s | %s | %s | %.0f | %.0f MiB | %v |\n", *which, float64(ok)/float64(len(sample)),
		strings.Join(parts, " | "), agree(covid), agree(tele), rate, float64(m1.HeapAlloc-m0.HeapAlloc)/(1<<20), load.Round(time.Millisecond))
}

// detector returns a detection function and the languages it can return.
func detector(which string) (func(string) string, []string) {
	switch which {
	case "timpani", "timpani7":
		var cands []string
		if which == "timpani7" {
			cands = seven
		}
		d, err := langid.New(cands)
		if err != nil {
			log.Fatal(err)
		}
		return func(s string) string { return d.Detect(s).Lang }, d.Candidates()
	case "whatlang":
		return func(s string) string { return whatlanggo.Detect(s).Lang.Iso6391() }, []string{"en", "ru"}
	case "lingua", "lingua7", "lingualow":
		b := lingua.NewLanguageDetectorBuilder().FromAllLanguages()
		langs := []string{"en", "ru"}
		if which == "lingua7" {
			b = lingua.NewLanguageDetectorBuilder().FromLanguages(lingua.Arabic, lingua.German, lingua.English,
				lingua.Spanish, lingua.French, lingua.Italian, lingua.Portuguese)
			langs = seven
		}
		if which == "lingualow" {
			b = b.WithLowAccuracyMode()
		}
		d := b.WithPreloadedLanguageModels().Build()
		return func(s string) string {
			l, ok := d.DetectLanguageOf(s)
			if !ok {
				return ""
			}
			return strings.ToLower(l.IsoCode639_1().String())
		}, langs
	}
	log.Fatalf("unknown detector %q", which)
	return nil, nil
}

func loadSample(dir string) []item {
	var out []item
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			log.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var it item
			if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
				log.Fatal(err)
			}
			if slices.Contains(seven, it.Lang) {
				out = append(out, it)
			}
		}
		fh.Close()
	}
	return out
}

func loadShared(path, lang string, n int) []item {
	fh, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		log.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var out []item
	for sc.Scan() && len(out) < n {
		var r struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			log.Fatal(err)
		}
		out = append(out, item{lang, r.Text})
	}
	return out
}
