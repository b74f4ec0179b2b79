package sut

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RecordsFile is the record store's file under --data, in sync and async
// mode alike: an upgrade that switches modes (the seed's sync-to-async fix)
// finds the callers' records where the old version left them.
const RecordsFile = "records.db"

// bRecords maps caller \0 record id -> the schema version that stored it.
// A caller name never holds \0, so the first \0 splits the key.
var bRecords = []byte("records")

// Record is one stored record as GET /v1/callers/{caller}/records lists it.
type Record struct {
	ID string `json:"id"`
}

// recordStore keeps every caller's records once their upload is done: the
// data an upgrade must not lose. It is a bbolt file fsync'd on every commit
// (bbolt's default), so a record listed once survives kill -9; concurrent
// uploads share commits through db.Batch. Only the record ids are kept:
// the caller's data is the set of ids it uploaded.
type recordStore struct {
	db      *bolt.DB
	version int          // the running schema: the only one listed
	stored  atomic.Int64 // every record in the file, for /metrics
	visible atomic.Int64 // records of the running schema, for /metrics
}

// openRecordStore opens (or creates) dir/records.db for schema version,
// migrates older records first when asked, and logs what a caller can no
// longer see, so an upgrade that hides data says so at startup.
func openRecordStore(dir string, version int, migrateOld bool, log *slog.Logger) (*recordStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open record store: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, RecordsFile), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open record store %s: %w", dir, err)
	}
	rs := &recordStore{db: db, version: version}
	if err := rs.start(migrateOld, log); err != nil {
		db.Close()
		return nil, err
	}
	return rs, nil
}

// start creates the bucket, runs --migrate, and counts the records by
// visibility for the log and the gauges.
func (rs *recordStore) start(migrateOld bool, log *slog.Logger) error {
	if err := rs.db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bRecords)
		return err
	}); err != nil {
		return fmt.Errorf("open record store: %w", err)
	}
	if migrateOld {
		t0 := time.Now()
		m, err := migrate(rs.db, rs.version)
		if err != nil {
			return err
		}
		log.Info("migrated records", "records", m.migrated, "schema_version", rs.version,
			"newer_untouched", m.newer, "took", time.Since(t0).Round(time.Millisecond).String())
	}
	var stored, visible, older, newer int64
	err := rs.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bRecords).ForEach(func(_, v []byte) error {
			stored++
			switch got := decodeVersion(v); {
			case got == rs.version:
				visible++
			case got < rs.version:
				older++
			default:
				newer++
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("count records: %w", err)
	}
	rs.stored.Store(stored)
	rs.visible.Store(visible)
	log.Info("records", "schema_version", rs.version, "visible", visible, "older_invisible", older, "newer_invisible", newer)
	if older > 0 {
		log.Warn("records of an older schema are invisible to this version; start it with --migrate to keep them", "records", older)
	}
	return nil
}

func recordKey(caller, id string) []byte { return []byte(caller + "\x00" + id) }

// put stores ids for caller at the running schema version, overwriting the
// same ids of any version (a re-upload replaces the record). It returns
// once the commit is fsync'd.
func (rs *recordStore) put(caller string, ids []string) error {
	val := encodeVersion(rs.version)
	var added, shown int64
	err := rs.db.Batch(func(tx *bolt.Tx) error {
		// Batch may run this function more than once: count from zero.
		added, shown = 0, 0
		b := tx.Bucket(bRecords)
		for _, id := range ids {
			k := recordKey(caller, id)
			switch old := b.Get(k); {
			case old == nil:
				added, shown = added+1, shown+1
			case decodeVersion(old) != rs.version:
				shown++
			}
			if err := b.Put(k, val); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store records of %s: %w", caller, err)
	}
	rs.stored.Add(added)
	rs.visible.Add(shown)
	return nil
}

// list returns caller's records of the running schema, in id (byte) order.
// The ids are collected before the answer is written so no read
// transaction stays open while a slow client reads.
func (rs *recordStore) list(caller string) ([]Record, error) {
	out := []Record{}
	prefix := recordKey(caller, "")
	err := rs.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bRecords).Cursor()
		for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			if decodeVersion(v) == rs.version {
				out = append(out, Record{ID: string(k[len(prefix):])})
			}
		}
		return nil
	})
	return out, err
}

func (rs *recordStore) close() error { return rs.db.Close() }

// listRecords answers GET /v1/callers/{caller}/records: {"records":[{"id":…}]}
// with the caller's records of the running schema (200 and an empty list
// for a caller with none, or whose records an upgrade hid).
func (s *Service) listRecords(w http.ResponseWriter, r *http.Request) {
	caller := r.PathValue("caller")
	if !validName(caller) {
		writeError(w, http.StatusBadRequest, "invalid caller name: want 1-64 of [A-Za-z0-9._-]")
		return
	}
	recs, err := s.records.list(caller)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "list records: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, recordList{Records: recs})
}

// recordList is the body of GET /v1/callers/{caller}/records.
type recordList struct {
	Records []Record `json:"records"`
}

// errBadBody marks an async upload whose stored body yields no records:
// retrying cannot help, so the upload fails instead of being requeued.
var errBadBody = errors.New("stored body unreadable")

// keepRecords stores the records of a finished async upload, read back from
// its stored body (deleted only once the upload is done, so it is there).
func keepRecords(st *boltStore, rs *recordStore, id string) error {
	caller, body, err := st.payload(id)
	if err != nil {
		return err
	}
	if body == nil {
		return fmt.Errorf("upload %s: %w: missing", id, errBadBody)
	}
	ids, err := DecodeUploadIDs(body)
	if err != nil {
		return fmt.Errorf("upload %s: %w: %v", id, errBadBody, err)
	}
	return rs.put(caller, ids)
}
