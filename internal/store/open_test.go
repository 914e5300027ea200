package store

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// open opens a DB at path for a test and closes it at the test's end.
func open(t testing.TB, path string) *DB {
	t.Helper()
	d, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// checkOneLine fails unless err is of kind and is one line naming path
// and saying want.
func checkOneLine(t *testing.T, err error, kind error, path, want string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatalf("Open succeeded, want an error saying %q", want)
	case kind != nil && !errors.Is(err, kind):
		t.Errorf("error %q is not %v", err, kind)
	case strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "store: "+path+" ") || !strings.Contains(err.Error(), want):
		t.Errorf("error %q, want one line starting \"store: %s\" and saying %q", err, path, want)
	}
}

func TestLockedBySecondOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "imaginebot.db")
	d := open(t, path)
	_, err := Open(context.Background(), path, Options{})
	checkOneLine(t, err, ErrInUse, path, "is in use by another imaginebot process")
	// The failed Open left the first one's lock and connection alone.
	if err := otherProcessOpens(t, path); !strings.Contains(err, "is in use by another imaginebot process") {
		t.Errorf("another process opening the file: %q, want it refused", err)
	}
	if err := d.SetPrefs(context.Background(), "tg:1", prefsWithSteps(30)); err != nil {
		t.Fatalf("the first DB after the second Open failed: %v", err)
	}
	d.Close()
	d2 := open(t, path)
	if p, err := d2.Prefs(context.Background(), "tg:1"); err != nil || p.Steps != 30 {
		t.Errorf("reopened after Close: prefs %+v, %v", p, err)
	}
}

// otherProcessOpens runs this test binary's helper process, which opens
// path, and returns what it printed.
func otherProcessOpens(t *testing.T, path string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "STORE_HELPER_OPEN="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
	return string(out)
}

// TestHelperProcess is the other process of otherProcessOpens.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv("STORE_HELPER_OPEN")
	if path == "" {
		t.Skip("a helper process for TestLockedBySecondOpen")
	}
	d, err := Open(context.Background(), path, Options{})
	if err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
		return
	}
	d.Close()
	os.Stdout.WriteString("opened\n")
}

func TestFileMode(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new.db")
	open(t, fresh)
	wide := filepath.Join(dir, "wide.db")
	if err := os.WriteFile(wide, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(wide, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	open(t, wide)
	for _, path := range []string{fresh, wide} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", filepath.Base(path), m)
		}
	}
}

func TestPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "imaginebot.db")
	d := open(t, path)
	for pragma, want := range map[string]string{
		"locking_mode":  "exclusive",
		"journal_mode":  "wal",
		"synchronous":   "1",
		"foreign_keys":  "1",
		"secure_delete": "2", // FAST
	} {
		var got string
		if err := d.sql.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
	// Exclusive before WAL: the WAL index is in memory, not in a -shm file.
	if _, err := os.Stat(path + "-shm"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s-shm exists (%v): locking_mode was not exclusive when WAL began", filepath.Base(path), err)
	}
	if err := d.SetPrefs(context.Background(), "tg:1", prefsWithSteps(20)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no -wal file while open: %v", err)
	}
	// Close writes the log back and deletes it.
	d.Close()
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s-wal exists after Close (%v)", filepath.Base(path), err)
	}
}

// writeFile writes data to path, failing the test on error.
func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	root := os.Geteuid() == 0
	for _, tc := range []struct {
		name  string
		root  bool // the case works as root, who ignores permissions
		setup func(t *testing.T, dir string) string
		kind  error
		want  string
	}{{
		name: "garbage", root: true,
		setup: func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "garbage.db")
			writeFile(t, path, []byte(strings.Repeat("this is not a database\n", 500)))
			return path
		},
		kind: ErrNotDatabase, want: "is not a SQLite database",
	}, {
		name: "corrupt", root: true,
		setup: func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "corrupt.db")
			d := open(t, path)
			for i := range 50 {
				if err := d.SetPrefs(context.Background(), strings.Repeat("u", 200)+string(rune('a'+i%26))+strings.Repeat("x", i), prefsWithSteps(i+1)); err != nil {
					t.Fatal(err)
				}
			}
			d.Close()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for i := 4096; i < len(data); i++ { // every page but the first
				data[i] = 0xa5
			}
			writeFile(t, path, data)
			return path
		},
		kind: ErrNotDatabase, want: "corrupt",
	}, {
		name: "directory", root: true,
		setup: func(t *testing.T, dir string) string { return dir },
		kind:  ErrAccess, want: "is a directory",
	}, {
		name: "no directory", root: true,
		setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "missing", "imaginebot.db") },
		kind:  ErrAccess, want: "the directory " + "", // the dir name is checked below
	}, {
		name: "newer schema", root: true,
		setup: func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "newer.db")
			d := open(t, path)
			if _, err := d.sql.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, 1)"); err != nil {
				t.Fatal(err)
			}
			d.Close()
			return path
		},
		kind: ErrNewerSchema, want: "was written by a newer imaginebot (schema 99; this one knows up to 3)",
	}, {
		name: "unreadable",
		setup: func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "unreadable.db")
			open(t, path).Close()
			chmod(t, path, 0)
			return path
		},
		kind: ErrAccess, want: "cannot be read (mode 0000)",
	}, {
		name: "read-only file",
		setup: func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "readonly.db")
			open(t, path).Close()
			chmod(t, path, 0o400)
			return path
		},
		kind: ErrAccess, want: "is read-only (mode 0400)",
	}, {
		name: "read-only directory, new file",
		setup: func(t *testing.T, dir string) string {
			chmod(t, dir, 0o500)
			return filepath.Join(dir, "imaginebot.db")
		},
		kind: ErrAccess, want: "cannot be created: the directory",
	}, {
		name: "read-only directory, existing file",
		setup: func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "imaginebot.db")
			open(t, path).Close()
			chmod(t, dir, 0o500)
			return path
		},
		kind: ErrAccess, want: "is not writable (SQLite keeps a -wal file",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if root && !tc.root {
				t.Skip("root ignores file permissions")
			}
			dir := t.TempDir()
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			path := tc.setup(t, dir)
			d, err := Open(context.Background(), path, Options{})
			if err == nil {
				d.Close()
			}
			checkOneLine(t, err, tc.kind, path, tc.want)
			if tc.name == "no directory" && !strings.Contains(err.Error(), "missing does not exist") {
				t.Errorf("error %q does not name the missing directory", err)
			}
		})
	}
}

// chmod sets path's mode, failing the test on error.
func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestNotAFilePath(t *testing.T) {
	for _, path := range []string{"", ":memory:"} {
		if d, err := Open(context.Background(), path, Options{}); err == nil {
			d.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}
