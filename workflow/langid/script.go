package langid

import "unicode"

// script is a Unicode script that matters for language identification.
// The names match the keys of unicode.Scripts, which is what the model file
// uses; TestScriptOfMatchesUnicode keeps the two in step.
type script uint8

const (
	scriptNone script = iota
	scriptLatin
	scriptCyrillic
	scriptArabic
	scriptDevanagari
	scriptGreek
	scriptArmenian
	scriptHebrew
	scriptBengali
	scriptGurmukhi
	scriptGujarati
	scriptOriya
	scriptTamil
	scriptTelugu
	scriptKannada
	scriptMalayalam
	scriptSinhala
	scriptThai
	scriptLao
	scriptMyanmar
	scriptGeorgian
	scriptKhmer
	scriptHangul
	scriptHiragana
	scriptKatakana
	scriptHan
	numScripts
)

var scriptNames = [numScripts]string{
	"", "Latin", "Cyrillic", "Arabic", "Devanagari", "Greek", "Armenian", "Hebrew",
	"Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada",
	"Malayalam", "Sinhala", "Thai", "Lao", "Myanmar", "Georgian", "Khmer",
	"Hangul", "Hiragana", "Katakana", "Han",
}

// scriptLangs are scripts written (almost) only in one language, decided
// without n-grams. Han and the kana are handled together in Detect.
var scriptLangs = map[script]string{
	scriptGreek: "el", scriptArmenian: "hy", scriptHebrew: "he", scriptBengali: "bn",
	scriptGurmukhi: "pa", scriptGujarati: "gu", scriptOriya: "or", scriptTamil: "ta",
	scriptTelugu: "te", scriptKannada: "kn", scriptMalayalam: "ml", scriptSinhala: "si",
	scriptThai: "th", scriptLao: "lo", scriptMyanmar: "my", scriptGeorgian: "ka",
	scriptKhmer: "km", scriptHangul: "ko",
}

// bmpScripts maps every code point below U+10000 to its script; built once
// from unicode.Scripts so that classifying a rune is one array load.
var bmpScripts *[0x10000]script

func buildScriptTable() *[0x10000]script {
	t := new([0x10000]script)
	for s := scriptLatin; s < numScripts; s++ {
		for _, rg := range unicode.Scripts[scriptNames[s]].R16 {
			for r := int(rg.Lo); r <= int(rg.Hi); r += int(rg.Stride) {
				t[r] = s
			}
		}
	}
	return t
}

// scriptOf returns the script of r. bmpScripts must be built (loadModel does).
func scriptOf(r rune) script {
	if r < 0x10000 {
		return bmpScripts[r]
	}
	if unicode.Is(unicode.Han, r) {
		return scriptHan
	}
	return scriptNone
}
