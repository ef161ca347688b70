package clustering

import "math"

// TrendOptions set how trend scores compare a recent window with the
// baseline before it. Windows are whole days of published time.
type TrendOptions struct {
	RecentDays   int // the window whose growth is scored; default 1
	BaselineDays int // the days before it that set the expectation; default 7
	MinCount     int // a recent count below this scores 0; default 3
}

// WithDefaults fills unset fields.
func (o TrendOptions) WithDefaults() TrendOptions {
	if o.RecentDays <= 0 {
		o.RecentDays = 1
	}
	if o.BaselineDays <= 0 {
		o.BaselineDays = 7
	}
	if o.MinCount <= 0 {
		o.MinCount = 3
	}
	return o
}

// Trend scores how much faster something (a cluster, a keyword) grew in the
// recent window than its own baseline predicts:
//
//	expected = baseline × RecentDays / BaselineDays
//	trend    = (recent − expected) / √(expected + 1)
//
// a Poisson-style z-score with one pseudo-count, so a newcomer with no
// baseline scores its recent count damped by nothing but √1, steady
// chatter scores near 0, and a fading topic scores below 0. Counts under
// MinCount score 0: three posts are not a trend.
func Trend(recent, baseline int, o TrendOptions) float64 {
	o = o.WithDefaults()
	if recent < o.MinCount {
		return 0
	}
	expected := float64(baseline) * float64(o.RecentDays) / float64(o.BaselineDays)
	return (float64(recent) - expected) / math.Sqrt(expected+1)
}
