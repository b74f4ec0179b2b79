package sut

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// store keeps uploads. accept stores a new upload (or returns the one an
// Idempotency-Key already named, existed=true); finish marks it done/failed.
type store interface {
	accept(caller, key string, records int, body []byte, node string) (up Upload, existed bool, err error)
	finish(id, status string) (Upload, error)
	get(id string) (Upload, bool, error)
	list(caller string) ([]Upload, error)
	close() error
}

func newID(node string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return node + "-" + hex.EncodeToString(b[:])
}

// memStore is the synchronous service's store: the upload is processed in
// the request, so nothing needs to survive a crash.
type memStore struct {
	mu      sync.Mutex
	uploads map[string]*Upload
	callers map[string][]string
	keys    map[string]string
}

func newMemStore() *memStore {
	return &memStore{uploads: map[string]*Upload{}, callers: map[string][]string{}, keys: map[string]string{}}
}

func (m *memStore) accept(caller, key string, n int, _ []byte, node string) (Upload, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if key != "" {
		if id, ok := m.keys[caller+"\x00"+key]; ok {
			return *m.uploads[id], true, nil
		}
	}
	up := &Upload{ID: newID(node), Caller: caller, Records: n, Status: StatusProcessing, AcceptedAt: time.Now().UTC()}
	m.uploads[up.ID] = up
	m.callers[caller] = append(m.callers[caller], up.ID)
	if key != "" {
		m.keys[caller+"\x00"+key] = up.ID
	}
	return *up, false, nil
}

func (m *memStore) finish(id, status string) (Upload, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	up, ok := m.uploads[id]
	if !ok {
		return Upload{}, fmt.Errorf("finish %s: no such upload", id)
	}
	now := time.Now().UTC()
	up.Status, up.CompletedAt = status, &now
	up.Processed++
	return *up, nil
}

func (m *memStore) get(id string) (Upload, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	up, ok := m.uploads[id]
	if !ok {
		return Upload{}, false, nil
	}
	return *up, true, nil
}

func (m *memStore) list(caller string) ([]Upload, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Upload
	for _, id := range m.callers[caller] {
		out = append(out, *m.uploads[id])
	}
	return out, nil
}

func (m *memStore) close() error { return nil }

// Buckets of the async store.
var (
	bUploads = []byte("uploads") // id -> Upload JSON
	bData    = []byte("data")    // id -> the upload body, deleted when done
	bQueue   = []byte("queue")   // big-endian sequence -> id, in acceptance order
	bKeys    = []byte("keys")    // caller \0 idempotency key -> id
	bCallers = []byte("callers") // caller \0 id -> nil
)

// boltStore is the asynchronous service's durable queue. Every accept is a
// bbolt transaction, fsync'd before the 202 answer (db.Batch groups
// concurrent uploads into one commit). Only done/failed transitions from
// processing count, so an upload is marked done at most once.
type boltStore struct {
	db     *bolt.DB
	queued atomic.Int64 // queued + processing, for /metrics
}

func openBoltStore(dir string) (*boltStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, "uploads.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	st := &boltStore{db: db}
	// Recover: create buckets; what was processing when the process died goes
	// back to the queue; count the backlog.
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bUploads, bData, bQueue, bKeys, bCallers} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		ups, q := tx.Bucket(bUploads), tx.Bucket(bQueue)
		queued := map[string]bool{}
		_ = q.ForEach(func(_, v []byte) error { queued[string(v)] = true; return nil })
		var requeue []string
		var n int64
		err := ups.ForEach(func(k, v []byte) error {
			var up Upload
			if err := json.Unmarshal(v, &up); err != nil {
				return err
			}
			if up.Status == StatusProcessing && !queued[up.ID] {
				requeue = append(requeue, up.ID)
			}
			if up.Status == StatusQueued || up.Status == StatusProcessing {
				n++
			}
			return nil
		})
		if err != nil {
			return err
		}
		sort.Strings(requeue)
		for _, id := range requeue {
			if err := setStatus(tx, id, StatusQueued, false); err != nil {
				return err
			}
			if err := enqueue(q, id); err != nil {
				return err
			}
		}
		st.queued.Store(n)
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("recover store: %w", err)
	}
	return st, nil
}

func enqueue(q *bolt.Bucket, id string) error {
	seq, err := q.NextSequence()
	if err != nil {
		return err
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return q.Put(k[:], []byte(id))
}

func loadUpload(tx *bolt.Tx, id string) (Upload, bool, error) {
	v := tx.Bucket(bUploads).Get([]byte(id))
	if v == nil {
		return Upload{}, false, nil
	}
	var up Upload
	err := json.Unmarshal(v, &up)
	return up, err == nil, err
}

func putUpload(tx *bolt.Tx, up Upload) error {
	v, err := json.Marshal(up)
	if err != nil {
		return err
	}
	return tx.Bucket(bUploads).Put([]byte(up.ID), v)
}

func setStatus(tx *bolt.Tx, id, status string, terminal bool) error {
	up, ok, err := loadUpload(tx, id)
	if err != nil || !ok {
		return errors.Join(err, fmt.Errorf("upload %s missing", id))
	}
	up.Status = status
	if terminal {
		now := time.Now().UTC()
		up.CompletedAt = &now
		up.Processed++
	}
	return putUpload(tx, up)
}

func (b *boltStore) accept(caller, key string, n int, body []byte, node string) (Upload, bool, error) {
	var up Upload
	var existed bool
	err := b.db.Batch(func(tx *bolt.Tx) error {
		// Batch may run this function more than once: it must be idempotent.
		existed = false
		if key != "" {
			if id := tx.Bucket(bKeys).Get([]byte(caller + "\x00" + key)); id != nil {
				var ok bool
				var err error
				up, ok, err = loadUpload(tx, string(id))
				if err != nil || ok {
					existed = ok
					return err
				}
			}
		}
		up = Upload{ID: newID(node), Caller: caller, Records: n, Status: StatusQueued, AcceptedAt: time.Now().UTC()}
		if err := putUpload(tx, up); err != nil {
			return err
		}
		if err := tx.Bucket(bData).Put([]byte(up.ID), body); err != nil {
			return err
		}
		if err := tx.Bucket(bCallers).Put([]byte(caller+"\x00"+up.ID), nil); err != nil {
			return err
		}
		if key != "" {
			if err := tx.Bucket(bKeys).Put([]byte(caller+"\x00"+key), []byte(up.ID)); err != nil {
				return err
			}
		}
		return enqueue(tx.Bucket(bQueue), up.ID)
	})
	if err == nil && !existed {
		b.queued.Add(1)
	}
	return up, existed, err
}

// claim moves the oldest queued upload to processing and returns its id and
// record count; ok is false when the queue is empty.
func (b *boltStore) claim() (id string, records int, ok bool, err error) {
	err = b.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bQueue).Cursor()
		k, v := c.First()
		if k == nil {
			return nil
		}
		id = string(v)
		if err := c.Delete(); err != nil {
			return err
		}
		up, found, err := loadUpload(tx, id)
		if err != nil || !found || up.Status != StatusQueued {
			return err // stale queue entry: skip it
		}
		up.Status = StatusProcessing
		records, ok = up.Records, true
		return putUpload(tx, up)
	})
	return id, records, ok, err
}

// requeue puts a processing upload back (graceful shutdown mid-work).
func (b *boltStore) requeue(id string) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		if err := setStatus(tx, id, StatusQueued, false); err != nil {
			return err
		}
		return enqueue(tx.Bucket(bQueue), id)
	})
}

func (b *boltStore) finish(id, status string) (Upload, error) {
	var up Upload
	var changed bool
	err := b.db.Update(func(tx *bolt.Tx) error {
		var ok bool
		var err error
		up, ok, err = loadUpload(tx, id)
		if err != nil || !ok {
			return errors.Join(err, fmt.Errorf("upload %s missing", id))
		}
		if up.Status != StatusProcessing {
			return nil // never marked done twice
		}
		if err := setStatus(tx, id, status, true); err != nil {
			return err
		}
		changed = true
		up, _, err = loadUpload(tx, id)
		if err != nil {
			return err
		}
		return tx.Bucket(bData).Delete([]byte(id))
	})
	if err == nil && changed {
		b.queued.Add(-1)
	}
	return up, err
}

func (b *boltStore) get(id string) (Upload, bool, error) {
	var up Upload
	var ok bool
	err := b.db.View(func(tx *bolt.Tx) error {
		var err error
		up, ok, err = loadUpload(tx, id)
		return err
	})
	return up, ok, err
}

func (b *boltStore) list(caller string) ([]Upload, error) {
	var out []Upload
	prefix := []byte(caller + "\x00")
	err := b.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bCallers).Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			up, ok, err := loadUpload(tx, string(k[len(prefix):]))
			if err != nil {
				return err
			}
			if ok {
				out = append(out, up)
			}
		}
		return nil
	})
	return out, err
}

// payload returns an upload's caller and stored body (nil once it is done).
func (b *boltStore) payload(id string) (caller string, body []byte, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		up, ok, err := loadUpload(tx, id)
		if err != nil || !ok {
			return errors.Join(err, fmt.Errorf("upload %s missing", id))
		}
		caller = up.Caller
		if v := tx.Bucket(bData).Get([]byte(id)); v != nil {
			body = append([]byte(nil), v...)
		}
		return nil
	})
	return caller, body, err
}

func (b *boltStore) depth() int64 { return b.queued.Load() }

func (b *boltStore) close() error { return b.db.Close() }
