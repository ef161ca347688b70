package yake

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
)

func rawStopwords(t *testing.T, lang string) map[string]struct{} {
	t.Helper()
	var lists map[string][]string
	if err := json.Unmarshal(stopwordsISO, &lists); err != nil {
		t.Fatal(err)
	}
	set := map[string]struct{}{}
	for _, w := range lists[lang] {
		set[pyLower(w)] = struct{}{}
	}
	return set
}

func TestStopwordsFor(t *testing.T) {
	tests := []struct {
		lang, word string
		want       bool
	}{
		{"en", "the", true},
		{"EN-us", "the", true},
		{"en", "test", false}, // excluded, see stopwordExclusions
		{"pt", "de", true},
		{"pt_BR", "qualquer", false},
		{"cz", "jsem", true}, // YAKE's file name for Czech
		{"cs", "jsem", true},
		{"xx", "the", false},
		{"", "the", false},
		{"é", "the", false},
	}
	for _, tt := range tests {
		_, got := stopwordsFor(tt.lang)[tt.word]
		if got != tt.want {
			t.Errorf("stopwordsFor(%q)[%q] = %v; want %v", tt.lang, tt.word, got, tt.want)
		}
	}
	if n := len(stopwordSets()); n != 58 {
		t.Errorf("len(stopwordSets()) = %d; want 58 languages", n)
	}
}

// TestStopwordSupplement documents every word removed from stopwords-iso: it must be in
// the published list, and putting it back must change at least one reference vector.
// Run with -v to see which vectors move and by how much.
func TestStopwordSupplement(t *testing.T) {
	type vector struct {
		name, text, lang string
		opt              Options
	}
	vectors := []vector{
		{"2 presto wrapper", "This is a test of the presto wrapper for model access", "en", Defaults()},
		{"4 test_n1_EN", readTestdata(t, "kaggle_n1.txt"), "en", libOptions(1)},
		{"5 test_n3_EN", readTestdata(t, "kaggle_n3.txt"), "en", libOptions(3)},
		{"6 test_n3_PT", readTestdata(t, "conta_me_historias_pt.txt"), "pt", libOptions(3)},
	}
	for _, v := range vectors {
		want := extractWith(v.text, stopwordsFor(v.lang), v.opt)
		got := extractWith(v.text, rawStopwords(t, v.lang), v.opt)
		t.Logf("vector %s with the unmodified stopwords-iso list: %s", v.name, describeChange(got, want))
	}
	for _, lang := range slices.Sorted(maps.Keys(stopwordExclusions)) {
		raw := rawStopwords(t, lang)
		for _, w := range stopwordExclusions[lang] {
			if _, ok := raw[w]; !ok {
				t.Errorf("exclusion %s/%q is not in stopwords-iso; drop it", lang, w)
				continue
			}
			withWord := maps.Clone(stopwordsFor(lang))
			withWord[w] = struct{}{}
			moved := false
			for _, v := range vectors {
				if v.lang != lang {
					continue
				}
				want := extractWith(v.text, stopwordsFor(lang), v.opt)
				got := extractWith(v.text, withWord, v.opt)
				if e := maxAbsError(got, want); e != 0 {
					moved = true
					t.Logf("%s/%q back in the list: vector %s changes (%s)", lang, w, v.name, describeChange(got, want))
				}
			}
			if !moved {
				t.Errorf("exclusion %s/%q changes no vector; drop it", lang, w)
			}
		}
	}
}

// describeChange summarises how a keyword list moved: keywords gained or lost and the
// largest score change among keywords present in both.
func describeChange(got, want []Keyword) string {
	g := map[string]float64{}
	for _, k := range got {
		g[k.Text] = k.Score
	}
	lost, worst := []string{}, 0.0
	for _, k := range want {
		s, ok := g[k.Text]
		if !ok {
			lost = append(lost, k.Text)
			continue
		}
		worst = max(worst, abs(s-k.Score))
	}
	return formatChange(lost, len(got), len(want), worst)
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func formatChange(lost []string, ngot, nwant int, worst float64) string {
	return fmt.Sprintf("%d of %d keywords lost %q, largest score change %.3g", len(lost), nwant, lost, worst)
}
