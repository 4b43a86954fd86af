package stage

import (
	"testing"
	"time"
)

// After many deliveries an ordinary failure waits up to RetryMax, but an
// outage retries within unavailableRetryMax, so that a recovered
// dependency is used again within seconds.
func TestUnavailableRetriesStaySoon(t *testing.T) {
	c := DefaultConfig().Consumer
	c.RetryMin, c.RetryMax = time.Second, time.Minute
	for _, delivered := range []int{8, 12, 30} {
		if got := c.retryDelay(delivered, true); got > unavailableRetryMax*6/5 {
			t.Errorf("unavailable, delivery %d: delay %s; want at most %s", delivered, got, unavailableRetryMax*6/5)
		}
		if got := c.retryDelay(delivered, false); got < c.RetryMax*4/5 {
			t.Errorf("retryable, delivery %d: delay %s; want about %s", delivered, got, c.RetryMax)
		}
	}
	if got := c.retryDelay(1, true); got > 2*c.RetryMin {
		t.Errorf("unavailable, first delivery: delay %s; want about %s", got, c.RetryMin)
	}
}
