package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// TestRecentUsesItsIndex: the gallery's query reads the jobs_recent index
// in order, rather than sorting every finished job.
func TestRecentUsesItsIndex(t *testing.T) {
	d := open(t, filepath.Join(t.TempDir(), "imaginebot.db"))
	rows, err := d.sql.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+recentQuery, int(imagine.Done), 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	got := strings.Join(plan, "; ")
	if !strings.Contains(got, "jobs_recent") || strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("Recent's plan is %q, want a scan of jobs_recent without a sort", got)
	}
}
