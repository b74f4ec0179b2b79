package teamapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
)

// LosePath is the test hook of an upgrade that loses data: POST
// /debug/lose?every=N drops every stored record of every N-th tenant (in
// name order) that has records, as the seed's upgrade invalidated stored
// data. The service then knows exactly whose data it lost (Truth.Lost*)
// and counts who uploads again (Truth.AfterLoss).
const LosePath = "/debug/lose"

// lose drops the records of every N-th tenant and answers who lost what.
func (s *Service) lose(w http.ResponseWriter, r *http.Request) {
	every, err := strconv.Atoi(r.URL.Query().Get("every"))
	if err != nil || every < 1 {
		http.Error(w, `{"error":"want ?every=N with N >= 1"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	names := make([]string, 0, len(s.tenants))
	for t, ids := range s.tenants {
		if len(ids) > 0 {
			names = append(names, t)
		}
	}
	slices.Sort(names)
	s.truth.LostTenants = nil
	s.truth.LostRecords = 0
	s.truth.AfterLoss = map[string]int64{}
	for i, t := range names {
		if i%every == 0 {
			s.truth.LostTenants = append(s.truth.LostTenants, t)
			s.truth.LostRecords += int64(len(s.tenants[t]))
			delete(s.tenants, t)
		}
	}
	out := struct {
		Tenants []string `json:"tenants"`
		Records int64    `json:"records"`
	}{s.truth.LostTenants, s.truth.LostRecords}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
