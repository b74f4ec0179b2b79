package sut

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Upload is an upload's public state, as GET /v1/uploads/{id} returns it.
type Upload struct {
	ID          string     `json:"upload_id"`
	Caller      string     `json:"caller"`
	Records     int        `json:"records"`
	Status      string     `json:"status"` // queued | processing | done | failed
	AcceptedAt  time.Time  `json:"accepted_at"`
	CompletedAt *time.Time `json:"completed_at"`
	// Processed counts how often the upload was marked done; a correct
	// service keeps it at 1 across crashes and restarts.
	Processed int `json:"processed"`
}

// Upload states.
const (
	StatusQueued     = "queued"
	StatusProcessing = "processing"
	StatusDone       = "done"
	StatusFailed     = "failed"
)

func (s *Service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, r *http.Request) {
		h := map[string]any{"status": "ok", "node": s.cfg.Node, "mode": s.cfg.Mode}
		if s.records != nil {
			h["schema_version"] = s.cfg.SchemaVersion
		}
		writeJSON(w, http.StatusOK, h)
	})
	mux.HandleFunc("GET "+ReadyPath, func(w http.ResponseWriter, r *http.Request) {
		if s.shuttingDown() {
			writeError(w, http.StatusServiceUnavailable, "shutting down")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET "+MetricsPath, s.metrics.handler(s.queueDepth))
	switch {
	case s.proxy != nil:
		mux.Handle("/", s.proxy) // the team's API, whatever its paths
	case s.lb != nil:
		mux.Handle("/v1/", s.lb)
	default:
		// One path, two methods: GET lists, POST uploads, the rest get 405.
		mux.HandleFunc("GET "+RecordsPath, s.listRecords)
		mux.HandleFunc(RecordsPath, s.upload)
		mux.HandleFunc("GET /v1/uploads/{id}", s.getUpload)
		mux.HandleFunc("GET /v1/callers/{caller}/uploads", s.listUploads)
	}
	return s.metrics.instrument(mux)
}

func (s *Service) queueDepth() float64 {
	if st, ok := s.store.(*boltStore); ok {
		return float64(st.depth())
	}
	return 0
}

// upload takes one caller's records: admit (method, caller, content type,
// shutdown, rate limit, load shedding), read and validate the whole body,
// then store and process it (sync) or store and queue it (async). Every
// refusal answers a JSON error and stores nothing.
func (s *Service) upload(w http.ResponseWriter, r *http.Request) {
	caller, ok := s.admit(w, r)
	if !ok {
		return
	}
	if s.slots != nil {
		select {
		case s.slots <- struct{}{}:
			defer func() { <-s.slots }()
		default:
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "overloaded: shedding load")
			return
		}
	}
	body, ids, ok := s.readUpload(w, r)
	if !ok {
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 200 {
		writeError(w, http.StatusBadRequest, "Idempotency-Key longer than 200 bytes")
		return
	}
	if s.cfg.Mode == ModeSync {
		s.uploadSync(w, r, caller, key, ids)
		return
	}
	up, _, err := s.store.accept(caller, key, len(ids), body, s.cfg.Node)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "store upload: "+err.Error())
		return
	}
	s.queue.notify()
	w.Header().Set("Location", "/v1/uploads/"+up.ID)
	writeJSON(w, http.StatusAccepted, map[string]string{"upload_id": up.ID, "status": up.Status})
}

// admit checks what can be refused before the body is read.
func (s *Service) admit(w http.ResponseWriter, r *http.Request) (string, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, http.StatusMethodNotAllowed, "use POST to upload records, GET to list them")
		return "", false
	}
	caller := r.PathValue("caller")
	if !validName(caller) {
		writeError(w, http.StatusBadRequest, "invalid caller name: want 1-64 of [A-Za-z0-9._-]")
		return "", false
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return "", false
	}
	if s.shuttingDown() {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "shutting down")
		return "", false
	}
	if s.limiter != nil {
		if wait, ok := s.limiter.take(); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeError(w, http.StatusTooManyRequests, "rate limited: retry later")
			return "", false
		}
	}
	return caller, true
}

// readUpload reads the whole body (413 above MaxBody, after reading it so
// the client sees the answer) and validates it, returning its record ids.
func (s *Service) readUpload(w http.ResponseWriter, r *http.Request) ([]byte, []string, bool) {
	orig := r.Body
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			drain(w, orig)
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body exceeds %d bytes", s.cfg.MaxBody))
			return nil, nil, false
		}
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return nil, nil, false
	}
	ids, err := DecodeUploadIDs(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, nil, false
	}
	return body, ids, true
}

// uploadSync stores the upload, processes it inside the request, stores
// its records durably and answers 200 when it is done (a retry with the
// same key answers at once). If the records cannot be stored the upload
// fails with 500: a 200 promises the caller its data is kept.
func (s *Service) uploadSync(w http.ResponseWriter, r *http.Request, caller, key string, ids []string) {
	up, existed, err := s.store.accept(caller, key, len(ids), nil, s.cfg.Node)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if !existed {
		// Like the seed's servers, keep working after the caller gave up.
		process(context.WithoutCancel(r.Context()), len(ids), s.cfg)
		if err := s.records.put(caller, ids); err != nil {
			_, _ = s.store.finish(up.ID, StatusFailed)
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		up, err = s.store.finish(up.ID, StatusDone)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		s.metrics.processed.Inc()
	}
	writeJSON(w, http.StatusOK, up)
}

func (s *Service) getUpload(w http.ResponseWriter, r *http.Request) {
	up, ok, err := s.store.get(r.PathValue("id"))
	switch {
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	case !ok:
		writeError(w, http.StatusNotFound, "no such upload")
	default:
		writeJSON(w, http.StatusOK, up)
	}
}

func (s *Service) listUploads(w http.ResponseWriter, r *http.Request) {
	ups, err := s.store.list(r.PathValue("caller"))
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if ups == nil {
		ups = []Upload{}
	}
	writeJSON(w, http.StatusOK, map[string][]Upload{"uploads": ups})
}

// DecodeUpload checks an upload body {"records":[{"id":..., "payload":{...}}, ...]}
// and returns its number of records. It rejects malformed JSON, unknown
// fields, an empty record list, records without an id or with a payload that
// is not an object, and duplicate ids.
func DecodeUpload(body []byte) (int, error) {
	ids, err := DecodeUploadIDs(body)
	return len(ids), err
}

// DecodeUploadIDs checks an upload body as DecodeUpload does and returns its
// record ids in body order: the records the service keeps for the caller.
func DecodeUploadIDs(body []byte) ([]string, error) {
	var up struct {
		Records []struct {
			ID      string          `json:"id"`
			Payload json.RawMessage `json:"payload"`
		} `json:"records"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&up); err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("malformed JSON: trailing data after the upload object")
	}
	if len(up.Records) == 0 {
		return nil, errors.New("records: must hold at least one record")
	}
	seen := make(map[string]struct{}, len(up.Records))
	ids := make([]string, 0, len(up.Records))
	for i, rec := range up.Records {
		if rec.ID == "" || len(rec.ID) > 128 {
			return nil, fmt.Errorf("records[%d].id: must be 1-128 characters", i)
		}
		if p := bytes.TrimSpace(rec.Payload); len(p) == 0 || p[0] != '{' {
			return nil, fmt.Errorf("records[%d].payload: must be a JSON object", i)
		}
		if _, dup := seen[rec.ID]; dup {
			return nil, fmt.Errorf("records[%d].id: duplicate id %q", i, rec.ID)
		}
		seen[rec.ID] = struct{}{}
		ids = append(ids, rec.ID)
	}
	return ids, nil
}

// drain reads what is left of an oversized body (at most 1 GiB, for at
// most 10 s) before the 413 is written: a client that sends its whole body
// before reading the answer would otherwise get a connection reset instead
// of the 413.
func drain(w http.ResponseWriter, body io.Reader) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.CopyN(io.Discard, body, 1<<30)
	w.Header().Set("Connection", "close")
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && !strings.ContainsRune("._-", c) {
			return false
		}
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
