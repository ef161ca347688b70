//go:build !race

package lexembed

const raceEnabled = false
