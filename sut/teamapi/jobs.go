package teamapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// store keeps an accepted upload as a queued job, finished JobDelay later.
func (s *Service) store(tenant string, ids []string) string {
	s.mu.Lock()
	s.truth.Accepted++
	s.truth.Rows += int64(len(ids))
	s.truth.PerTenant[tenant]++
	if s.truth.AfterLoss != nil {
		s.truth.AfterLoss[tenant]++
	}
	id := fmt.Sprintf("j-%06d", s.truth.Accepted)
	j := &job{tenant: tenant, ids: ids, state: StateQueued}
	s.jobs[id] = j
	s.mu.Unlock()
	time.AfterFunc(s.cfg.JobDelay, func() { s.finish(j) })
	return id
}

// finish moves a job to finished and its records into its tenant's data.
func (s *Service) finish(j *job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j.state = StateFinished
	s.truth.Finished++
	s.tenants[j.tenant] = append(s.tenants[j.tenant], j.ids...)
}

// jobState answers {"data":{"state":…}} for a job, 404 for an unknown one.
func (s *Service) jobState(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	j, ok := s.jobs[r.PathValue("id")]
	state := ""
	if ok {
		state = j.state
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, `{"error":"no such job"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"data":{"id":%q,"state":%q}}`, r.PathValue("id"), state)
}

// records answers a tenant's finished records: {"records":[{"id":…}]}.
func (s *Service) records(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ids := append([]string(nil), s.tenants[r.PathValue("tenant")]...)
	s.mu.Unlock()
	type rec struct {
		ID string `json:"id"`
	}
	out := struct {
		Records []rec `json:"records"`
	}{Records: make([]rec, len(ids))}
	for i, id := range ids {
		out.Records[i].ID = id
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// truthHandler serves what the service saw.
func (s *Service) truthHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Truth())
}

// count changes the truth under the lock.
func (s *Service) count(f func(*Truth)) {
	s.mu.Lock()
	f(&s.truth)
	s.mu.Unlock()
}
