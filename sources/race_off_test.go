//go:build !race

package sources

// raceEnabled is whether the test binary was built with -race, whose
// slowdown the heavy tests scale down for.
const raceEnabled = false
