package yake

import (
	"slices"
	"testing"
)

// Most cases are segtok's word_tokenizer tests, as ported to Rust by the segtok crate.
func TestWordTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"inner hyphen", " 123-456 abc-def ", []string{"123-456", "abc-def"}},
		{"inner comma", " 123,456 abc,def ", []string{"123,456", "abc,def"}},
		{"inner dot", " 123.456 abc.def ", []string{"123.456", "abc.def"}},
		{"inner colon", "12:6 12:50", []string{"12:6", "12:50"}},
		{"colon needs digits", "abc:def 12:34:abc abc:12:34", []string{"abc", ":", "def", "12:34", ":", "abc", "abc", ":", "12:34"}},
		{"dangling comma", "that ,but not, this", []string{"that", ",", "but", "not", ",", "this"}},
		{"dangling comma twice", "token (, hi), issue", []string{"token", "(", ",", "hi", ")", ",", "issue"}},
		{"dangling double", "token (,; hi), issue", []string{"token", "(", ",", ";", "hi", ")", ",", "issue"}},
		{"terminal hyphen", "A-", []string{"A", "-"}},
		{"terminal colon", "A:", []string{"A", ":"}},
		{"hyphen repeat", "A--B", []string{"A", "--", "B"}},
		{"comma repeat", "A,,B", []string{"A", ",", ",", "B"}},
		{"unicode hyphen", "\u00A0ABC\u2011DEF\u2015XYZ\u00A0", []string{"ABC\u2011DEF", "\u2015", "XYZ"}},
		{"hyphen mixed", "123-Abc-xyZ-123", []string{"123-Abc-xyZ-123"}},
		{"hyphenated linebreak", "A-B A-\rB A-\nB A-  \r\n\tB", []string{"A-B", "A-B", "A-B", "A-B"}},
		{"dots", "\t1.2.3, f.e., is Mr. .Abbreviation.\n", []string{"1.2.3", ",", "f.e.", ",", "is", "Mr.", ".", "Abbreviation", "."}},
		{"terminal start", "This is a ?sentence,", []string{"This", "is", "a", "?", "sentence", ","}},
		{"terminal end", "This is a sentence?,", []string{"This", "is", "a", "sentence", "?", ","}},
		{"final abbreviation", "This is another abbrev..\n", []string{"This", "is", "another", "abbrev.", "."}},
		{"final ellipsis", "Please no more...", []string{"Please", "no", "more", "..."}},
		{"abbreviated ellipsis", "abbrev... final....", []string{"abbrev", "...", "final", "...", "."}},
		{"double dot", "a.. b..", []string{"a.", ".", "b.", "."}},
		{"quoted terminal", "He said, 'this.'", []string{"He", "said", ",", "'", "this", ".", "'"}},
		{"inner ellipsis", "and...or", []string{"and", "...", "or"}},
		{"ascii apostrophes", "That's 'tis less' O'Don'Ovan's", []string{"That's", "'", "tis", "less'", "O'Don'Ovan's"}},
		{"possessive s", "Words' end.", []string{"Words'", "end", "."}},
		{"unicode apostrophes", "\u2019tis less\u02BC O\u2019Neil\u02BCs", []string{"\u2019tis", "less\u02BC", "O\u2019Neil\u02BCs"}},
		{"hyphen dot apostrophe", " O.h'Ne.l- \n l's ", []string{"O.h'Ne.l-l's"}},
		{"numbers", "$123,456.99 45.67+/-1.23%", []string{"$", "123,456.99", "45.67", "+/-", "1.23", "%"}},
		{"chemicals and dna", "1,r-4-cyclo.hexene 5\u2032-ATGCAAAT-3\u2032 5'-ACGT-3'",
			[]string{"1,r-4-cyclo.hexene", "5\u2032-ATGCAAAT-3\u2032", "5", "'-", "ACGT-3", "'"}},
		{"physical units", "10 V\u00B7m\u207B\u00B9 msec\u00B2", []string{"10", "V", "\u00B7", "m\u207B\u00B9", "msec\u00B2"}},
		{"chemical formula", "O\u2082 H\u2081\u2082Si\u2085O\u2082 Al\u2082(SO\u2084)\u2083 [NO\u2084]\u207B Not\u2081",
			[]string{"O\u2082", "H\u2081\u2082Si\u2085O\u2082", "Al\u2082", "(", "SO\u2084", ")\u2083", "[", "NO\u2084", "]\u207B", "Not", "\u2081"}},
		{"url without web tokenizer", "http://www.example.com/path/to.file?kwd=1&arg",
			[]string{"http", "://", "www.example.com", "/", "path", "/", "to.file", "?", "kwd", "=", "1", "&", "arg"}},
		{"han is not alphanumeric", "哈里斯同意与特朗普。", []string{"哈里斯同意与特朗普", "。"}},
		{"empty", "", nil},
	}
	var tk tokenizer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tk.wordTokens(tt.in, nil)
			if !slices.Equal(got, tt.want) {
				t.Errorf("wordTokens(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// sentenceTokens is the whole per-sentence pipeline YAKE runs: web_tokenizer,
// split_contractions and YAKE's filter.
func TestSentenceTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"possessive dropped", "Kaggle's community", []string{"Kaggle", "community"}},
		{"negation kept", "I don't know, can't say", []string{"I", "do", "n't", "know", ",", "ca", "n't", "say"}},
		{"curly possessive kept", "Trump\u2019s plan", []string{"Trump", "\u2019s", "plan"}},
		{"url whole", "see https://t.co/AbC123?x=1 now", []string{"see", "https://t.co/AbC123?x=1", "now"}},
		{"url in brackets", "(http://example.com/a_b) ok.", []string{"(", "http://example.com/a_b", ")", "ok", "."}},
		{"url with trailing dot is split", "go to http://example.com.", []string{"go", "to", "http", "://", "example.com", "."}},
		{"url with port and fragment", "<https://x.org:8080/p#frag>", []string{"<", "https://x.org:8080/p#frag", ">"}},
		{"url user part", "ftp://anon@files.example.org/pub done", []string{"ftp://anon@files.example.org/pub", "done"}},
		{"email", "mail news@example.co.uk today", []string{"mail", "news@example.co.uk", "today"}},
		{"mention is not email", "thanks @WHO for this", []string{"thanks", "@", "WHO", "for", "this"}},
		{"html entities", "Tom &amp; Jerry &gt; all", []string{"Tom", "&", "Jerry", ">", "all"}},
		{"hashtag", "#COVID19 is here", []string{"#", "COVID19", "is", "here"}},
	}
	var tk tokenizer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tk.sentenceTokens(tt.in, nil)
			if !slices.Equal(got, tt.want) {
				t.Errorf("sentenceTokens(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestContractionAt(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"Kaggle's", 6}, {"don't", 2}, {"n't", 0}, {"we've", 2}, {"they're", 4}, {"I'm", 1},
		{"co-founder's", 10}, {"it\u2019ll", 2}, {"DON'T", -1}, {"rock'n'roll", -1}, {"'s", -1}, {"plain", -1},
	}
	for _, tt := range tests {
		if got := contractionAt(tt.in); got != tt.want {
			t.Errorf("contractionAt(%q) = %d; want %d", tt.in, got, tt.want)
		}
	}
}
