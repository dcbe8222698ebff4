package plugin

import "fmt"

// ring keeps the newest items pushed in chain order; a limit of 0 keeps all of them.
type ring[T any] struct {
	limit   int
	items   []T
	next    int
	dropped int
}

func newRing[T any](limit int) *ring[T] {
	return &ring[T]{limit: limit}
}

func (r *ring[T]) push(item T) {
	if r.limit <= 0 || len(r.items) < r.limit {
		r.items = append(r.items, item)
		return
	}
	r.items[r.next] = item
	r.next = (r.next + 1) % r.limit
	r.dropped++
}

// full reports whether the ring holds limit items, so a push drops the oldest.
func (r *ring[T]) full() bool {
	return r.limit > 0 && len(r.items) == r.limit
}

// oldest returns the oldest kept item, and false when the ring is empty.
func (r *ring[T]) oldest() (T, bool) {
	var zero T
	if len(r.items) == 0 {
		return zero, false
	}
	return r.items[r.next%len(r.items)], true
}

// oldestFirst returns the kept items, the oldest first.
func (r *ring[T]) oldestFirst() []T {
	out := make([]T, 0, len(r.items))
	for i := range r.items {
		out = append(out, r.items[(r.next+i)%len(r.items)])
	}
	return out
}

// newestFirst returns the kept items, the newest first.
func (r *ring[T]) newestFirst() []T {
	out := make([]T, 0, len(r.items))
	for i := len(r.items) - 1; i >= 0; i-- {
		out = append(out, r.items[(r.next+i)%len(r.items)])
	}
	return out
}

func limitNotice(limit, dropped int) string {
	return fmt.Sprintf("Showing the newest %d events; %d older events in the time range are not listed. Raise the limit or narrow the time range to see them.", limit, dropped)
}
