package queue

import (
	"fmt"
	"runtime"
	"testing"
)

// fill returns a queue holding jobsPerUser waiting jobs for each of users
// users, pushed round robin, and the user names.
func fill(users, jobsPerUser int) (*Fair[int], []string) {
	q := New[int](0, 0)
	names := make([]string, users)
	for i := range names {
		names[i] = fmt.Sprint("user", i)
	}
	for j := range jobsPerUser {
		for _, name := range names {
			if _, err := q.Push(name, j); err != nil {
				panic(err)
			}
		}
	}
	return q, names
}

// BenchmarkPushPop measures one Push, Pop and Done with one job waiting per
// user: every iteration starts a user's only job, forgets the user on Done
// and creates them again on Push.
func BenchmarkPushPop(b *testing.B) {
	for _, users := range []int{100, 10_000} {
		b.Run(fmt.Sprint("users=", users), func(b *testing.B) {
			q, _ := fill(users, 1)
			b.ReportAllocs()
			for b.Loop() {
				it, _ := q.TryPop()
				q.Done(it.ID)
				q.Push(it.User, 0)
			}
		})
	}
}

// BenchmarkPushPopBacklog measures one Push, Pop and Done with 10,000 jobs
// waiting, spread over users users.
func BenchmarkPushPopBacklog(b *testing.B) {
	for _, users := range []int{100, 10_000} {
		b.Run(fmt.Sprint("users=", users), func(b *testing.B) {
			q, _ := fill(users, 10_000/users)
			b.ReportAllocs()
			for b.Loop() {
				it, _ := q.TryPop()
				q.Done(it.ID)
				q.Push(it.User, 0)
			}
		})
	}
}

// BenchmarkPosition measures Position among 10,000 waiting jobs, for the
// last job and the job in the middle of the start order. It costs
// O(users with waiting jobs + the user's waiting jobs).
func BenchmarkPosition(b *testing.B) {
	for _, users := range []int{1, 100, 10_000} {
		q, _ := fill(users, 10_000/users)
		waiting := q.Snapshot().Waiting
		for _, at := range []int{len(waiting) / 2, len(waiting) - 1} {
			name := fmt.Sprintf("users=%d/pos=%d", users, at+1)
			b.Run(name, func(b *testing.B) {
				id := waiting[at].ID
				b.ReportAllocs()
				for b.Loop() {
					if pos, ok := q.Position(id); !ok || pos != at+1 {
						b.Fatalf("Position = %d, %v, want %d, true", pos, ok, at+1)
					}
				}
			})
		}
	}
}

// BenchmarkSnapshot measures Snapshot of 10,000 waiting jobs.
func BenchmarkSnapshot(b *testing.B) {
	for _, users := range []int{100, 10_000} {
		b.Run(fmt.Sprint("users=", users), func(b *testing.B) {
			q, _ := fill(users, 10_000/users)
			b.ReportAllocs()
			for b.Loop() {
				q.Snapshot()
			}
		})
	}
}

// heapPerJob returns the heap bytes held per job by a queue of 10,000
// waiting int jobs spread over users users, user names included.
func heapPerJob(users int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	q, names := fill(users, 10_000/users)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(q)
	runtime.KeepAlive(names)
	return float64(after.HeapAlloc-before.HeapAlloc) / 10_000
}

// BenchmarkMemory reports the heap held per job by 10,000 waiting jobs.
func BenchmarkMemory(b *testing.B) {
	for _, users := range []int{100, 10_000} {
		b.Run(fmt.Sprint("users=", users), func(b *testing.B) {
			var perJob float64
			for b.Loop() {
				perJob = heapPerJob(users)
			}
			b.ReportMetric(perJob, "B/job")
			b.ReportMetric(perJob*10_000/(1<<20), "MiB/10k")
		})
	}
}

// TestMemory checks that 10,000 waiting jobs stay far below 20 MB.
func TestMemory(t *testing.T) {
	const maxPerJob = 400 // 4 MB for 10,000 jobs
	for _, users := range []int{100, 10_000} {
		t.Run(fmt.Sprint("users=", users), func(t *testing.T) {
			perJob := heapPerJob(users)
			t.Logf("%.0f bytes per job", perJob)
			if perJob > maxPerJob {
				t.Errorf("%.0f heap bytes per job, want at most %d", perJob, maxPerJob)
			}
		})
	}
}
