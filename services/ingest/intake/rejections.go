package intake

import (
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
)

// rejectionLogInterval is how often the intake logs refusals of one HTTP
// status at most: a scraper with a wrong token, or every scraper during
// an outage, would otherwise write a line per request.
const rejectionLogInterval = 10 * time.Second

// rejectionLog logs refused requests (and batches with rejected lines)
// with their reason, at most one line per status and interval. A line
// says how many refusals of its status went unlogged since the previous
// one (suppressed); every refusal is counted in newsflow_intake_requests_total.
type rejectionLog struct {
	log   *zap.Logger
	every time.Duration

	mu         sync.Mutex
	last       map[int]time.Time
	suppressed map[int]int
}

func newRejectionLog(log *zap.Logger, every time.Duration) *rejectionLog {
	return &rejectionLog{log: log, every: every, last: map[int]time.Time{}, suppressed: map[int]int{}}
}

// record records a refusal of r with status and reason, and logs it unless
// one of the same status was logged within the interval.
func (l *rejectionLog) record(r *http.Request, status int, reason string) {
	now := time.Now()
	l.mu.Lock()
	if last, ok := l.last[status]; ok && now.Sub(last) < l.every {
		l.suppressed[status]++
		l.mu.Unlock()
		return
	}
	suppressed := l.suppressed[status]
	l.last[status], l.suppressed[status] = now, 0
	l.mu.Unlock()
	msg := "intake request refused"
	if status < 400 {
		msg = "intake batch lines rejected" // a 202 whose lines were not all accepted
	}
	l.log.Warn(msg, zap.Int("status", status), zap.String("reason", reason),
		zap.String("remote", r.RemoteAddr), zap.String("user_agent", r.UserAgent()),
		zap.Int("suppressed", suppressed), zap.Duration("log_interval", l.every))
}
