//go:build race

package lexembed

const raceEnabled = true
