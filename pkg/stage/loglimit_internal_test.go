package stage

import (
	"testing"
	"time"
)

// One line per key and interval; the next line after the interval
// carries the count held back meanwhile, and keys do not hide each other.
func TestLogLimiter(t *testing.T) {
	l := NewLogLimiter(10 * time.Second)
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	type step struct {
		after      time.Duration
		key        string
		ok         bool
		suppressed int
	}
	for i, s := range []step{
		{0, "a", true, 0},
		{time.Second, "a", false, 0},
		{time.Second, "a", false, 0},
		{0, "b", true, 0},
		{8 * time.Second, "a", true, 2}, // 10s after the first "a"
		{time.Second, "a", false, 0},
		{0, "b", false, 0},
	} {
		now = now.Add(s.after)
		if ok, n := l.Allow(s.key); ok != s.ok || n != s.suppressed {
			t.Errorf("step %d (%s): Allow = %v, %d; want %v, %d", i, s.key, ok, n, s.ok, s.suppressed)
		}
	}
}
