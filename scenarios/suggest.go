package scenarios

import "strings"

// suggest returns the known word closest to word when it is one or two
// edits away (and fewer edits than word has letters, so "x" suggests
// nothing), or "" when none is: a typo gets its fix, a word from another
// tool gets the list instead.
func suggest(word string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		d := levenshtein(strings.ToLower(word), strings.ToLower(k))
		if d < bestD && d < len([]rune(word)) {
			best, bestD = k, d
		}
	}
	return best
}

// levenshtein is the number of single-letter insertions, deletions and
// substitutions that turn a into b.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
