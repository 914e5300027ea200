package queue

// job is one pushed job. It sits in exactly one jobList at a time: its user's
// waiting FIFO while it waits, the queue's running list once it has started.
type job[T any] struct {
	id         ID
	value      T
	user       *userState[T]
	running    bool
	prev, next *job[T]
}

// item returns the public view of j.
func (j *job[T]) item() Item[T] {
	return Item[T]{ID: j.id, User: j.user.name, Value: j.value}
}

// jobList is an intrusive doubly linked list of jobs, so that removing a job
// from the middle (Cancel, Done) is O(1).
type jobList[T any] struct {
	head, tail *job[T]
	len        int
}

func (l *jobList[T]) pushBack(j *job[T]) {
	j.prev, j.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = j
	} else {
		l.head = j
	}
	l.tail = j
	l.len++
}

func (l *jobList[T]) remove(j *job[T]) {
	if j.prev != nil {
		j.prev.next = j.next
	} else {
		l.head = j.next
	}
	if j.next != nil {
		j.next.prev = j.prev
	} else {
		l.tail = j.prev
	}
	j.prev, j.next = nil, nil
	l.len--
}

// index returns the place of j in l, counting from 0. It walks from both
// ends, so it costs O(min(place, len-place)).
func (l *jobList[T]) index(j *job[T]) int {
	a, b := l.head, l.tail
	for i := 0; ; i++ {
		if a == j {
			return i
		}
		if b == j {
			return l.len - 1 - i
		}
		a, b = a.next, b.prev
	}
}

// userState is the queue's record of one user. It exists while the user has jobs
// waiting or running, and a little longer in one case (see Fair.idle).
type userState[T any] struct {
	name    string
	waiting jobList[T] // the user's waiting jobs, oldest first
	running int        // the user's started jobs not yet Done
	// served is the round in which the user last started a job (0: never).
	served uint64
	// turn is when the user's first waiting job starts, while they have one.
	turn Turn
	// list is the userList holding the user (current, next or idle), nil if none.
	list       *userList[T]
	prev, next *userState[T]
}

// userList is an intrusive doubly linked list of users in turn order.
type userList[T any] struct {
	head, tail *userState[T]
	len        int
}

func (l *userList[T]) pushBack(u *userState[T]) {
	u.prev, u.next, u.list = l.tail, nil, l
	if l.tail != nil {
		l.tail.next = u
	} else {
		l.head = u
	}
	l.tail = u
	l.len++
}

func (l *userList[T]) remove(u *userState[T]) {
	if u.prev != nil {
		u.prev.next = u.next
	} else {
		l.head = u.next
	}
	if u.next != nil {
		u.next.prev = u.prev
	} else {
		l.tail = u.prev
	}
	u.prev, u.next, u.list = nil, nil, nil
	l.len--
}
