package cli

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHeadroomLimit(t *testing.T) {
	for _, tc := range []struct{ live, floor, want int64 }{
		{0, 128 << 20, 128 << 20},
		{80 << 20, 128 << 20, 160 << 20},
		// Below smallLiveHeap (a quick start's 45-60 MiB) half as much
		// again.
		{60 << 20, 64 << 20, 90 << 20},
		{78 << 20, 64 << 20, 117 << 20},
		// Past it, as much again while the heap stays within heapBudget,
		// at most maxHeadroom more.
		{100 << 20, 64 << 20, 200 << 20},
		{128 << 20, 64 << 20, 256 << 20},
		{150 << 20, 64 << 20, 256 << 20},
		// Beyond the budget, half as much again.
		{180 << 20, 64 << 20, 270 << 20},
		// Above 256 MiB live the headroom stays 128 MiB.
		{256 << 20, 128 << 20, 384 << 20},
		{352 << 20, 64 << 20, 480 << 20},
		{1 << 30, 128 << 20, 1<<30 + 128<<20},
	} {
		if got := headroomLimit(tc.live, tc.floor); got != tc.want {
			t.Errorf("headroomLimit(%d MiB, %d MiB) = %d MiB; want %d", tc.live>>20, tc.floor>>20, got>>20, tc.want>>20)
		}
	}
	// The heap never gets more room than half its live heap (at most
	// maxHeadroom) would give it, unless it stays within heapBudget: a
	// small run and a long one keep their peaks.
	for live := int64(0); live <= 1<<30; live += 1 << 19 {
		if got, most := headroomLimit(live, 64<<20), max(64<<20, live+min(live/2, maxHeadroom), heapBudget); got > most {
			t.Fatalf("headroomLimit(%d KiB) = %d KiB; want at most %d", live>>10, got>>10, most>>10)
		}
	}
}

// newsflow run's soft limit, the runtime's memory beside the heap counted
// in, stays within memoryBudget unless the live heap and an eighth of it
// need more; below the budget it is the live heap, its headroom and that
// memory, as before (the benchmark corpus, the quick start).
func TestSoftLimitKeepsToTheBudget(t *testing.T) {
	for _, tc := range []struct{ live, beside, want int64 }{
		// Below the budget: headroomLimit and beside.
		{60 << 20, 20 << 20, 110 << 20},
		{190 << 20, 30 << 20, 315 << 20},
		{270 << 20, 30 << 20, 428 << 20},
		// Past it: the budget, while the live heap leaves an eighth of
		// itself below it.
		{300 << 20, 30 << 20, memoryBudget},
		{340 << 20, 40 << 20, memoryBudget},
		// Then the live heap, an eighth of it and beside.
		{380 << 20, 40 << 20, 380<<20 + 380<<20/8 + 40<<20},
		{1 << 30, 40 << 20, 1<<30 + 1<<27 + 40<<20},
	} {
		if got := softLimit(tc.live, tc.beside, defaultMemoryFloor); got != tc.want {
			t.Errorf("softLimit(%d MiB live, %d MiB beside) = %d MiB; want %d", tc.live>>20, tc.beside>>20, got>>20, tc.want>>20)
		}
	}
	for live := int64(0); live <= 1<<30; live += 1 << 19 {
		got := softLimit(live, 32<<20, defaultMemoryFloor)
		if got > max(memoryBudget, live+live/8+32<<20) {
			t.Fatalf("softLimit(%d KiB live) = %d KiB; want within the budget or the live heap and an eighth", live>>10, got>>10)
		}
		if got < min(headroomLimit(live, defaultMemoryFloor), live+live/8)+32<<20 {
			t.Fatalf("softLimit(%d KiB live) = %d KiB; want at least an eighth of the live heap as headroom", live>>10, got>>10)
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

// With no limit set, the runtime's soft limit follows the live heap: past
// smallLiveHeap the heap may grow to twice it (where the limit allowed 1.5
// times before), and the limit found before comes back when it stops. The
// collector's own pace (GOGC) is off here, so the heap's goal is the
// limit's alone.
func TestFollowLiveHeapSetsTheLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 62))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	// The test binary holds part of it already (what earlier tests in the
	// process left live), so the limit is checked against the live heap the
	// runtime reports.
	var live [][]byte
	for settledLiveHeap() < 100<<20 {
		live = append(live, make([]byte, 4<<20))
	}
	liveNow := settledLiveHeap()
	if liveNow > 120<<20 {
		t.Fatalf("the test binary holds %d MiB live; the test needs 100-120 MiB", liveNow>>20)
	}
	low, high := liveNow*185/100, liveNow*210/100
	stop := followLiveHeap(32<<20, 10*time.Millisecond)
	if goal, limit := awaitHeapGoal(low); goal < low || goal > high {
		t.Errorf("heap goal %d MiB with %d MiB live under a soft limit of %d MiB; want about twice the live heap", goal>>20, liveNow>>20, limit>>20)
	}
	stop()
	if got := debug.SetMemoryLimit(-1); got != 1<<62 {
		t.Errorf("soft limit %d after stop; want the one before back", got)
	}
	runtime.KeepAlive(live)
}

// Past smallLiveHeap the limit follows the live heap as each collection
// finds it, not a second later: the ticker here never fires after the
// first reading, so only the collection can raise the heap's goal to about
// twice the 100 MiB now live.
func TestLimitFollowsACollectionPastASmallHeap(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 62))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	if settledLiveHeap() > 40<<20 {
		t.Skip("the test binary holds more than 40 MiB live")
	}
	stop := followLiveHeap(32<<20, time.Hour)
	defer stop()
	var live [][]byte
	for settledLiveHeap() < 100<<20 {
		live = append(live, make([]byte, 4<<20))
	}
	liveNow := settledLiveHeap()
	if goal, limit := awaitHeapGoal(liveNow * 185 / 100); goal < liveNow*185/100 {
		t.Errorf("heap goal %d MiB with %d MiB live under a soft limit of %d MiB; want about twice the live heap, set after the collection", goal>>20, liveNow>>20, limit>>20)
	}
	runtime.KeepAlive(live)
}

// Below smallLiveHeap a collection does not end the wait for the next
// reading (a small run keeps to the ticker); past it, it does.
func TestAwaitReadingTakesCollectionsPastASmallHeap(t *testing.T) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	ctx, cancel := context.WithCancel(context.Background())
	collected := make(chan struct{}, 1)
	if settledLiveHeap() >= smallLiveHeap {
		t.Skip("the test binary holds more than smallLiveHeap live")
	}
	collected <- struct{}{}
	go func() {
		// The collection is taken (the channel drained) before ctx ends.
		for len(collected) > 0 {
			runtime.Gosched()
		}
		cancel()
	}()
	if awaitReading(ctx, nil, collected, s) {
		t.Errorf("a collection with %d MiB live ended the wait; want the tick awaited below %d MiB", settledLiveHeap()>>20, smallLiveHeap>>20)
	}
	var live [][]byte
	for settledLiveHeap() < smallLiveHeap {
		live = append(live, make([]byte, 4<<20))
	}
	collected <- struct{}{}
	late, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if !awaitReading(late, nil, collected, s) {
		t.Errorf("a collection with %d MiB live did not end the wait", settledLiveHeap()>>20)
	}
	runtime.KeepAlive(live)
}

// newsflow run's default floor keeps the heap of a small run, which holds
// about 60 MiB live once its models are loaded, within about 1.5 times
// that (the heap's goal, which the runtime's own memory beside the heap
// does not count in), not twice it as the collector's default (GOGC=100) lets it (the
// 128 MiB floor it had before let the quick start's heap double).
func TestDefaultLimitKeepsASmallRunsHeapFromDoubling(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 62))
	// This test binary's packages hold part of it already.
	var live [][]byte
	for settledLiveHeap() < 60<<20 {
		live = append(live, make([]byte, 4<<20))
	}
	liveNow := settledLiveHeap()
	stop := followLiveHeap(defaultMemoryFloor, 10*time.Millisecond)
	defer stop()
	if goal, limit := awaitHeapGoal(liveNow * 14 / 10); goal >= liveNow*16/10 {
		t.Errorf("heap goal %d MiB with %d MiB live under the default soft limit %d MiB; want below 1.6 times the live heap",
			goal>>20, liveNow>>20, limit>>20)
	}
	runtime.KeepAlive(live)
}

// The limit leaves the heap its headroom on top of what the runtime holds
// beside it: here 64 MiB of goroutine stacks, which a limit of 1.5 times
// the live heap alone would take out of the heap's goal, leaving the
// collector to run without pause.
func TestLimitLeavesTheHeapItsHeadroom(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 62))
	live := make([][]byte, 96)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	release := make(chan struct{})
	var deep, done sync.WaitGroup
	for range 128 {
		deep.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			deepStack(100, &deep, release)
		}()
	}
	deep.Wait()
	defer done.Wait()
	defer close(release)
	liveNow := settledLiveHeap()
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	stacks := int64(s[0].Value.Uint64())
	if stacks < 48<<20 {
		t.Fatalf("goroutine stacks hold %d MiB; the test needs 48 MiB or more", stacks>>20)
	}
	stop := followLiveHeap(32<<20, 10*time.Millisecond)
	defer stop()
	if goal, limit := awaitHeapGoal(liveNow * 14 / 10); goal < liveNow*14/10 {
		t.Errorf("heap goal %d MiB with %d MiB live and %d MiB of stacks, under a soft limit of %d MiB; want at least 1.4 times the live heap",
			goal>>20, liveNow>>20, stacks>>20, limit>>20)
	}
	runtime.KeepAlive(live)
}

// deepStack grows its goroutine's stack by depth frames of 4 KiB, says
// so to deep, then waits for release.
func deepStack(depth int, deep *sync.WaitGroup, release <-chan struct{}) byte {
	var frame [4096]byte
	if depth == 0 {
		deep.Done()
		<-release
		return frame[0]
	}
	frame[depth%len(frame)] = byte(depth)
	return frame[(depth+1)%len(frame)] + deepStack(depth-1, deep, release)
}

// settledLiveHeap collects, returns the heap's free memory to the system
// (what earlier tests freed would otherwise count against a soft limit
// until the scavenger returns it) and reports the live heap.
func settledLiveHeap() int64 {
	debug.FreeOSMemory()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// awaitHeapGoal waits, at most 10 s, for a soft limit to be set and the
// collector's heap goal to reach want, and returns the last goal and
// limit it saw.
func awaitHeapGoal(want int64) (goal, limit int64) {
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		limit = debug.SetMemoryLimit(-1)
		metrics.Read(s)
		goal = int64(s[0].Value.Uint64())
		if limit < 1<<40 && goal >= want || time.Now().After(deadline) {
			return goal, limit
		}
	}
}
