package queue_test

import (
	"context"
	"fmt"

	"github.com/imaginebot/imaginebot/internal/queue"
)

// A user's job that has already started counts for its round: B and C come
// before A's second job.
func Example() {
	q := queue.New[string](3, 100)
	q.Push("A", "A1")
	a2, _ := q.Push("A", "A2")
	q.Push("A", "A3")
	first, _ := q.Pop(context.Background()) // an idle worker starts A1 at once
	q.Push("B", "B1")
	q.Push("C", "C1")
	if pos, ok := q.Position(a2); ok {
		fmt.Println("A2 is at position", pos)
	}
	fmt.Print(first.Value)
	for {
		it, ok := q.TryPop()
		if !ok {
			break
		}
		fmt.Print(" ", it.Value)
		q.Done(it.ID)
	}
	fmt.Println()
	// Output:
	// A2 is at position 3
	// A1 B1 C1 A2 A3
}
