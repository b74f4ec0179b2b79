package sut

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The seed's disaster began with an upgrade: the new version read its
// stored records through a new schema, about 4 million records written by
// the old one became invisible, and every caller re-uploaded at once. The
// reference services reproduce that in one flag: each record is stored
// with the schema version of the process that wrote it (--schema-version),
// and a process only shows records of its own version. --migrate rewrites
// older records to the running version at startup, the upgrade done right.

// DefaultSchemaVersion is the schema of a process started without
// --schema-version: the "v1" of an upgrade rehearsal.
const DefaultSchemaVersion = 1

// maxSchemaVersion keeps versions in the 4 bytes a record's value holds.
const maxSchemaVersion = 1<<31 - 1

// migrateBatch is how many records one migration transaction scans, so a
// store of millions of records is rewritten in bounded commits (each
// fsync'd) instead of one transaction holding every dirty page in memory.
const migrateBatch = 10000

func checkSchemaVersion(v int) error {
	if v < 1 || v > maxSchemaVersion {
		return fmt.Errorf("schema version %d: want 1 to %d", v, maxSchemaVersion)
	}
	return nil
}

// encodeVersion is a record's stored value: the schema version that wrote it.
func encodeVersion(v int) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(v))
	return b[:]
}

// decodeVersion reads a record's value; anything unreadable is version 0,
// older than every schema, so it is invisible and --migrate adopts it.
func decodeVersion(b []byte) int {
	if len(b) != 4 {
		return 0
	}
	return int(binary.BigEndian.Uint32(b))
}

// migration is what one --migrate pass did: records rewritten from an
// older schema, and records of a newer schema left alone (still invisible).
type migration struct {
	migrated int
	newer    int
}

// migrate rewrites every record of a schema older than version to version,
// migrateBatch records per fsync'd transaction. A crash in between leaves
// some records migrated and the rest untouched; running it again finishes
// the job, since a record already at version is skipped.
func migrate(db *bolt.DB, version int) (migration, error) {
	var m migration
	var after []byte // the last key scanned by the previous batch
	for {
		done := false
		err := db.Update(func(tx *bolt.Tx) error {
			var err error
			after, done, err = migrateBatchAfter(tx.Bucket(bRecords), after, version, &m)
			return err
		})
		if err != nil {
			return m, fmt.Errorf("migrate records to schema %d: %w", version, err)
		}
		if done {
			return m, nil
		}
	}
}

// migrateBatchAfter scans up to migrateBatch records after the key after
// (from the first one when nil), rewrites the older ones, and returns the
// last key scanned and whether the bucket is exhausted. Keys are collected
// before the rewrite: bbolt cursors are not reliable across a Put.
func migrateBatchAfter(b *bolt.Bucket, after []byte, version int, m *migration) ([]byte, bool, error) {
	c := b.Cursor()
	k, v := c.First()
	if after != nil {
		k, v = c.Seek(after)
		if k != nil && string(k) == string(after) {
			k, v = c.Next()
		}
	}
	var older [][]byte
	var last []byte
	for n := 0; k != nil && n < migrateBatch; k, v = c.Next() {
		switch got := decodeVersion(v); {
		case got < version:
			older = append(older, append([]byte(nil), k...))
		case got > version:
			m.newer++
		}
		last = append(last[:0], k...)
		n++
	}
	exhausted := k == nil
	for _, key := range older {
		if err := b.Put(key, encodeVersion(version)); err != nil {
			return nil, false, err
		}
	}
	m.migrated += len(older)
	return last, exhausted, nil
}
