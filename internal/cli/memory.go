package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/newsflow/newsflow/pkg/stage"
)

// memoryReport is what a run's summary says of its memory: the peak
// resident set (0 where the system does not say), the heap the last
// collection found live, the soft limit in force, and the collector's
// share of the process's CPU time.
type memoryReport struct {
	peakRSS, liveHeap, limit int64
	gcShare                  float64
}

func readMemory() memoryReport {
	s := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/cpu/classes/total:cpu-seconds"},
	}
	metrics.Read(s)
	r := memoryReport{peakRSS: peakRSS(), limit: debug.SetMemoryLimit(-1)}
	if s[0].Value.Kind() == metrics.KindUint64 {
		r.liveHeap = int64(s[0].Value.Uint64())
	}
	if s[1].Value.Kind() == metrics.KindFloat64 && s[2].Value.Kind() == metrics.KindFloat64 && s[2].Value.Float64() > 0 {
		r.gcShare = s[1].Value.Float64() / s[2].Value.Float64()
	}
	return r
}

func (r memoryReport) print(w io.Writer) {
	fmt.Fprintf(w, "\nmemory: ")
	if r.peakRSS > 0 {
		fmt.Fprintf(w, "peak RSS %d MiB, ", r.peakRSS>>20)
	}
	limit := "none"
	if r.limit != math.MaxInt64 {
		// A limit that follows the live heap is rarely a whole MiB.
		limit = stage.ByteSize((r.limit + 1<<19) &^ (1<<20 - 1)).String()
	}
	fmt.Fprintf(w, "live heap %d MiB after the last collection, soft limit %s, collector %.0f%% of the CPU\n",
		r.liveHeap>>20, limit, 100*r.gcShare)
}

// defaultMemoryFloor is the least soft memory limit newsflow run keeps
// when no limit is set (see followLiveHeap). Once started, newsflow run
// holds about 60 MiB live whatever it processes (the gazetteer, the
// tagger, the NATS server), so the limit follows the live heap from the
// start: 1.5 times 60 MiB is above the floor. The floor only matters
// before the first reading, while the models load, where it keeps the
// collector from running without pause. At 128 MiB it let the quick
// start's heap double its live set (176-182 MiB resident against
// 150-153 MiB at 64; the collector's share of that short run 9 % against
// 16-18 %).
const defaultMemoryFloor = 64 << 20

// maxHeadroom is the most the soft limit newsflow run keeps when no limit
// is set lets the heap grow beyond what is live (see followLiveHeap). A
// run's live heap grows with its stories, its search index's merges and
// its streams' buffers (about 350 MiB after 100,000 articles), and half
// as much again on top of that was the largest part of its resident
// memory beyond the live data; above 256 MiB live the headroom stays at
// this, so the collector runs as GOGC=maxHeadroom/live would make it
// (37 at 350 MiB live) instead of 50.
const maxHeadroom = 128 << 20

// smallLiveHeap is the live heap below which newsflow run's heap may grow
// by half what is live, and no more (see headroom). newsflow run holds
// 45-60 MiB live once its models are loaded and the quick start's few
// articles never take it higher; a run that holds more holds state that
// grows with its input (stories, the search index's columns and
// segments), and works long enough for the collector's pace to matter.
const smallLiveHeap = 80 << 20

// heapBudget is the heap within which a run past smallLiveHeap may grow
// by as much as is live, as the collector's default (GOGC=100) lets it.
// The benchmark corpus's heap peaked at 250-260 MiB with half its live
// heap as headroom (1.5 times 150-190 MiB at its end), so its peak
// resident set (the heap plus about 90 MiB of mapped binary, stacks and
// runtime memory) stays about 350 MiB, under issue 17's 400.
const heapBudget = 256 << 20

// headroom is how far the soft limit lets the heap grow beyond a live
// heap: half of it while it is small; then as much as is live while the
// heap stays within heapBudget, at least half of it beyond; never more
// than maxHeadroom.
func headroom(live int64) int64 {
	h := live / 2
	if live >= smallLiveHeap {
		h = max(h, min(live, heapBudget-live))
	}
	return min(h, maxHeadroom)
}

// followLiveHeap is newsflow run's memory limit when neither
// NEWSFLOW_MEMORY_LIMIT nor GOMEMLIMIT sets one. The collector's default
// lets the heap grow to twice what is live, which is most of a run's
// resident memory; a fixed limit instead would make the collector run
// without pause once the live heap nears it (a long run's indexes grow).
// So every interval it sets the soft limit to the live heap and its
// headroom (see headroom), never below floor, plus what the runtime holds
// beside the heap (goroutine stacks, its metadata, its other memory): the
// soft limit counts all of it, and a limit of the heap's allowance alone
// left the heap's goal a few per cent above what is live, so the
// collector ran almost without pause; all of it stays within
// memoryBudget while the live heap leaves minHeadroom below that
// (softLimit). The heap stays within 1.5 times what is live, or within
// heapBudget when that is more (twice it below floor/2), and the
// collector never works more than GOGC=50 would make it below 256 MiB
// live, nor more than GOGC=12 would above memoryBudget. It runs until the
// returned stop is called, which waits for it and puts back the limit it
// found.
func followLiveHeap(floor int64, every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	before := debug.SetMemoryLimit(-1)
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		collected := afterEachCollection(ctx)
		s := []metrics.Sample{
			{Name: "/gc/heap/live:bytes"},
			{Name: "/memory/classes/total:bytes"},
			{Name: "/memory/classes/heap/released:bytes"},
			{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/memory/classes/heap/unused:bytes"},
			{Name: "/memory/classes/heap/free:bytes"},
		}
		for {
			metrics.Read(s)
			v := func(i int) int64 { return int64(s[i].Value.Uint64()) }
			// total - released is what the limit counts; objects, unused
			// and free are the heap's part of it.
			besideHeap := v(1) - v(2) - v(3) - v(4) - v(5)
			debug.SetMemoryLimit(softLimit(v(0), besideHeap, floor))
			if !awaitReading(ctx, t.C, collected, s[:1]) {
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
		debug.SetMemoryLimit(before)
	}
}

// awaitReading waits for the next tick, or for a collection that left at
// least smallLiveHeap live (read into live), and reports false when ctx
// ends first. Past smallLiveHeap the live heap grows with the run's state
// (stories, the search index), and a limit read once a second lagged it:
// the heap's goal came within a few MiB of what was live and the collector
// ran every few hundred milliseconds (run --once over BBC + variants: 84-113
// collections, against about 55 when the limit follows every collection).
// Below it, a small run (the quick start) keeps to the ticker: it is over
// within about a second at the floor's limit, and a limit that followed
// its collections let its resident set grow by 5-10 MiB.
func awaitReading(ctx context.Context, tick <-chan time.Time, collected <-chan struct{}, live []metrics.Sample) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-tick:
			return true
		case <-collected:
			metrics.Read(live)
			if int64(live[0].Value.Uint64()) >= smallLiveHeap {
				return true
			}
		}
	}
}

// afterEachCollection signals on the returned channel (without blocking:
// one signal waits at most) when a collection has ended, until ctx ends:
// the live heap the runtime reports changes only then. The signal comes
// from a finalizer: the sentinel is unreachable after every collection,
// and its finalizer sets itself again until ctx ends.
func afterEachCollection(ctx context.Context) <-chan struct{} {
	c := make(chan struct{}, 1)
	var arm func(*gcSentinel)
	arm = func(s *gcSentinel) {
		if ctx.Err() != nil {
			return
		}
		select {
		case c <- struct{}{}:
		default:
		}
		runtime.SetFinalizer(s, arm)
	}
	runtime.SetFinalizer(&gcSentinel{}, arm)
	return c
}

// gcSentinel is afterEachCollection's finalized object: it holds a
// pointer so that it is never one of the runtime's tiny allocations,
// which share a block and are not finalized one by one.
type gcSentinel struct{ _ *byte }

// headroomLimit is the soft limit for a live heap: the live heap and its
// headroom, at least floor.
func headroomLimit(live, floor int64) int64 {
	return max(floor, live+headroom(live))
}

// memoryBudget is the most newsflow run's soft limit asks for, what the
// runtime holds beside the heap counted in, while the live heap leaves
// room for minHeadroom below it (see softLimit). Over make load's
// articles the live heap swings by 100 MiB and more within a minute
// (the NATS server's blocks that consumers read back for 10 s after a
// block fills, up to 40 MiB at 200 articles a second; Bleve's batches
// being analysed; the stories at their bound), and a limit that gave
// each swing its 128 MiB of headroom took the soft limit to 525 MiB and
// the resident set to 634 MiB within 25,000 articles on a quiet machine.
// Within this budget the Go memory, dedupe's Pebble memory in C (at most
// 32 MiB, pipeline.EmbeddedDedupeCacheMiB) and the mapped binary and
// index segments (60-110 MiB) stay within about 600 MiB. The benchmark
// corpus (150-190 MiB live: a limit of at most 256 MiB and the runtime's
// memory) and the quick start stay below it, so their limits do not
// change.
const memoryBudget = 432 << 20

// minHeadroom is the least headroom memoryBudget leaves the heap: an
// eighth of what is live, as GOGC=12 would, so that a live heap that
// passes the budget is collected harder, not without pause.
func minHeadroom(live int64) int64 { return live / 8 }

// softLimit is newsflow run's soft limit for a live heap when the runtime
// holds beside bytes beside the heap: the live heap, its headroom and
// beside, at least floor (headroomLimit), and no more than memoryBudget
// unless the live heap and minHeadroom need more.
func softLimit(live, beside, floor int64) int64 {
	l := headroomLimit(live, floor) + beside
	if l <= memoryBudget {
		return l
	}
	return max(memoryBudget, live+minHeadroom(live)+beside)
}
