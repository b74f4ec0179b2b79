package tenantapi

import (
	"maps"
	"slices"
)

// Journal is what the service did and answered, exactly.
type Journal struct {
	Uploads   int64 // PUTs authorized and accepted (202): operations created
	Rejected  int64 // PUTs whose body did not parse (400)
	Done      int64 // operations done without an error, and still known
	Failed    int64 // operations done with an error (nothing stored)
	Forgotten int64 // operations forgotten when they ended (records stored, status 404)
	Polls     int64 // GETs of an operation, whatever the answer
	Polls404  int64 // of which answered 404
	Logins    int64 // tokens issued (Config.TokenUses)
	Refreshes int64 // of which to a tenant that had one already
	// Unauthorized counts 401 answers by what was asked: "upload",
	// "poll", "read", "login".
	Unauthorized map[string]int64
	// LostTenants and LostRecords are what Lose dropped, over all calls.
	LostTenants []string
	LostRecords int64
}

// Read is one answered read of a tenant's records: the ids it listed.
type Read struct {
	Tenant string
	IDs    []string
}

// Journal returns a copy of the journal.
func (s *Service) Journal() Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.j
	j.Unauthorized = maps.Clone(s.j.Unauthorized)
	j.LostTenants = slices.Clone(s.j.LostTenants)
	return j
}

// Reads returns every answered read of records, in the order answered.
func (s *Service) Reads() []Read {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reads)
}

// Lose drops every stored record of every every-th tenant (in name order)
// that has records, as a restart that loses a disk would, and returns the
// tenants it dropped.
func (s *Service) Lose(every int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := slices.Sorted(maps.Keys(s.records))
	var lost []string
	for i, t := range names {
		if i%every == 0 && len(s.records[t]) > 0 {
			lost = append(lost, t)
			s.j.LostRecords += int64(len(s.records[t]))
			delete(s.records, t)
		}
	}
	s.j.LostTenants = append(s.j.LostTenants, lost...)
	return lost
}
