package cli

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

func TestHeadroomLimit(t *testing.T) {
	for _, tc := range []struct{ live, floor, want int64 }{
		{0, 128 << 20, 128 << 20},
		{80 << 20, 128 << 20, 128 << 20},
		{100 << 20, 128 << 20, 150 << 20},
		{256 << 20, 128 << 20, 384 << 20},
		// Above 256 MiB live the headroom stays 128 MiB.
		{352 << 20, 64 << 20, 480 << 20},
		{1 << 30, 128 << 20, 1<<30 + 128<<20},
	} {
		if got := headroomLimit(tc.live, tc.floor); got != tc.want {
			t.Errorf("headroomLimit(%d MiB, %d MiB) = %d MiB; want %d", tc.live>>20, tc.floor>>20, got>>20, tc.want>>20)
		}
	}
}

func TestMemoryLineRoundsTheLimitToMiB(t *testing.T) {
	for _, tc := range []struct {
		limit int64
		want  string
	}{
		{317690584, "soft limit 303MiB,"}, // 302.97 MiB, as followLiveHeap sets
		{768 << 20, "soft limit 768MiB,"},
		{3 << 29, "soft limit 1.5GiB,"},
		{math.MaxInt64, "soft limit none,"},
	} {
		var b strings.Builder
		memoryReport{limit: tc.limit}.print(&b)
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("limit %d: memory line %q; want %q in it", tc.limit, b.String(), tc.want)
		}
	}
}

// With no limit set, the runtime's soft limit follows the live heap: 1.5
// times it once that is above the floor, and the limit found before comes
// back when it stops.
func TestFollowLiveHeapSetsTheLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 62))
	live := make([][]byte, 96)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	// The test binary holds more than these 96 MiB (what earlier tests in
	// the process left live), so the limit is checked against the live heap
	// the runtime reports.
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	liveNow := int64(s[0].Value.Uint64())
	low, high := liveNow*14/10, liveNow*16/10
	stop := followLiveHeap(32<<20, 10*time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	var got int64
	for time.Now().Before(deadline) {
		if got = debug.SetMemoryLimit(-1); got >= low && got < 1<<40 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got < low || got > high {
		t.Errorf("soft limit %d MiB with %d MiB live; want about 1.5 times it", got>>20, liveNow>>20)
	}
	stop()
	if got := debug.SetMemoryLimit(-1); got != 1<<62 {
		t.Errorf("soft limit %d after stop; want the one before back", got)
	}
	runtime.KeepAlive(live)
}

// newsflow run's default floor keeps the heap of a small run, which holds
// about 60 MiB live once its models are loaded, within about 1.5 times
// that, not twice it as the collector's default (GOGC=100) lets it (the
// 128 MiB floor it had before let the quick start's heap double).
func TestDefaultLimitKeepsASmallRunsHeapFromDoubling(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 62))
	liveHeap := func() int64 {
		runtime.GC()
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		return int64(s[0].Value.Uint64())
	}
	// This test binary's packages hold part of it already.
	var live [][]byte
	for liveHeap() < 60<<20 {
		live = append(live, make([]byte, 4<<20))
	}
	want := liveHeap() * 16 / 10
	stop := followLiveHeap(defaultMemoryFloor, 10*time.Millisecond)
	defer stop()
	deadline := time.Now().Add(10 * time.Second)
	var got int64
	for time.Now().Before(deadline) {
		if got = debug.SetMemoryLimit(-1); got < 1<<40 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got >= want {
		t.Errorf("default soft limit %d MiB with %d MiB live; want below 1.6 times the live heap", got>>20, want*10/16>>20)
	}
	runtime.KeepAlive(live)
}
