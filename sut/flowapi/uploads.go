package flowapi

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// create starts an upload and answers its id.
func (s *Service) create(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.creators++
	id := fmt.Sprintf("u%d", s.creators)
	s.uploads[id] = &upload{parts: map[int]int64{}}
	s.j.Created++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"uploadId":%q}`, id)
}

// part stores part n of an upload: all of its body, or 400.
func (s *Service) part(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.PathValue("n"))
	if s.cfg.PartDelay > 0 {
		time.Sleep(s.cfg.PartDelay)
	}
	got, err := io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uploads[r.PathValue("id")]
	if err != nil || u == nil || n < 1 || got != r.ContentLength {
		s.j.Unknown++
		http.Error(w, `{"error":"no such upload, or a part cut short"}`, http.StatusBadRequest)
		return
	}
	u.parts[n] = got
	s.j.Parts++
	s.j.PartBytes += got
	w.Header().Set("ETag", fmt.Sprintf(`"%d-%d"`, n, got))
}

// complete stores an upload whose parts 1..n are all there.
func (s *Service) complete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uploads[r.PathValue("id")]
	if u == nil || len(u.parts) == 0 {
		s.j.Unknown++
		http.Error(w, `{"error":"no such upload"}`, http.StatusNotFound)
		return
	}
	var total int64
	for i := 1; i <= len(u.parts); i++ {
		n, ok := u.parts[i]
		if !ok {
			s.j.Incomplete++
			http.Error(w, `{"error":"a part is missing"}`, http.StatusBadRequest)
			return
		}
		total += n
	}
	s.j.Completed++
	s.j.StoredBytes += total
	delete(s.uploads, r.PathValue("id"))
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"uploadId":%q,"bytes":%d}`, r.PathValue("id"), total)
}
