package scenarios

import (
	"maps"
	"slices"
	"strings"
)

// validateHeaderNames reports a header named twice in one template's
// headers, case aside (X-Tenant and x-tenant): HTTP names compare without
// case, so the request would carry both and the service would read
// either. The later one in the file is reported.
func validateHeaderNames(l *locator, path string, headers map[string]string) {
	byName := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(headers)) {
		byName[strings.ToLower(k)] = append(byName[strings.ToLower(k)], k)
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		same := byName[name]
		if len(same) < 2 {
			continue
		}
		slices.SortFunc(same, func(a, b string) int { return l.line(path+"."+a) - l.line(path+"."+b) })
		for _, k := range same[1:] {
			l.add(path+"."+k, "header %s is set twice (as %s too): names compare without case, keep one", k, same[0])
		}
	}
}

// line is the line of path in the file, 0 when it has no source.
func (l *locator) line(path string) int {
	if n, _ := l.find(path); n != nil && n.GetToken() != nil {
		return n.GetToken().Position.Line
	}
	return 0
}
