package pipeline

import (
	"testing"
	"time"
)

func TestLatencyQuantilesStayBounded(t *testing.T) {
	l := newLatencies()
	if q := l.quantiles(0.5); q[0] != 0 {
		t.Errorf("empty p50 = %v; want 0", q[0])
	}
	n := 3 * latencySample
	for i := 1; i <= n; i++ {
		l.add(time.Duration(i) * time.Microsecond)
	}
	if len(l.sample) != latencySample {
		t.Fatalf("sample holds %d; want %d", len(l.sample), latencySample)
	}
	q := l.quantiles(0.5, 0.99)
	mid := time.Duration(n/2) * time.Microsecond
	if q[0] < mid*9/10 || q[0] > mid*11/10 {
		t.Errorf("p50 = %v; want about %v", q[0], mid)
	}
	if q[1] < time.Duration(n)*time.Microsecond*97/100 {
		t.Errorf("p99 = %v; want near %v", q[1], time.Duration(n)*time.Microsecond)
	}
}
