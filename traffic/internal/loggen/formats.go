package loggen

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// lineFormats render one upload as a log line, newline included.
var lineFormats = map[string]func([]byte, Upload) []byte{
	"nginx":       func(b []byte, u Upload) []byte { return nginx(b, u, true) },
	"nginx-plain": func(b []byte, u Upload) []byte { return nginx(b, u, false) },
	"nginx-json":  nginxJSON,
	"alb":         alb,
	"jsonl":       jsonl,
}

// status is how a log writes a status: nginx writes 499 when the client
// left first, the ALB "-".
func status(u Upload, none string) string {
	if u.Status == 0 {
		return none
	}
	return strconv.Itoa(u.Status)
}

func nginx(b []byte, u Upload, sized bool) []byte {
	b = fmt.Appendf(b, `%s - - [%s] "%s %s HTTP/1.1" %s 57 "-" "%s"`, u.Addr,
		u.End().Format("02/Jan/2006:15:04:05 -0700"), u.Method, u.Path, status(u, "499"), u.Agent)
	if sized {
		b = fmt.Appendf(b, " %d %.3f", u.Bytes, u.Took.Seconds())
	}
	return append(b, '\n')
}

func nginxJSON(b []byte, u Upload) []byte {
	m := map[string]any{
		"msec": fmt.Sprintf("%.3f", float64(u.End().UnixMilli())/1000), "remote_addr": u.Addr,
		"request": u.Method + " " + u.Path + " HTTP/1.1", "status": status(u, "499"),
		"request_length": strconv.FormatInt(u.Bytes, 10), "request_time": fmt.Sprintf("%.3f", u.Took.Seconds()),
		"http_user_agent": u.Agent, "http_x_tenant": u.Tenant, "body_bytes_sent": "57",
	}
	if u.Health {
		m["http_x_tenant"] = ""
	}
	j, _ := json.Marshal(m)
	return append(append(b, j...), '\n')
}

func alb(b []byte, u Upload) []byte {
	target := "0.012"
	if u.Status == 0 {
		target = "-1"
	}
	b = fmt.Appendf(b, `https %s app/my-lb/50dc6c495c0c9188 %s:%d 10.0.0.1:80 0.000 %s 0.000 %s %s %d 366 "%s https://api.example.com:443%s HTTP/1.1" "%s" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "api.example.com" "-" 0 %s "forward" "-" "-" "10.0.0.1:80" "%s" "-" "-" TID_1234`,
		u.End().UTC().Format("2006-01-02T15:04:05.000000Z"), u.Addr, 40000+u.Sequence%20000, target,
		status(u, "-"), status(u, "-"), u.Bytes, u.Method, u.Path, u.Agent,
		u.At.UTC().Format("2006-01-02T15:04:05.000000Z"), status(u, "-"))
	return append(b, '\n')
}

func jsonl(b []byte, u Upload) []byte {
	m := map[string]any{
		"ts": u.At.UTC().Format(time.RFC3339Nano), "level": "info",
		"http":          map[string]any{"method": u.Method, "path": u.Path, "status_code": u.Status},
		"request_bytes": u.Bytes, "client_ip": u.Addr, "tenant": map[string]any{"id": u.Tenant},
	}
	j, _ := json.Marshal(m)
	return append(append(b, j...), '\n')
}
