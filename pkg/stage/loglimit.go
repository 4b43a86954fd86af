package stage

import (
	"sync"
	"time"
)

// LogLimiter lets a log line through at most once per interval and key,
// and counts the lines it held back, for warnings an outage would repeat
// per message or per request (a dependency down, every scraper refused).
// The zero value is not usable; call NewLogLimiter.
type LogLimiter struct {
	every time.Duration
	now   func() time.Time

	mu   sync.Mutex
	last map[string]time.Time
	held map[string]int
}

// NewLogLimiter returns a limiter letting one line per key through every
// interval.
func NewLogLimiter(every time.Duration) *LogLimiter {
	return &LogLimiter{every: every, now: time.Now, last: map[string]time.Time{}, held: map[string]int{}}
}

// Allow reports whether a line for key may be logged now and, when it
// may, how many lines for key it held back since the previous one (log
// them as "suppressed").
func (l *LogLimiter) Allow(key string) (ok bool, suppressed int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if last, seen := l.last[key]; seen && now.Sub(last) < l.every {
		l.held[key]++
		return false, 0
	}
	suppressed = l.held[key]
	l.last[key], l.held[key] = now, 0
	return true, suppressed
}

// Interval is the limiter's interval, to log beside the suppressed count.
func (l *LogLimiter) Interval() time.Duration { return l.every }
