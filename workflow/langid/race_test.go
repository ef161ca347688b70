//go:build race

package langid

// raceEnabled is true when the tests run under the race detector.
const raceEnabled = true
