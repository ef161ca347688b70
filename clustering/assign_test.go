package clustering

import (
	"math"
	"testing"
)

func TestChooseFollowsTheRankingRules(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cands []Candidate
		want  int64 // item chosen; 0 for none
	}{
		{"nothing above the threshold starts a cluster", []Candidate{{ItemID: 2, Score: 0.5, ClusterID: 9, ClusterSize: 3}}, 0},
		{"an item never matches itself", []Candidate{{ItemID: 1, Score: 1, ClusterID: 9, ClusterSize: 3}}, 0},
		{"the most similar clustered candidate wins", []Candidate{
			{ItemID: 2, Score: 0.8, ClusterID: 7, ClusterSize: 10}, {ItemID: 3, Score: 0.9, ClusterID: 8, ClusterSize: 1}}, 3},
		{"ties go to the larger cluster", []Candidate{
			{ItemID: 2, Score: 0.9, ClusterID: 7, ClusterSize: 2}, {ItemID: 3, Score: 0.9, ClusterID: 8, ClusterSize: 5}}, 3},
		{"then to the older item", []Candidate{
			{ItemID: 4, Score: 0.9, ClusterID: 7, ClusterSize: 2}, {ItemID: 3, Score: 0.9, ClusterID: 8, ClusterSize: 2}}, 3},
		{"a clustered candidate beats a better unclustered one", []Candidate{
			{ItemID: 2, Score: 0.99}, {ItemID: 3, Score: 0.8, ClusterID: 8, ClusterSize: 2}}, 3},
		{"with none clustered, the best candidate forms the pair", []Candidate{
			{ItemID: 5, Score: 0.75}, {ItemID: 4, Score: 0.95}, {ItemID: 6, Score: 0.8}}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Choose(1, tc.cands, 0.7)
			if !ok {
				got.ItemID = 0
			}
			if got.ItemID != tc.want {
				t.Errorf("Choose = item %d; want %d", got.ItemID, tc.want)
			}
		})
	}
}

func TestTextHashIgnoresOnlyWhiteSpaceRuns(t *testing.T) {
	a, b, c := "Vote  counting\nmachines ", "Vote counting machines", "vote counting machines"
	if TextHash(a) != TextHash(b) || !SameText(a, b) || SameTextKey(a) != b {
		t.Errorf("white space changed the hash or key")
	}
	if TextHash(b) == TextHash(c) || SameText(b, c) {
		t.Errorf("case did not change the hash: case differences go through the vectors")
	}
}

func TestTrendScoresGrowthAgainstTheBaseline(t *testing.T) {
	o := TrendOptions{}
	for _, tc := range []struct {
		name             string
		recent, baseline int
		want             float64
	}{
		{"below the floor is no trend", 2, 0, 0},
		{"a newcomer scores its count", 6, 0, 6},
		{"steady chatter scores 0", 3, 21, 0},
		{"doubling a steady rate", 6, 21, 3 / math.Sqrt(4)},
		{"a fading topic scores below 0", 3, 70, (3 - 10) / math.Sqrt(11)},
	} {
		if got := Trend(tc.recent, tc.baseline, o); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: Trend(%d, %d) = %.3f; want %.3f", tc.name, tc.recent, tc.baseline, got, tc.want)
		}
	}
}
