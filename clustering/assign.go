package clustering

import (
	"cmp"
	"hash/fnv"
	"slices"
	"strings"
)

// TextHash identifies a text for the exact-duplicate fast path: texts that
// differ only in runs of white space hash alike. It is stored, so it must
// never change for a given text.
func TextHash(text string) int64 {
	h := fnv.New64a()
	for i, f := range strings.Fields(text) {
		if i > 0 {
			h.Write([]byte{' '})
		}
		h.Write([]byte(f))
	}
	return int64(h.Sum64())
}

// SameText reports whether two texts are the same for TextHash: equal but
// for runs of white space. Hashes collide; this settles it.
func SameText(a, b string) bool {
	return slices.Equal(strings.Fields(a), strings.Fields(b))
}

// SameTextKey is the form of text that TextHash hashes.
func SameTextKey(text string) string { return strings.Join(strings.Fields(text), " ") }

// Candidate is an item similar to the one being clustered.
type Candidate struct {
	ItemID      int64
	Score       float64 // cosine similarity to the item
	ClusterID   int64   // 0: the candidate is not in a cluster yet
	ClusterSize int
}

// Rank orders candidates the way the original did, with its bugs fixed:
// by similarity, then by the size of their cluster (so ties grow the larger
// cluster instead of fragmenting), then by item id, oldest first.
func Rank(cands []Candidate) {
	slices.SortStableFunc(cands, func(a, b Candidate) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.ClusterSize, a.ClusterSize); c != 0 {
			return c
		}
		return cmp.Compare(a.ItemID, b.ItemID)
	})
}

// Choose picks what item self joins among candidates: the best-ranked
// candidate at or above threshold that is in a cluster; failing that, the
// best-ranked one that is not, to form a new pair with (the original paired
// with the worst); ok is false when nothing qualifies, and the item starts
// its own cluster. An item never matches itself.
func Choose(self int64, cands []Candidate, threshold float64) (best Candidate, ok bool) {
	byID := make(map[int64]Candidate, len(cands))
	matches := make([]Match, len(cands))
	for i, c := range cands {
		byID[c.ItemID] = c
		matches[i] = Match{ID: c.ItemID, Score: c.Score}
	}
	best, ok, _ = ChooseLazily(self, matches, threshold, func(id int64) (Candidate, bool, error) {
		c, found := byID[id]
		return c, found, nil
	})
	return best, ok
}

// ChooseLazily is Choose for matches whose clusters are looked up only as
// the ranking needs them: usually the best match is clustered and one
// lookup settles it. lookup reports a candidate's cluster and size, or
// false when the item no longer exists.
func ChooseLazily(self int64, matches []Match, threshold float64, lookup func(itemID int64) (Candidate, bool, error)) (best Candidate, ok bool, err error) {
	ms := slices.Clone(matches)
	slices.SortFunc(ms, func(a, b Match) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ID, b.ID))
	})
	var pair Candidate
	havePair := false
	for i := 0; i < len(ms); {
		// A group of equal scores ranks by cluster size, then id.
		j := i + 1
		for j < len(ms) && ms[j].Score == ms[i].Score {
			j++
		}
		var group []Candidate
		for _, m := range ms[i:j] {
			if m.ID == self || m.Score < threshold {
				continue
			}
			c, found, err := lookup(m.ID)
			if err != nil {
				return Candidate{}, false, err
			}
			if found {
				c.ItemID, c.Score = m.ID, m.Score
				group = append(group, c)
			}
		}
		Rank(group)
		for _, c := range group {
			if c.ClusterID != 0 {
				return c, true, nil
			}
			if !havePair {
				pair, havePair = c, true
			}
		}
		i = j
	}
	return pair, havePair, nil
}

// IsZero reports whether v has no direction, like the embedding of a text
// with no words: it matches nothing.
func IsZero(v []float32) bool {
	for _, f := range v {
		if f != 0 {
			return false
		}
	}
	return true
}
