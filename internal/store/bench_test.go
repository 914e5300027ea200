package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/queue"
)

// benchService is a Service on s with room for n jobs and no worker
// running: Submit only queues and stores.
func benchService(b *testing.B, s imagine.Store, n int) *imagine.Service {
	b.Helper()
	svc := imagine.New(imagine.Config{PerUser: n + 1, MaxQueue: n + 1, Settings: settings, Store: s},
		[]imagine.NamedBackend{{Name: "sd", Backend: imaginetest.New(imaginetest.Options{})}})
	if err := svc.Restore(context.Background()); err != nil {
		b.Fatal(err)
	}
	return svc
}

// benchDB opens a DB in a temp dir.
func benchDB(b *testing.B, opts Options) *DB {
	b.Helper()
	d, err := Open(context.Background(), filepath.Join(b.TempDir(), "imaginebot.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

// BenchmarkSubmit measures Service.Submit, which writes the job and its
// user's turn in one transaction, and reports the median and 99th
// percentile of single calls (goal: p99 under 2 ms).
func BenchmarkSubmit(b *testing.B) {
	for _, name := range []string{"sqlite", "memory"} {
		b.Run(name, func(b *testing.B) {
			var s imagine.Store = imagine.NewMemoryStore()
			if name == "sqlite" {
				s = benchDB(b, Options{})
			}
			svc := benchService(b, s, 1<<30) // b.Loop does not tell b.N before
			took := make([]time.Duration, 0, b.N)
			i := 0
			for b.Loop() {
				req := imagine.NewRequest("a lighthouse at dusk, oil painting", who(fmt.Sprint(i%100)))
				req.Source = fmt.Sprintf("tg:%d:%d", i%100, i)
				start := time.Now()
				if _, err := svc.Submit(req); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
				i++
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Nanoseconds())/1e3, "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds())/1e3, "p99-µs")
		})
	}
}

// BenchmarkRestore10k measures a restart with 10,000 waiting jobs of 100
// users: Open (lock, quick_check, migrations) and Service.Restore, which
// loads the jobs and queues them again (goal: under 1 s).
func BenchmarkRestore10k(b *testing.B) {
	const jobs, users = 10000, 100
	path := filepath.Join(b.TempDir(), "imaginebot.db")
	d, err := Open(context.Background(), path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for id := imagine.JobID(1); id <= jobs; id++ {
		j := saved(id, fmt.Sprint(id%users), "a lighthouse at dusk, oil painting", fmt.Sprintf("tg:%d", id))
		j.Ref = imagine.Ref{Data: []byte(`{"chat":123456789,"msg":987654}`), Secret: "interaction-token-0123456789abcdef"}
		if err := d.AddJob(context.Background(), j, queue.Turn{Round: 1, Seq: uint64(id)}); err != nil {
			b.Fatal(err)
		}
	}
	d.Close()
	for b.Loop() {
		d, err := Open(context.Background(), path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		svc := imagine.New(imagine.Config{PerUser: 5, MaxQueue: 100, Settings: settings, Store: d}, nil)
		if err := svc.Restore(context.Background()); err != nil {
			b.Fatal(err)
		}
		if _, waiting := svc.Jobs(who("1")); waiting != jobs {
			b.Fatalf("%d jobs restored, want %d", waiting, jobs)
		}
		d.Close()
	}
}

// pngSize is about the size of a 512×512 PNG from Stable Diffusion.
const pngSize = 420 << 10

// BenchmarkJobBytes reports the bytes of database file per finished job:
// accepted, started, given a ref, ended with one 512×512-sized image or
// with none (failed). Run it with a fixed count, e.g. -benchtime=200x:
// the images variant writes pngSize bytes per job.
func BenchmarkJobBytes(b *testing.B) {
	img := make([]byte, pngSize)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img {
		img[i] = byte(r.Uint32()) // incompressible, as PNG data is
	}
	for _, withImages := range []bool{true, false} {
		b.Run(map[bool]string{true: "images", false: "no-images"}[withImages], func(b *testing.B) {
			d := benchDB(b, Options{MaxImageBytes: 1 << 40}) // keep them all: the file's growth is the cost
			ctx := context.Background()
			id := imagine.JobID(0)
			for b.Loop() {
				id++
				j := saved(id, fmt.Sprint(id%100), "a lighthouse at dusk, oil painting", fmt.Sprintf("tg:%d", id))
				if err := d.AddJob(ctx, j, turn(uint64(id))); err != nil {
					b.Fatal(err)
				}
				if err := d.StartJob(ctx, id, nil); err != nil {
					b.Fatal(err)
				}
				if err := d.SetRef(ctx, id, imagine.Ref{Data: []byte(`{"chat":123456789,"msg":987654}`), Secret: "token"}); err != nil {
					b.Fatal(err)
				}
				e := imagine.JobEnd{ID: id, User: j.Request.Requester.Key(), Outcome: imagine.Failed, Width: 512, Height: 512, At: t0}
				if withImages {
					e = done(id, fmt.Sprint(id%100), t0, img)
				}
				if err := d.EndJob(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := d.sql.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				b.Fatal(err)
			}
			fi, err := os.Stat(d.path)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(fi.Size())/float64(id), "dbbytes/job")
		})
	}
}

// BenchmarkHeap reports the Go heap in use after 1000 jobs were submitted
// (and wait) with each store (goal: the DB's within 10 % of the memory
// store's). SQLite's own page cache is allocated outside the Go heap.
func BenchmarkHeap(b *testing.B) {
	const jobs = 1000
	for _, name := range []string{"memory", "sqlite"} {
		b.Run(name, func(b *testing.B) {
			var total uint64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				var s imagine.Store = imagine.NewMemoryStore()
				var d *DB
				if name == "sqlite" {
					d = benchDB(b, Options{})
					s = d
				}
				svc := benchService(b, s, jobs)
				for i := range jobs {
					req := imagine.NewRequest("a lighthouse at dusk, oil painting", who(fmt.Sprint(i%100)))
					req.Source = fmt.Sprintf("tg:%d:%d", i%100, i)
					if _, err := svc.Submit(req); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				total += after.HeapInuse - min(before.HeapInuse, after.HeapInuse)
				runtime.KeepAlive(svc)
				if d != nil {
					d.Close()
				}
			}
			b.ReportMetric(float64(total)/float64(b.N), "heapinuse-bytes")
		})
	}
}

// BenchmarkOpenFull measures Open of a file whose images fill the default
// budget (256 MiB): the quick_check at Open reads every page.
func BenchmarkOpenFull(b *testing.B) {
	path := filepath.Join(b.TempDir(), "imaginebot.db")
	d, err := Open(context.Background(), path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	img := make([]byte, pngSize)
	for i := range img {
		img[i] = byte(i * 7919 >> 3)
	}
	for id := imagine.JobID(1); id <= DefaultMaxImageBytes/pngSize; id++ {
		mustAdd(b, d, saved(id, "1", "p", ""))
		mustEnd(b, d, done(id, "1", t0, img))
	}
	d.Close()
	for b.Loop() {
		d, err := Open(context.Background(), path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}
