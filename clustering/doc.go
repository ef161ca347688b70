// Package clustering owns timpani's similarity clustering: vector math on
// gonum, the nearest-neighbour index, cluster assignment and trend scores.
// It does no I/O and no logging; the workflow package feeds it vectors and
// stores what it decides.
//
// # The nearest-neighbour index
//
// Index finds the vectors most similar to a query by cosine similarity. It is
// an HNSW graph (hierarchical navigable small world: layers of links, a greedy
// descent through the sparse upper layers, then a beam search of EfSearch
// candidates on layer 0) with these choices, made to hold a million
// 768-dimensional vectors in about 1.1 KB each:
//
//   - Each vector is stored as an int8 code: scaled so that its largest
//     |component| is 127, rounded. Scores are the cosines of codes, computed
//     exactly with integer arithmetic, so a vector scores exactly 1 with any
//     copy of itself. Other scores differ from the float64 cosine of the
//     original vectors by about 0.001 and by at most 0.005 in the tests
//     (real posts and random vectors).
//   - The graph is built and searched with sketches: the sign bits of the
//     code after a fixed pseudo-random rotation (1024 bits up to 1024
//     dimensions), compared by Hamming distance, which estimates the angle
//     between the vectors with a standard error of about 0.035 in cosine.
//     The candidates a search ends with are then scored exactly from their
//     codes.
//   - Identical codes share one graph node (the others are its aliases,
//     found through a hash table of codes), so copies of a post are always
//     found together.
//   - Codes, sketches and links live in large chunked arrays without
//     pointers; removed vectors stay in the graph as waypoints until they
//     outnumber half the live ones, when the graph is rebuilt.
//   - New vectors wait in a tail that searches scan exactly (sketch first,
//     then the code) and are linked into the graph LinkEvery at a time: their
//     candidate neighbours are searched in the graph as it stood, in
//     parallel, plus each other. The graph then changes only at those links
//     and at removals, so a caller that must decide serially (the cluster
//     step) can make the graph half of its searches ahead, in parallel
//     (Lookahead), and get exactly what Search would give at the time.
//   - Every decision uses integer arithmetic and breaks ties by insertion
//     order, so the same sequence of calls gives the same graph and results.
//
// Measured on this project's 2-core VM with the lexembed vectors of the
// shared datasets (56,224 posts indexed, 586 held out as queries; see
// TestIndexRecallRealPosts), recall@10 against an exact float64 search is
// 0.79 with EfSearch 64, 0.85 with 100, 0.91 with 200 and 0.96 with the
// default 500; of the true neighbours scoring 0.7 or more, 0.96, 0.96, 0.98
// and 0.995 are found. A search takes about 0.2, 0.3, 0.8 and 1.5 ms; an Add
// about 0.15 ms at 10k vectors and 0.3 ms at 100k, linking in parallel
// (BENCHMARKS.md). Lexical embeddings are a hard case for a graph index: a
// post's tenth nearest neighbour is barely more similar than its hundredth,
// so a search must compare the query with thousands of vectors to find it.
// Searches with a high minScore save most of the exact scoring: candidates
// whose sketch is too far to reach it (by 8 standard errors) are skipped.
package clustering
