package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzAnswer holds the wire's answer parser (answer.go) equal to
// net/http's http.ReadResponse, as the Transport uses it (up to 5
// informational answers skipped), on what a load tool's verdict rests on:
// whether the answer is readable at all, its status, the body's bytes
// (its framing), and whether the connection may carry another request.
// The seeds in testdata/fuzz/FuzzAnswer are answers captured from real
// servers (nginx, CPython's http.server, Go's net/http, tusd) and the
// malformed ones of the wire's tests. CI runs it for a bounded time
// (make fuzz).
func FuzzAnswer(f *testing.F) {
	captured, err := filepath.Glob("testdata/answers/*.http")
	if err != nil || len(captured) == 0 {
		f.Fatalf("no captured answers in testdata/answers: %v", err)
	}
	for _, name := range captured {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, strings.Contains(name, "-head"))
	}
	for _, s := range malformedAnswers {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, head bool) {
		want, wantErr := referenceAnswer(data, head)
		got, gotErr := wireAnswer(data, head)
		if errors.Is(gotErr, errHeadTooLong) {
			return // beyond the wire's bound on heads; net/http's is 1 MB
		}
		if (wantErr != nil) != (gotErr != nil) {
			t.Fatalf("%q (head %v):\nnet/http: %+v, %v\nwire:     %+v, %v", data, head, want, wantErr, got, gotErr)
		}
		if wantErr == nil && (want.code != got.code || want.keep != got.keep || !bytes.Equal(want.body, got.body)) {
			t.Fatalf("%q (head %v):\nnet/http: %+v\nwire:     %+v", data, head, want, got)
		}
	})
}

// malformedAnswers are answers net/http refuses or frames oddly, each a
// case the wire must read as net/http does.
var malformedAnswers = []string{
	"garbage\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nx\r\n0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
	"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
	"HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
	"HTTP/1.1 200 OK\r\nX-Folded: a\r\n  b\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 200 OK\r\n Leading: space\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nTrailer: x\r\n\r\n",
	"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
}

// parsed is what both parsers are compared on.
type parsed struct {
	code int
	keep bool
	body []byte
}

// referenceAnswer reads data as net/http's Transport does.
func referenceAnswer(data []byte, head bool) (parsed, error) {
	br := bufio.NewReaderSize(bytes.NewReader(data), 4<<10)
	method := http.MethodPost
	if head {
		method = http.MethodHead
	}
	for informational := 0; ; informational++ {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return parsed{}, err
		}
		if resp.StatusCode >= 100 && resp.StatusCode <= 199 && resp.StatusCode != 101 {
			if informational+1 > maxInformational {
				return parsed{}, errors.New("too many 1xx")
			}
			continue
		}
		body, err := io.ReadAll(resp.Body)
		return parsed{code: resp.StatusCode, keep: !resp.Close && resp.StatusCode != 101, body: body}, err
	}
}

// wireAnswer reads data with the wire's parser.
func wireAnswer(data []byte, head bool) (parsed, error) {
	br := bufio.NewReaderSize(bytes.NewReader(data), 4<<10)
	x := Exchange{AnswerCap: len(data) + 1, Head: head}
	keep, err := readAnswer(br, &x)
	body := x.Answer
	if body == nil {
		body = []byte{}
	}
	return parsed{code: x.Code, keep: keep, body: body}, err
}
