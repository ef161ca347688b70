package store

import (
	"math"
	"testing"
)

// Any blob either decodes to dim components or is refused with an error;
// whatever packVector writes decodes to the same bits.
func FuzzDecodeVector(f *testing.F) {
	f.Add([]byte{0x01, 0, 0, 0x80, 0x3f}, 8)
	f.Add(make([]byte, 12), 3)
	f.Add([]byte{0xff}, 3)
	f.Add([]byte{0x04, 0, 0}, 3)
	f.Fuzz(func(t *testing.T, b []byte, dim int) {
		if dim < 0 || dim > 4096 {
			return
		}
		v, err := decodeVector(b, dim)
		if err != nil {
			return
		}
		if len(v) != dim {
			t.Fatalf("%d components from %d bytes; want %d", len(v), len(b), dim)
		}
		again, err := decodeVector(packVector(v), dim)
		if err != nil {
			t.Fatalf("packed again: %v", err)
		}
		for i := range v {
			if math.Float32bits(v[i]) != math.Float32bits(again[i]) {
				t.Fatalf("component %d: %v then %v", i, v[i], again[i])
			}
		}
	})
}
