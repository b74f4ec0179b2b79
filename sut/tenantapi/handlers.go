package tenantapi

import (
	"bufio"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// tenant is the request's authorized tenant; "" after answering 401,
// counted under what.
func (s *Service) tenant(w http.ResponseWriter, r *http.Request, what string) string {
	t := r.Header.Get(TenantHeader)
	if s.cfg.TokenUses > 0 {
		if b := s.bearer(r); b != "" && b == t {
			return t
		}
	} else if key, ok := s.cfg.Keys[t]; ok && subtle.ConstantTimeCompare([]byte(r.Header.Get(KeyHeader)), []byte(key)) == 1 {
		return t
	}
	s.mu.Lock()
	s.j.Unauthorized[what]++
	if what == "poll" {
		s.j.Polls++
	}
	s.mu.Unlock()
	http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
	return ""
}

// upload takes an NDJSON body of {"id": ...} records and starts an
// operation that stores them after OpDelay.
func (s *Service) upload(w http.ResponseWriter, r *http.Request) {
	t := s.tenant(w, r, "upload")
	if t == "" {
		return
	}
	var ids []string
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var rec struct {
			ID string `json:"id"`
		}
		if len(sc.Bytes()) == 0 {
			continue
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.ID == "" {
			s.mu.Lock()
			s.j.Rejected++
			s.mu.Unlock()
			http.Error(w, `{"error":"want one {\"id\":...} a line"}`, http.StatusBadRequest)
			return
		}
		ids = append(ids, rec.ID)
	}
	s.mu.Lock()
	s.j.Uploads++
	n := s.j.Uploads
	id := fmt.Sprintf("op-%06d", n)
	op := &operation{tenant: t, ids: ids}
	s.ops[id] = op
	s.mu.Unlock()
	time.AfterFunc(s.cfg.OpDelay, func() { s.end(id, op, n) })
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = fmt.Fprintf(w, `{"operation":%q}`, id)
}

// end ends operation n: failed, forgotten (stored, then unknown) or done.
func (s *Service) end(id string, op *operation, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.cfg.FailEvery; f > 0 && n%int64(f) == 0 {
		op.done, op.err = true, "invalid dataset"
		s.j.Failed++
		return
	}
	if s.records[op.tenant] == nil {
		s.records[op.tenant] = map[string]bool{}
	}
	for _, rid := range op.ids {
		s.records[op.tenant][rid] = true
	}
	if f := s.cfg.ForgetEvery; f > 0 && n%int64(f) == 0 {
		delete(s.ops, id)
		s.j.Forgotten++
		return
	}
	op.done = true
	s.j.Done++
}

// operation answers {"done":…,"error":…} for an operation of the tenant,
// 404 for one it does not know.
func (s *Service) operation(w http.ResponseWriter, r *http.Request) {
	t := s.tenant(w, r, "poll")
	if t == "" {
		return
	}
	s.mu.Lock()
	s.j.Polls++
	op, ok := s.ops[r.PathValue("id")]
	done, errText := false, ""
	if ok && op.tenant == t {
		done, errText = op.done, op.err
	} else {
		s.j.Polls404++
	}
	s.mu.Unlock()
	if !ok || op.tenant != t {
		http.Error(w, `{"error":"no such operation"}`, http.StatusNotFound)
		return
	}
	errJSON := "null"
	if errText != "" {
		errJSON = fmt.Sprintf(`{"message":%q}`, errText)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"done":%t,"error":%s}`, done, errJSON)
}

// read answers the tenant's stored records, {"records":[{"id":…}]}, and
// journals what it answered.
func (s *Service) read(w http.ResponseWriter, r *http.Request) {
	t := s.tenant(w, r, "read")
	if t == "" {
		return
	}
	type rec struct {
		ID string `json:"id"`
	}
	s.mu.Lock()
	var ids []string
	for id := range s.records[t] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	s.reads = append(s.reads, Read{Tenant: t, IDs: ids})
	s.mu.Unlock()
	out := struct {
		Records []rec `json:"records"`
	}{Records: make([]rec, len(ids))}
	for i, id := range ids {
		out.Records[i].ID = id
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
