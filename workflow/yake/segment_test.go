package yake

import (
	"slices"
	"strings"
	"testing"
)

// ospl is segtok's own one-sentence-per-line test text (segmenter_test.py, MIT).
var ospl = []string{
	"One sentence per line.",
	"And another sentence on the same line.",
	"(How about a sentence in parenthesis?)",
	`Or a sentence with "a quote!"`,
	"'How about those pesky single quotes?'",
	"[And not to forget about square brackets.]",
	"And, brackets before the terminal [2].",
	"You know Mr. Abbreviation I told you so.",
	"What about the med. staff here?",
	"But the undef.",
	"abbreviation not.",
	"And this f.e. is tricky stuff.",
	"I.e. a little easier here.",
	"However, e.g., should be really easy.",
	"Three is one btw., is clear.",
	"Their presence was detected by transformation into S. lividans.",
	"Three subjects diagnosed as having something.",
	"What the heck??!?!",
	"(A) First things here.",
	"(1) No, they go here.",
	"[z] Last, but not least.",
	"(vii) And the Romans, too.",
	"Let's meet at 14.10 in N.Y..",
	"This happened in the U.S. last week.",
	"Brexit: The E.U. and the U.K. are separating.",
	"Refugees are welcome in the E.U..",
	"But they are thrown out of the U.K..",
	"And they never get to the U.S..",
	"The U.S. Air Force was called in.",
	"What about the E.U. High Court?",
	"And then there is the U.K. House of Commons.",
	"Now only this splits: the EU.",
	"A sentence ending in U.S. Another that won't split.",
	"12 monkeys ran into here.",
	"Nested (Parenthesis.",
	"(With words inside! (Right)) (More stuff. Uff, this is it!))",
	"In the Big City.",
	"How we got an A.",
	"Mathematics . dot times.",
	"An abbreviation at the end..",
	"This is a sentence terminal ellipsis...",
	"This is another sentence terminal ellipsis....",
	"An easy to handle G. species mention.",
	`This quote "He said it." is actually inside.`,
	"A. The first assumption.",
	"B. The second bullet.",
	"C. The last case.",
	"1. This is one.",
	"2. And that is two.",
	"3. Finally, three, too.",
	"Always last, clear closing example.",
}

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"segtok ospl", strings.Join(ospl, " "), ospl},
		{"simple", "This is a test.", []string{"This is a test."}},
		{"names", "Written by A. McArthur, K. Elvin, and D. Eden. This is Mr. A. Starr over there. B. Boyden is over there.",
			[]string{"Written by A. McArthur, K. Elvin, and D. Eden.", "This is Mr. A. Starr over there.", "B. Boyden is over there."}},
		{"alpha items", "This is figure A, B, and C. This is table A and B. That is item A, B.",
			[]string{"This is figure A, B, and C.", "This is table A and B.", "That is item A, B."}},
		{"author list", "R. S. Kauffman, R. Ahmed, and B. N. Fields show stuff in their paper.",
			[]string{"R. S. Kauffman, R. Ahmed, and B. N. Fields show stuff in their paper."}},
		{"long bracket abbreviation",
			"This is expected, on the basis of (Olmsted, M. C., C. F. Anderson, and M. T. Record, Jr. 1989. Proc. Natl. Acad. Sci. USA. 100:100), to decrease sharply.",
			[]string{"This is expected, on the basis of (Olmsted, M. C., C. F. Anderson, and M. T. Record, Jr. 1989. Proc. Natl. Acad. Sci. USA. 100:100), to decrease sharply."}},
		{"continuations",
			"colonic colonization inhibits development of inflammatory lesions. to investigate whether an inf. of the pancreas was the case... though we hate to use capital lett. that usually separate sentences.",
			[]string{"colonic colonization inhibits development of inflammatory lesions.",
				"to investigate whether an inf. of the pancreas was the case...",
				"though we hate to use capital lett. that usually separate sentences."}},
		{"inner names", "Bla bla [Sim et al. (1981) Biochem. J. 193, 129-141]. The adjusted (ml. min-1. 1.73 m-2) rate.",
			[]string{"Bla bla [Sim et al. (1981) Biochem. J. 193, 129-141].", "The adjusted (ml. min-1. 1.73 m-2) rate."}},
		{"species names tough", "The level of the genus Allomonas gen. nov. with so far the only species A. enterica known.",
			[]string{"The level of the genus Allomonas gen. nov. with so far the only species A. enterica known."}},
		{"multiline", "This is a\nmultiline sentence. And this is Mr.\nAbbrevation.",
			[]string{"This is a\nmultiline sentence.", "And this is Mr.\nAbbrevation."}},
		{"paragraphs always split", "First part\n\nsecond part", []string{"First part", "second part"}},
		{"parenthesis", "Nested ((Parenthesis. (With words right (inside))) (More stuff. Uff, this is it!)) In the Big City.",
			[]string{"Nested ((Parenthesis. (With words right (inside))) (More stuff. Uff, this is it!))", "In the Big City."}},
		{"parenthesis with sentences",
			"The segmenter segments on single lines or to consecutive lines. (If you want to extract sentences that cross newlines, remove those line-breaks. Segtok assumes your content has some minimal semantical meaning.) It gracefully handles this and similar issues.",
			[]string{"The segmenter segments on single lines or to consecutive lines.",
				"(If you want to extract sentences that cross newlines, remove those line-breaks.",
				"Segtok assumes your content has some minimal semantical meaning.)",
				"It gracefully handles this and similar issues."}},
		{"unclosed brackets", "The medial preoptic area (MPOA), and 2) did not decrease Fos-lir. However, olfactory desensitizations did decrease Fos-lir.",
			[]string{"The medial preoptic area (MPOA), and 2) did not decrease Fos-lir.", "However, olfactory desensitizations did decrease Fos-lir."}},
		{"space before terminal joins", "publicamente pelo Arquivo.pt . Nesta plataforma",
			[]string{"publicamente pelo Arquivo.pt . Nesta plataforma"}},
		{"date", "It happened on 12. Mar 2020 in town.", []string{"It happened on 12. Mar 2020 in town."}},
		{"middle initial", "We met John F. Kennedy there.", []string{"We met John F. Kennedy there."}},
		{"unicode terminals", "Hello‼ World？ Done", []string{"Hello‼", "World？", "Done"}},
		{"only spaces", "   \n\n  ", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitSentences(tt.text, nil)
			if !slices.Equal(got, tt.want) {
				t.Errorf("splitSentences(%q) = %q; want %q", tt.text, got, tt.want)
			}
		})
	}
}

// segtok's tests of the ABBREVIATIONS pattern.
func TestAbbreviationEnd(t *testing.T) {
	for _, s := range []string{"Of approx", "12 vs", "A", "Z", "a", "1", "0", ".", "*", "$",
		"Mister X", "Xen, B", "Xen and C", "Xen, and C", "this [G", "that (Z", "e.g", "the U.S"} {
		if !abbreviationEnd(s) {
			t.Errorf("abbreviationEnd(%q) = false; want true", s)
		}
	}
	for _, s := range []string{"not NOV", "USA", "Upper", "Ab", "some A", "lower", "some Upper",
		"in A, B", "in A and B", "A, B, and C", "xDr", ""} {
		if abbreviationEnd(s) {
			t.Errorf("abbreviationEnd(%q) = true; want false", s)
		}
	}
}

func TestContinuation(t *testing.T) {
	tests := map[string]bool{"and this": true, "are those": true, "with": true, "to be": false,
		"Are those": false, "not and": false, "island": false, "is-it": true}
	for s, want := range tests {
		if got := continuation(s); got != want {
			t.Errorf("continuation(%q) = %v; want %v", s, got, want)
		}
	}
}

func TestPreFilter(t *testing.T) {
	tests := []struct{ in, want string }{
		{"I love Meedan", "\n\nI love Meedan"},
		{"lower start", " lower start"},
		{"one\nTwo\n three\n  Four\tx", " one\n\nTwo  three\n\n  Four x"},
		{"", " "},
	}
	for _, tt := range tests {
		if got := preFilter(tt.in); got != tt.want {
			t.Errorf("preFilter(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
