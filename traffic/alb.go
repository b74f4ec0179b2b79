package traffic

import "errors"

// albParser reads AWS Application Load Balancer access logs: one request
// per line, fields separated by spaces, some in double quotes:
//
//	type time elb client:port target:port request_processing_time
//	target_processing_time response_processing_time elb_status_code
//	target_status_code received_bytes sent_bytes "request" "user_agent"
//	ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name"
//	"chosen_cert_arn" matched_rule_priority request_creation_time ...
//
// The arrival is request_creation_time when logged (time is when the
// response was sent); the size is received_bytes (request line, headers
// and body); the status is the load balancer's (504 when the target timed
// out, "-" when the client left first).
type albParser struct {
	fields [24][]byte
	ua     bool // the caller rule reads the User-Agent
}

// The ALB fields the parser reads, by position.
const (
	albTime         = 1
	albClient       = 3
	albReqTime      = 5
	albTargetTime   = 6
	albRespTime     = 7
	albStatus       = 8
	albReceived     = 10
	albRequest      = 12
	albUserAgent    = 13
	albCreationTime = 21
)

var (
	errALBFields  = errors.New("want at least the 13 ALB fields up to the quoted request")
	errALBTime    = errors.New("want the time as 2018-07-02T22:23:00.186641Z")
	errALBRequest = errors.New(`want the request as "METHOD https://host:443/path HTTP/1.1"`)
	errALBBytes   = errors.New("want received_bytes as a number")
)

func (p *albParser) parse(line []byte, r *record) error {
	*r = record{}
	n := p.split(line)
	if n <= albRequest {
		return errALBFields
	}
	f := p.fields[:n]
	t, ok := parseISO(f[albTime])
	if !ok {
		return errALBTime
	}
	r.logged = t
	if n > albCreationTime {
		if c, ok := parseISO(f[albCreationTime]); ok {
			t = c
		} else {
			t -= albDuration(f)
		}
	} else {
		t -= albDuration(f)
	}
	r.t = t
	if r.method, r.target, ok = splitRequest(f[albRequest]); !ok {
		return errALBRequest
	}
	if r.status, ok = parseStatus(f[albStatus]); !ok {
		return errStatus
	}
	b, ok := parseInt(f[albReceived])
	if !ok {
		return errALBBytes
	}
	r.bytes, r.bytesKey = b, "received_bytes"
	r.addr = hostOnly(f[albClient])
	if p.ua && n > albUserAgent {
		r.ident = dash(f[albUserAgent])
	}
	return nil
}

// albDuration is the time the load balancer and target took, from the
// three processing times (-1 when not reached, counted as 0).
func albDuration(f [][]byte) int64 {
	var d int64
	for _, i := range []int{albReqTime, albTargetTime, albRespTime} {
		if s, ok := parseSeconds(f[i]); ok {
			d += s
		}
	}
	return d
}

// split cuts line into fields, a quoted field without its quotes (a
// backslash escapes a quote inside), and returns how many it filled.
func (p *albParser) split(line []byte) int {
	n, i := 0, 0
	for i < len(line) && n < len(p.fields) {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i >= len(line) {
			break
		}
		start := i
		if line[i] == '"' {
			i++
			for i < len(line) && line[i] != '"' {
				if line[i] == '\\' {
					i++
				}
				i++
			}
			p.fields[n] = line[start+1 : min(i, len(line))]
			i++
		} else {
			for i < len(line) && line[i] != ' ' {
				i++
			}
			p.fields[n] = line[start:i]
		}
		n++
	}
	return n
}

// hostOnly strips the port from ip:port ([v6]:port, or a bare v6 address
// whose last colon group is the port, as ALB writes it).
func hostOnly(b []byte) []byte {
	if len(b) > 0 && b[0] == '[' {
		if e := indexByte(b, ']'); e > 0 {
			return b[1:e]
		}
	}
	if i := lastIndexByte(b, ':'); i > 0 {
		return b[:i]
	}
	return b
}
