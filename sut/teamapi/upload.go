package teamapi

import (
	"bufio"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// upload takes one multipart upload: the token, the rate, the form (a
// tenant field equal to ?tenant= and a CSV file part), then stores a job.
// A body that does not parse is answered 400 and stores nothing.
func (s *Service) upload(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	s.mu.Lock()
	s.truth.Requests++
	s.mu.Unlock()
	if !s.authorized(r) {
		s.count(func(t *Truth) { t.Unauthorized++ })
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	if wait, ok := s.admit(tenant); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		http.Error(w, `{"error":"rate limited"}`, http.StatusTooManyRequests)
		return
	}
	ids, err := readForm(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody), r.Header.Get("Content-Type"), tenant)
	if err != nil {
		s.count(func(t *Truth) { t.Rejected++ })
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	id := s.store(tenant, ids)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = fmt.Fprintf(w, `{"job":{"id":%q,"state":%q}}`, id, StateQueued)
}

// authorized checks the bearer token in constant time.
func (s *Service) authorized(r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) == 1
}

// admit takes a token from the bucket, or says how many whole seconds to
// wait for one (at least 1). A tenant that comes back before the wait it
// was told is counted as an early retry: the truth a Retry-After test
// checks.
func (s *Service) admit(tenant string) (wait int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if till, told := s.notTill[tenant]; told && now.Before(till) {
		s.truth.EarlyRetries++
		s.truth.EarlyTenants[tenant]++
	}
	if s.cfg.RateLimit <= 0 {
		return 0, true
	}
	if !s.filled.IsZero() {
		s.bucket = math.Min(math.Max(1, s.cfg.RateLimit), s.bucket+now.Sub(s.filled).Seconds()*s.cfg.RateLimit)
	}
	s.filled = now
	if s.bucket >= 1 {
		s.bucket--
		delete(s.notTill, tenant)
		return 0, true
	}
	s.truth.RateLimited++
	wait = max(1, int(math.Ceil((1-s.bucket)/s.cfg.RateLimit)))
	s.notTill[tenant] = now.Add(time.Duration(wait) * time.Second)
	return wait, false
}

// readForm reads the multipart form: a "tenant" field that must equal
// tenant, and a "file" part holding CSVHeader then "id,value" rows. It
// returns the row ids.
func readForm(body io.Reader, contentType, tenant string) ([]string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errors.New("want multipart/form-data with a boundary")
	}
	mr := multipart.NewReader(body, params["boundary"])
	var ids []string
	var field string
	sawFile := false
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("multipart: %w", err)
		}
		switch p.FormName() {
		case "tenant":
			b, err := io.ReadAll(io.LimitReader(p, 256))
			if err != nil {
				return nil, err
			}
			field = string(b)
		case "file":
			if ids, err = readCSV(p); err != nil {
				return nil, err
			}
			sawFile = true
		default:
			return nil, fmt.Errorf("unexpected form field %q", p.FormName())
		}
	}
	switch {
	case !sawFile:
		return nil, errors.New("no file part")
	case tenant == "" || field != tenant:
		return nil, fmt.Errorf("tenant field %q does not match ?tenant=%q", field, tenant)
	}
	return ids, nil
}

// readCSV reads the file part: the header, then at least one row of two
// non-empty columns.
func readCSV(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	if !sc.Scan() || sc.Text() != CSVHeader {
		return nil, fmt.Errorf("file: want the header %q", CSVHeader)
	}
	var ids []string
	for sc.Scan() {
		id, value, ok := strings.Cut(sc.Text(), ",")
		if !ok || id == "" || value == "" || strings.Contains(value, ",") {
			return nil, fmt.Errorf("file: row %d: want id,value", len(ids)+2)
		}
		ids = append(ids, id)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	if len(ids) == 0 {
		return nil, errors.New("file: no rows")
	}
	return ids, nil
}
