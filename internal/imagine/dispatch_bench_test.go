package imagine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// benchBacklog runs n jobs (model picked by model(i), "" for none) from
// users users on backends, all queued at once, and returns how long they
// took, the model switches made and the dispatch gaps (from a backend's
// job end to its next start).
func benchBacklog(b *testing.B, backends []*fakeBackend, cfg Config, firstFree bool, n, users int, model func(i int) string) (took time.Duration, switches int, gaps []time.Duration) {
	return benchBacklogWith(b, backends, cfg, firstFree, n, users, model, nil)
}

// benchBacklogWith is benchBacklog that calls also(s) once the service
// runs, before the jobs are queued (e.g. to start dashboard viewers).
func benchBacklogWith(b *testing.B, backends []*fakeBackend, cfg Config, firstFree bool, n, users int, model func(i int) string, also func(*Service)) (took time.Duration, switches int, gaps []time.Duration) {
	bs := make([]Backend, len(backends))
	for i, f := range backends {
		bs[i] = f
	}
	cfg.PerUser, cfg.MaxQueue = n, n
	s, _ := startService(b, cfg, bs...)
	s.mu.Lock()
	s.firstFree = firstFree
	s.mu.Unlock()
	time.Sleep(20 * time.Millisecond) // the workers read their models
	if also != nil {
		also(s)
	}
	start := time.Now()
	var tks []*Ticket
	for i := range n {
		req := NewRequest(fmt.Sprint("job ", i), user(fmt.Sprint("u", i%users)))
		req.Steps, req.Model = 4, model(i)
		tk, err := s.Submit(req)
		if err != nil {
			b.Fatal(err)
		}
		tks = append(tks, tk)
	}
	for _, tk := range tks {
		if st := final(b, tk.Watch); st.State != Done {
			b.Fatalf("job ended %v: %v", st.State, st.Err)
		}
	}
	took = time.Since(start)
	for _, f := range backends {
		switches += switchesIn(f)
		f.mu.Lock()
		for i := 1; i < len(f.times); i += 2 {
			if i+1 < len(f.times) {
				gaps = append(gaps, f.times[i+1].Sub(f.times[i]))
			}
		}
		f.mu.Unlock()
	}
	return took, switches, gaps
}

// BenchmarkThroughput runs a backlog of 200 jobs of 20 ms on N identical
// backends: the issue wants at least 0.95·N times one backend's
// throughput, and the dispatch gap unchanged.
func BenchmarkThroughput(b *testing.B) {
	var one float64
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprint("backends=", n), func(b *testing.B) {
			var rate float64
			var gaps []time.Duration
			for range b.N {
				var fakes []*fakeBackend
				for range n {
					fakes = append(fakes, &fakeBackend{stepTime: 5 * time.Millisecond, model: "a.safetensors [111]", timed: true})
				}
				took, _, g := benchBacklog(b, fakes, Config{}, false, 200, 8, func(int) string { return "" })
				rate = 200 / took.Seconds()
				gaps = append(gaps, g...)
			}
			if n == 1 {
				one = rate
			}
			reportGaps(b, gaps)
			b.ReportMetric(rate, "jobs/s")
			if one > 0 {
				b.ReportMetric(rate/(one*float64(n)), "of-N×one")
			}
		})
	}
}

// BenchmarkMixedModels runs 8 users' jobs over 3 models on 3 backends and
// counts checkpoint switches, with the model-aware dispatcher and with
// first-free assignment: the issue wants at most half as many.
func BenchmarkMixedModels(b *testing.B) {
	models := []string{"a", "b", "c"}
	for _, firstFree := range []bool{false, true} {
		name := "affinity"
		if firstFree {
			name = "first-free"
		}
		b.Run(name, func(b *testing.B) {
			var switches int
			var gaps []time.Duration
			for range b.N {
				r := rand.New(rand.NewPCG(1, 2))
				picks := make([]string, 120)
				for i := range picks {
					picks[i] = models[r.IntN(3)]
				}
				var fakes []*fakeBackend
				for i := range 3 {
					fakes = append(fakes, &fakeBackend{stepTime: time.Millisecond, switchTime: 5 * time.Millisecond, model: models[i] + ".safetensors", timed: true, offer: models})
				}
				_, sw, g := benchBacklog(b, fakes, Config{AffinityWait: 20 * time.Millisecond}, firstFree, len(picks), 8, func(i int) string { return picks[i] })
				switches += sw
				gaps = append(gaps, g...)
			}
			b.ReportMetric(float64(switches)/float64(b.N), "switches/120jobs")
			reportGaps(b, gaps)
		})
	}
}

// reportGaps reports the p50 and p99 of a backend's idle time between two
// jobs. With models in play it includes the deliberate waits for a
// backend that has a job's model.
func reportGaps(b *testing.B, gaps []time.Duration) {
	if len(gaps) == 0 {
		return
	}
	slices.Sort(gaps)
	b.ReportMetric(float64(gaps[len(gaps)/2].Microseconds()), "gap-p50-µs")
	b.ReportMetric(float64(gaps[len(gaps)*99/100].Microseconds()), "gap-p99-µs")
}
