package wire

import "net/url"

// PortOf is u's port, or its scheme's default (80 for http, 443 for
// https); "" for another scheme without one. The one place that knows
// the defaults: the wire dials it, CheckTarget checks it, the harness
// counts the sockets to it.
func PortOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return map[string]string{"http": "80", "https": "443"}[u.Scheme]
}
