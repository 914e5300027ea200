package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// DefaultMaxImageBytes is the default of Options.MaxImageBytes.
const DefaultMaxImageBytes = 256 << 20

// Options configure a DB.
type Options struct {
	// MaxImageBytes bounds the bytes of the images kept for the PNG
	// button; past it, the oldest jobs' images are deleted first. 0 means
	// DefaultMaxImageBytes.
	MaxImageBytes int64
}

// DB is the SQLite implementation of imagine.Store. It holds the database
// file's lock from Open to Close. It is safe for concurrent use: its one
// connection serialises the statements.
type DB struct {
	sql      *sql.DB
	path     string
	maxBytes int64
	now      func() time.Time // Prune's clock for usage days; tests set it

	mu    sync.Mutex // guards bytes; held across EndJob's and Prune's transactions
	bytes int64      // the total length of the stored images
}

var _ imagine.Store = (*DB)(nil)

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens the database file at path, creating it (mode 0600) if it does
// not exist and narrowing a wider mode to 0600, takes its lock for the
// life of the DB, and brings its schema up to date. Errors are one line
// naming the file; errors.Is tells ErrInUse, ErrNotDatabase, ErrAccess and
// ErrNewerSchema apart.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("store: %q is not a file path", path)
	}
	if err := prepareFile(path); err != nil {
		return nil, err
	}
	dsn, err := dataSource(path)
	if err != nil {
		return nil, openErr(path, nil, "cannot be opened: %v", err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, openErr(path, nil, "cannot be opened: %v", err)
	}
	// One connection, kept for the DB's life: it holds the file's lock.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	d := &DB{sql: db, path: path, maxBytes: opts.MaxImageBytes, now: time.Now}
	if d.maxBytes <= 0 {
		d.maxBytes = DefaultMaxImageBytes
	}
	if err := d.init(ctx); err != nil {
		db.Close()
		return nil, classify(path, err)
	}
	return d, nil
}

// Close closes the database and releases its lock.
func (d *DB) Close() error {
	if err := d.sql.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", d.path, err)
	}
	return nil
}

// Durable reports true: jobs survive the process.
func (d *DB) Durable() bool { return true }

// prepareFile creates path with mode 0600 if it does not exist, and
// narrows an existing file's mode to 0600. It never opens an existing
// file: closing a descriptor of a file releases every POSIX lock the
// process holds on it, SQLite's lock of another DB on the same file too.
func prepareFile(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return prepareFile(path) // created meanwhile: check its mode
		}
		if err != nil {
			return createErr(path, err)
		}
		return f.Close()
	case err != nil:
		return openErr(path, ErrAccess, "cannot be read: %v", pathCause(err))
	case fi.IsDir():
		return openErr(path, ErrAccess, "is a directory, not a database file")
	case fi.Mode().Perm()&^0o600 != 0:
		if err := os.Chmod(path, 0o600); err != nil {
			return openErr(path, ErrAccess, "has mode %04o and cannot be made private (0600): %v", fi.Mode().Perm(), pathCause(err))
		}
	}
	return nil
}

// dataSource is the driver's name for the file, with the pragmas every
// connection runs first. The driver runs busy_timeout, then the _pragma
// list, then foreign_keys, journal_mode and synchronous: so locking_mode
// EXCLUSIVE is set before WAL, and SQLite keeps the WAL index in the
// process's memory (no -shm file) and holds the file locked.
// secure_delete FAST zeroes deleted content (the tokens) in the pages it
// was on, at no extra I/O.
func dataSource(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	abs = filepath.ToSlash(abs)
	if !strings.HasPrefix(abs, "/") {
		abs = "/" + abs // a Windows drive letter
	}
	q := url.Values{
		"_pragma":       {"busy_timeout(0)", "locking_mode(EXCLUSIVE)", "secure_delete(FAST)"},
		"_foreign_keys": {"1"},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"NORMAL"},
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}
	return u.String(), nil
}

// init takes the lock, checks the file and migrates the schema.
func (d *DB) init(ctx context.Context) error {
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return err
	}
	// A write transaction takes the exclusive lock now rather than at the
	// first job, and shows that the file can be written.
	_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	if err == nil {
		_, err = conn.ExecContext(ctx, "COMMIT")
	}
	if err == nil {
		err = quickCheck(ctx, conn)
	}
	conn.Close()
	if err != nil {
		return err
	}
	if err := d.migrate(ctx); err != nil {
		return err
	}
	return d.sql.QueryRowContext(ctx, "SELECT COALESCE(SUM(length(data)), 0) FROM images").Scan(&d.bytes)
}

// quickCheck runs PRAGMA quick_check, which reads every page (not the
// indexes' agreement with their tables): a damaged file is reported at
// Open rather than at some later write.
func quickCheck(ctx context.Context, conn *sql.Conn) error {
	var res string
	if err := conn.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return &corruptError{detail: res}
	}
	return nil
}

// migrate brings the schema up to the newest embedded migration, and
// refuses a schema newer than those.
func (d *DB) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, d.sql, fsys)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	sources := p.ListSources()
	known := sources[len(sources)-1].Version
	have, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read the schema version: %w", err)
	}
	if have > known {
		return &newerError{have: have, known: known}
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate the schema: %w", err)
	}
	return nil
}
