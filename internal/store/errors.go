package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The kinds of Open's errors, for errors.Is. The errors themselves say
// more, in one line naming the file.
var (
	// ErrInUse is a file another process (or another DB in this one)
	// holds open.
	ErrInUse = errors.New("store: database in use")
	// ErrNotDatabase is a file that is not a SQLite database, or a
	// damaged one.
	ErrNotDatabase = errors.New("store: not a database or corrupt")
	// ErrAccess is a file or directory the process may not read or
	// write.
	ErrAccess = errors.New("store: permission denied")
	// ErrNewerSchema is a database written by a newer imaginebot, whose
	// schema this one does not know.
	ErrNewerSchema = errors.New("store: schema from a newer version")
)

// openError is an error of Open: "store: FILE what", of kind kind.
type openError struct {
	path string
	what string
	kind error
}

func (e *openError) Error() string { return "store: " + e.path + " " + e.what }

func (e *openError) Is(target error) bool { return e.kind != nil && target == e.kind }

func openErr(path string, kind error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	return &openError{path: path, what: strings.Join(strings.Fields(what), " "), kind: kind}
}

// corruptError is a failed quick_check.
type corruptError struct{ detail string }

func (e *corruptError) Error() string { return "quick_check: " + e.detail }

// newerError is a schema version above the newest migration.
type newerError struct{ have, known int64 }

func (e *newerError) Error() string {
	return fmt.Sprintf("schema %d; this one knows up to %d", e.have, e.known)
}

// classify turns an error of opening the database into one line for the
// operator.
func classify(path string, err error) error {
	var ne *newerError
	if errors.As(err, &ne) {
		return openErr(path, ErrNewerSchema, "was written by a newer imaginebot (schema %d; this one knows up to %d)", ne.have, ne.known)
	}
	var ce *corruptError
	if errors.As(err, &ce) {
		return openErr(path, ErrNotDatabase, "is corrupt (%s)", ce.detail)
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return openErr(path, nil, "cannot be opened: %v", err)
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return openErr(path, ErrInUse, "is in use by another imaginebot process")
	case sqlite3.SQLITE_NOTADB:
		return openErr(path, ErrNotDatabase, "is not a SQLite database")
	case sqlite3.SQLITE_CORRUPT:
		return openErr(path, ErrNotDatabase, "is corrupt")
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
		if aerr := accessErr(path); aerr != nil {
			return aerr
		}
		return openErr(path, ErrAccess, "cannot be read and written: %v", err)
	case sqlite3.SQLITE_IOERR: // e.g. a read-only descriptor cannot take a write lock
		if aerr := accessErr(path); aerr != nil {
			return aerr
		}
	}
	return openErr(path, nil, "cannot be opened: %v", err)
}

// accessErr says which of the file and its directory the process may not
// use, as SQLite's errors don't; nil if it finds neither.
func accessErr(path string) error {
	dir := filepath.Dir(path)
	if f, terr := os.CreateTemp(dir, ".imaginebot-check-*"); terr != nil {
		return openErr(path, ErrAccess, "cannot be written: its directory %s is not writable (SQLite keeps a -wal file next to the database)", dir)
	} else {
		f.Close()
		os.Remove(f.Name())
	}
	fi, serr := os.Stat(path)
	if serr == nil && fi.Mode().Perm()&0o400 == 0 {
		return openErr(path, ErrAccess, "cannot be read (mode %04o)", fi.Mode().Perm())
	}
	if serr == nil && fi.Mode().Perm()&0o200 == 0 {
		return openErr(path, ErrAccess, "is read-only (mode %04o); imaginebot writes to it", fi.Mode().Perm())
	}
	return nil
}

// createErr explains why the file could not be created.
func createErr(path string, err error) error {
	dir := filepath.Dir(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return openErr(path, ErrAccess, "cannot be created: the directory %s does not exist", dir)
	case errors.Is(err, fs.ErrPermission):
		return openErr(path, ErrAccess, "cannot be created: the directory %s is not writable", dir)
	}
	return openErr(path, ErrAccess, "cannot be created: %v", pathCause(err))
}

// pathCause is err without the path an *fs.PathError repeats.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
