// Package clustering owns timpani's similarity clustering: vector math on
// gonum, the nearest-neighbour index, cluster assignment and trend scores.
// It does no I/O and no logging; the workflow package feeds it vectors and
// stores what it decides.
package clustering
