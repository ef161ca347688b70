package yake

import (
	"math"
	"testing"
)

// Values of Python's math.log (glibc) where Go's math.Log is one ulp off.
func TestLogCR(t *testing.T) {
	tests := []struct{ x, want float64 }{
		{3, 1.0986122886681098},
		{1.252762968495368, 0.22535148682596154},
		{1.6094379124341003, 0.47588499532711054},
		{1.791759469228055, 0.5831980807826592},
		{2.6741486494265287, 0.9836310677952794},
		{2.70805020110221, 0.9962288929513948},
		{2.772588722239781, 1.0197814405382262},
		{3.481240089335692, 1.2473885778199445},
		{4.324132656254979, 1.4642115783662624},
		{5e-324, -744.4400719213812},
		{1, 0},
		{2, math.Ln2},
		{math.E, 1},
	}
	for _, tt := range tests {
		if got := logCR(tt.x); got != tt.want {
			t.Errorf("logCR(%v) = %v; want %v", tt.x, got, tt.want)
		}
	}
	if !math.IsInf(logCR(0), -1) || !math.IsNaN(logCR(-1)) {
		t.Errorf("logCR(0), logCR(-1) = %v, %v; want -Inf, NaN", logCR(0), logCR(-1))
	}
}
