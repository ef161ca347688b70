package yake

// Similarity functions for YAKE's deduplication. A candidate is dropped when its
// similarity to an already selected keyword is greater than Options.DedupLim.

// levenshteinRatio is YAKE's seqm (and levs): 1 - distance / max(len a, len b), over code
// points.
func levenshteinRatio(a, b []rune, lev *levenshtein) float64 {
	m := max(len(a), len(b))
	if m == 0 {
		return 1 // Python would divide by zero; keys are never empty
	}
	return 1 - float64(lev.distance(a, b))/float64(m)
}

// levenshtein computes edit distances, keeping its tables between calls.
type levenshtein struct {
	ascii [128]uint64
	// page is the block of 256 code points (r>>8) of the pattern's first
	// non-ASCII character, whose masks pageMasks holds: a Cyrillic or Greek
	// word's letters are all there, so few lookups search other.
	page      rune
	pageMasks [256]uint64
	other     []peqEntry
	row       []int
}

type peqEntry struct {
	r    rune
	mask uint64
}

// distance is the Levenshtein distance (insert, delete, substitute, all cost 1). Patterns
// of up to 64 code points use Myers' bit-parallel algorithm (Hyyrö's formulation), which
// is linear in the other string; longer ones use the plain dynamic programme.
func (l *levenshtein) distance(a, b []rune) int {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) == 0 {
		return len(b)
	}
	if len(a) > 64 {
		return l.dp(a, b)
	}
	l.page = -1
	for i, r := range a {
		if r >= 0 && r < 128 {
			l.ascii[r] |= 1 << uint(i)
			continue
		}
		if l.page < 0 && r >= 0 {
			l.page = r >> 8
		}
		if r >= 0 && r>>8 == l.page {
			l.pageMasks[r&0xFF] |= 1 << uint(i)
			continue
		}
		found := false
		for k := range l.other {
			if l.other[k].r == r {
				l.other[k].mask |= 1 << uint(i)
				found = true
				break
			}
		}
		if !found {
			l.other = append(l.other, peqEntry{r, 1 << uint(i)})
		}
	}
	m := len(a)
	last := uint64(1) << uint(m-1)
	pv, mv := ^uint64(0), uint64(0)
	score := m
	for _, r := range b {
		var eq uint64
		if r >= 0 && r < 128 {
			eq = l.ascii[r]
		} else if r >= 0 && r>>8 == l.page {
			eq = l.pageMasks[r&0xFF]
		} else {
			for _, e := range l.other {
				if e.r == r {
					eq = e.mask
					break
				}
			}
		}
		xv := eq | mv
		xh := (((eq & pv) + pv) ^ pv) | eq
		ph := mv | ^(xh | pv)
		mh := pv & xh
		if ph&last != 0 {
			score++
		} else if mh&last != 0 {
			score--
		}
		ph = ph<<1 | 1
		mh <<= 1
		pv = mh | ^(xv | ph)
		mv = ph & xv
	}
	for _, r := range a {
		if r >= 0 && r < 128 {
			l.ascii[r] = 0
		} else if r >= 0 && r>>8 == l.page {
			l.pageMasks[r&0xFF] = 0
		}
	}
	l.other = l.other[:0]
	return score
}

func (l *levenshtein) dp(a, b []rune) int {
	if cap(l.row) < len(b)+1 {
		l.row = make([]int, len(b)+1)
	}
	row := l.row[:len(b)+1]
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		diag := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			next := min(row[j]+1, row[j-1]+1, diag+cost)
			diag = row[j]
			row[j] = next
		}
	}
	return row[len(b)]
}

// jaroWinkler is jellyfish.jaro_winkler as YAKE 0.4.8 calls it (prefix scale 0.1, at most
// four prefix characters, applied when the Jaro similarity is above 0.7, no long-string
// tolerance).
func jaroWinkler(a, b []rune) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	searchRange := max(len(a), len(b))/2 - 1
	if searchRange < 0 {
		searchRange = 0
	}
	aFlags := make([]bool, len(a))
	bFlags := make([]bool, len(b))
	common := 0
	for i, r := range a {
		lo := max(0, i-searchRange)
		hi := min(i+searchRange, len(b)-1)
		for j := lo; j <= hi; j++ {
			if !bFlags[j] && b[j] == r {
				aFlags[i], bFlags[j] = true, true
				common++
				break
			}
		}
	}
	if common == 0 {
		return 0
	}
	k, trans := 0, 0
	for i, f := range aFlags {
		if !f {
			continue
		}
		j := k
		for ; j < len(b); j++ {
			if bFlags[j] {
				k = j + 1
				break
			}
		}
		if j < len(b) && a[i] != b[j] {
			trans++
		}
	}
	trans /= 2
	c := float64(common)
	weight := (c/float64(len(a)) + c/float64(len(b)) + (c-float64(trans))/c) / 3
	if weight > 0.7 {
		n := min(len(a), len(b), 4)
		i := 0
		for i < n && a[i] == b[i] {
			i++
		}
		if i > 0 {
			weight += float64(i) * 0.1 * (1 - weight)
		}
	}
	return weight
}
