// Command gen builds workflow/langid/model.bin.gz from the character n-gram
// models shipped in github.com/pemistahl/lingua-go v1.4.0 (Apache-2.0).
//
// It uses only the standard library: lingua-go's models are zip files holding
// one protocol-buffer message each, and the few fields we need are decoded by
// hand below. Fetch the module into the module cache from a scratch directory
// (so the repository's go.mod stays untouched) and point -lingua at it, from
// the repository root:
//
//	dir=$(cd "$(mktemp -d)" && go mod init scratch >/dev/null 2>&1 &&
//	      go mod download -json github.com/pemistahl/lingua-go@v1.4.0 | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
//	go run ./workflow/langid/internal/gen -lingua "$dir" -out workflow/langid/model.bin.gz
//
// The output is deterministic for a given input and flags.
package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Format of the (gzip-compressed) model file, all integers little-endian:
//
//	"LID1"
//	f32 step                  one quantisation unit, in nats
//	u8  maxOrder              longest n-gram stored
//	u8  nGroups
//	per group:
//	  u8  len, script name    a key of unicode.Scripts, e.g. "Latin"
//	  u8  nLangs, nLangs × 2 bytes ISO 639-1 code
//	  u32 nKeys
//	  nKeys × (u8 len, UTF-8 n-gram)
//	  nKeys × nLangs × u8    cost = round(-log P / step), capped at 255
//
// A key's cost for a language is the negative log of P(last rune | the
// runes before it) in that language (lingua-go stores exactly these
// conditional probabilities), or, when the language lacks the n-gram, the
// cost of its next shorter suffix plus a back-off penalty.

const (
	maxOrder = 4
	// Back-off penalty (in nats, ≈ -ln 0.4 as in "stupid back-off") and the
	// cost of a character a language has never been seen with.
	backoff = 0.92
	unseen  = 12.0
)

// Scripts decided at run time by a rule, so they need no n-gram table:
// Han/Hiragana/Katakana (zh/ja) and Hangul (ko).
var ruleLangs = map[string]bool{"zh": true, "ja": true, "ko": true}

type langModel struct {
	iso    string
	script string
	logp   [maxOrder + 1]map[string]float64
}

func main() {
	var (
		dir   = flag.String("lingua", "", "directory of github.com/pemistahl/lingua-go@v1.4.0")
		out   = flag.String("out", "model.bin.gz", "output file")
		kflag = flag.String("k", "0,1000,3000,6000", "n-grams kept per language for orders 1..4 (0 = all)")
		step  = flag.Float64("step", 1.0/8, "quantisation step in nats")
	)
	flag.Parse()
	if *dir == "" {
		log.Fatal("-lingua is required")
	}
	var keep [maxOrder + 1]int
	for i, f := range strings.Split(*kflag, ",") {
		if i >= maxOrder {
			log.Fatal("-k has more than 4 values")
		}
		if _, err := fmt.Sscan(f, &keep[i+1]); err != nil {
			log.Fatalf("-k: %v", err)
		}
	}

	entries, err := os.ReadDir(filepath.Join(*dir, "language-models"))
	if err != nil {
		log.Fatal(err)
	}
	groups := map[string][]*langModel{}
	for _, e := range entries {
		iso := e.Name()
		if ruleLangs[iso] {
			continue
		}
		m := &langModel{iso: iso}
		for n := 1; n <= maxOrder; n++ {
			p, err := loadModel(*dir, iso, n)
			if n > 1 && errors.Is(err, fs.ErrNotExist) {
				// lingua-go ships only unigrams for languages with a script of their own.
				p, err = map[string]float64{}, nil
			}
			if err != nil {
				log.Fatalf("%s order %d: %v", iso, n, err)
			}
			m.logp[n] = p
		}
		m.script = dominantScript(m.logp[1])
		groups[m.script] = append(groups[m.script], m)
	}

	var buf bytes.Buffer
	buf.WriteString("LID1")
	binary.Write(&buf, binary.LittleEndian, float32(*step))
	buf.WriteByte(maxOrder)
	names := make([]string, 0, len(groups))
	for s := range groups {
		names = append(names, s)
	}
	sort.Strings(names)
	buf.WriteByte(byte(len(names)))
	for _, s := range names {
		ms := groups[s]
		sort.Slice(ms, func(i, j int) bool { return ms[i].iso < ms[j].iso })
		keys := selectKeys(ms, keep)
		writeGroup(&buf, s, ms, keys, *step)
		var isos []string
		for _, m := range ms {
			isos = append(isos, m.iso)
		}
		log.Printf("%-10s %2d languages %7d keys %s", s, len(ms), len(keys), strings.Join(isos, " "))
	}

	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	if _, err := zw.Write(buf.Bytes()); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	st, _ := os.Stat(*out)
	log.Printf("wrote %s: %d bytes (%d uncompressed)", *out, st.Size(), buf.Len())
}

// dominantScript returns the Unicode script holding most of a language's
// unigram probability mass.
func dominantScript(uni map[string]float64) string {
	mass := map[string]float64{}
	for g, lp := range uni {
		r, _ := utf8.DecodeRuneInString(g)
		for name, tab := range unicode.Scripts {
			if unicode.Is(tab, r) {
				mass[name] += math.Exp(lp)
				break
			}
		}
	}
	best, bestMass := "", -1.0
	for name, m := range mass {
		if m > bestMass || (m == bestMass && name < best) {
			best, bestMass = name, m
		}
	}
	return best
}

// selectKeys keeps, for every language and order, the keep[n] n-grams with
// the highest joint probability (the product of the conditionals of all
// prefixes), and returns the union sorted by order, then bytes.
func selectKeys(ms []*langModel, keep [maxOrder + 1]int) []string {
	set := map[string]bool{}
	if len(ms) == 1 {
		return nil // a script with one language is decided without n-grams
	}
	for _, m := range ms {
		for n := 1; n <= maxOrder; n++ {
			type scored struct {
				g  string
				lp float64
			}
			all := make([]scored, 0, len(m.logp[n]))
			for g := range m.logp[n] {
				all = append(all, scored{g, m.joint(g)})
			}
			sort.Slice(all, func(i, j int) bool {
				if all[i].lp != all[j].lp {
					return all[i].lp > all[j].lp
				}
				return all[i].g < all[j].g
			})
			k := keep[n]
			if k == 0 || k > len(all) {
				k = len(all)
			}
			for _, s := range all[:k] {
				set[s.g] = true
			}
		}
	}
	keys := make([]string, 0, len(set))
	for g := range set {
		keys = append(keys, g)
	}
	sort.Slice(keys, func(i, j int) bool {
		ni, nj := utf8.RuneCountInString(keys[i]), utf8.RuneCountInString(keys[j])
		if ni != nj {
			return ni < nj
		}
		return keys[i] < keys[j]
	})
	return keys
}

func (m *langModel) joint(g string) float64 {
	rs := []rune(g)
	s := 0.0
	for k := 1; k <= len(rs); k++ {
		lp, ok := m.logp[k][string(rs[:k])]
		if !ok {
			return math.Inf(-1)
		}
		s += lp
	}
	return s
}

// cost is the back-off cost of the last rune of g given the runes before it.
func (m *langModel) cost(g string) float64 {
	rs := []rune(g)
	pen := 0.0
	for n := len(rs); n >= 1; n-- {
		if lp, ok := m.logp[n][string(rs[len(rs)-n:])]; ok {
			return pen - lp
		}
		pen += backoff
	}
	return pen - backoff + unseen
}

func writeGroup(w *bytes.Buffer, script string, ms []*langModel, keys []string, step float64) {
	w.WriteByte(byte(len(script)))
	w.WriteString(script)
	w.WriteByte(byte(len(ms)))
	for _, m := range ms {
		if len(m.iso) != 2 {
			log.Fatalf("language code %q is not ISO 639-1", m.iso)
		}
		w.WriteString(m.iso)
	}
	binary.Write(w, binary.LittleEndian, uint32(len(keys)))
	for _, k := range keys {
		w.WriteByte(byte(len(k)))
		w.WriteString(k)
	}
	for _, k := range keys {
		for _, m := range ms {
			q := math.Round(m.cost(k) / step)
			w.WriteByte(byte(min(q, 255)))
		}
	}
}

var orderFile = [...]string{"", "unigrams", "bigrams", "trigrams", "quadrigrams", "fivegrams"}

// loadModel reads language-models/<iso>/<order>s.pb.bin.zip and returns
// n-gram → natural log of its probability.
func loadModel(dir, iso string, n int) (map[string]float64, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "language-models", iso, orderFile[n]+".pb.bin.zip"))
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, err
	}
	if len(zr.File) != 1 {
		return nil, fmt.Errorf("want 1 file in zip, got %d", len(zr.File))
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	pb, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	if err := decodeModel(pb, out); err != nil {
		return nil, err
	}
	for g := range out {
		if utf8.RuneCountInString(g) != n {
			return nil, fmt.Errorf("n-gram %q in the order-%d model", g, n)
		}
	}
	return out, nil
}

// decodeModel reads lingua's SerializableLanguageModel message: field 4 is a
// repeated SerializableNgramSet {1: double probability, 2: repeated string}.
func decodeModel(b []byte, out map[string]float64) error {
	return walk(b, func(field, wire uint64, v []byte, _ uint64) error {
		if field == 4 && wire == 2 {
			return decodeSet(v, out)
		}
		return nil
	})
}

func decodeSet(b []byte, out map[string]float64) error {
	var prob float64
	var grams []string
	err := walk(b, func(field, wire uint64, v []byte, fixed uint64) error {
		switch {
		case field == 1 && wire == 1:
			prob = math.Float64frombits(fixed)
		case field == 2 && wire == 2:
			grams = append(grams, string(v))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !(prob > 0 && prob <= 1) {
		return fmt.Errorf("probability %v out of range", prob)
	}
	for _, g := range grams {
		out[g] = math.Log(prob)
	}
	return nil
}

// walk calls fn for each field of a protocol-buffer message (wire types 0, 1, 2, 5).
func walk(b []byte, fn func(field, wire uint64, v []byte, fixed uint64) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad varint")
		}
		b = b[n:]
		field, wire := key>>3, key&7
		var v []byte
		var fixed uint64
		switch wire {
		case 0:
			x, n := binary.Uvarint(b)
			if n <= 0 {
				return errors.New("bad varint")
			}
			fixed, b = x, b[n:]
		case 1:
			if len(b) < 8 {
				return errors.New("short fixed64")
			}
			fixed, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return errors.New("bad length")
			}
			v, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return errors.New("short fixed32")
			}
			fixed, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return fmt.Errorf("unsupported wire type %d", wire)
		}
		if err := fn(field, wire, v, fixed); err != nil {
			return err
		}
	}
	return nil
}
