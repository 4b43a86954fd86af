package chaos

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer/estest"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// Result is one fault's outcome, a row of the table.
type Result struct {
	Fault string
	Count
	Took time.Duration
	// Notes are the fault's measurements: retry intervals, memory,
	// throughput.
	Notes []string
	Err   error
}

// Options size the suite.
type Options struct {
	// Articles per fault.
	Articles int
	// Outage is how long Elasticsearch is down in the outage fault.
	Outage time.Duration
	// Settle bounds the wait for a batch to be indexed or dead-lettered.
	Settle time.Duration
	// PoisonPairs is how many pairs of rounds (control, poison) the
	// poison fault runs, PoisonArticles the articles per round and
	// PoisonRate the articles published per second (0: at once).
	PoisonPairs, PoisonArticles int
	PoisonRate                  float64
}

func (r *Result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func batch(tag string, n int) []*schema.RawArticle {
	arts := make([]*schema.RawArticle, n)
	for i := range arts {
		arts[i] = Article(tag, i)
	}
	return arts
}

// publishAsync publishes arts at rate in the background.
func publishAsync(ctx context.Context, e *Env, arts []*schema.RawArticle, rate float64) func() ([]string, error) {
	var ids []string
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		ids, err = Publish(ctx, e.Pub, arts, rate)
	}()
	return func() ([]string, error) { <-done; return ids, err }
}

// waitProgress waits until stage name has acknowledged n more messages
// than base.
func waitProgress(ctx context.Context, e *Env, name string, base, n uint64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		got, err := Progress(ctx, e.JS, name)
		if err == nil && got >= base+n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s acknowledged %d of %d within %s", name, got-base, n, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// memSampler samples a service's RSS until stopped.
type memSampler struct {
	mu         sync.Mutex
	first, max int64
	stop       chan struct{}
	done       chan struct{}
}

func sampleRSS(p *Proc, every time.Duration) *memSampler {
	m := &memSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if rss, err := RSS(p.Pid()); err == nil {
				m.mu.Lock()
				if m.first == 0 {
					m.first = rss
				}
				m.max = max(m.max, rss)
				m.mu.Unlock()
			}
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memSampler) end() (first, peak int64) {
	close(m.stop)
	<-m.done
	return m.first, m.max
}

// Baseline sends a batch with no fault and measures throughput.
func Baseline(ctx context.Context, e *Env, o Options) Result {
	r := Result{Fault: "none (baseline)"}
	start := time.Now()
	ids, err := Publish(ctx, e.Pub, batch("baseline", o.Articles), 0)
	if err != nil {
		r.Err = err
		return r
	}
	r.Count, r.Err = e.Ledger.Settle(ctx, ids, o.Settle)
	r.Took = time.Since(start)
	r.note("throughput %.0f articles/s end to end", float64(r.Indexed)/r.Took.Seconds())
	return r
}

// KillNine kills service name with SIGKILL once it has handled a quarter
// of a batch, and starts it again a second later.
func KillNine(ctx context.Context, e *Env, name string, o Options) Result {
	r := Result{Fault: "kill -9 " + name}
	start := time.Now()
	base, err := Progress(ctx, e.JS, name)
	if err != nil {
		r.Err = err
		return r
	}
	wait := publishAsync(ctx, e, batch("kill-"+name, o.Articles), 200)
	if err := waitProgress(ctx, e, name, base, uint64(o.Articles/4), o.Settle); err != nil {
		r.Err = err
		wait()
		return r
	}
	killedAt := killAndRestart(ctx, e, name, &r, func() {})
	settleBatch(ctx, e, o, wait, start, &r)
	r.note("killed after %d acks of %d; restarted 1s later", killedAt-base, o.Articles)
	return r
}

// killAndRestart kills service name with SIGKILL, calls down while it is
// down, starts it again a second later, and returns how many messages it
// had acknowledged. Errors go to r.
func killAndRestart(ctx context.Context, e *Env, name string, r *Result, down func()) uint64 {
	if err := e.Kill9(name); err != nil {
		r.Err = err
	}
	killedAt, _ := Progress(ctx, e.JS, name)
	down()
	time.Sleep(time.Second)
	if err := e.Start(ctx, name); err != nil {
		r.Err = err
	}
	return killedAt
}

// settleBatch waits until the batch wait publishes is published, then
// until its articles are indexed or dead-lettered, and counts them in r.
func settleBatch(ctx context.Context, e *Env, o Options, wait func() ([]string, error), start time.Time, r *Result) {
	ids, err := wait()
	if err != nil {
		r.Err = err
		return
	}
	c, err := e.Ledger.Settle(ctx, ids, o.Settle)
	r.Count, r.Took = c, time.Since(start)
	if r.Err == nil {
		r.Err = err
	}
}

// ElasticRejects answers half the bulk items (by id) with 429 on their
// first eight attempts, and measures the intervals between the attempts
// on each item.
func ElasticRejects(ctx context.Context, e *Env, o Options) Result {
	r := Result{Fault: "ES 429 on half the items"}
	arts := batch("es429", o.Articles)
	want := map[string]bool{}
	for _, a := range arts {
		want[intake.ArticleID(a)] = true
	}
	var mu sync.Mutex
	attempts := map[string][]time.Time{}
	e.ES.SetFaults(estest.Faults{FailItem: func(_, id string, _ []byte) *estest.ItemError {
		if !want[id] {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		attempts[id] = append(attempts[id], time.Now())
		if hash64(id)%2 == 0 && len(attempts[id]) <= 8 {
			return &estest.ItemError{Status: 429, Type: "es_rejected_execution_exception", Reason: "rejected execution (chaos)"}
		}
		return nil
	}})
	defer e.ES.SetFaults(estest.Faults{})
	mem := sampleRSS(e.Procs[stage.NameIndex], 250*time.Millisecond)
	start := time.Now()
	ids, err := Publish(ctx, e.Pub, arts, 0)
	if err != nil {
		r.Err = err
		return r
	}
	r.Count, r.Err = e.Ledger.Settle(ctx, ids, o.Settle)
	r.Took = time.Since(start)
	first, peak := mem.end()
	mu.Lock()
	defer mu.Unlock()
	r.Notes = append(r.Notes, retryNote(attempts)...)
	r.note("indexer RSS %s at start, peak %s", mib(first), mib(peak))
	return r
}

// retryNote summarises the gaps between the attempts on each item, by
// attempt number: backoff shows as growing medians.
func retryNote(attempts map[string][]time.Time) []string {
	var byN [][]time.Duration
	retried := 0
	for _, ts := range attempts {
		gaps := Gaps(ts)
		if len(gaps) > 0 {
			retried++
		}
		for i, g := range gaps {
			for len(byN) <= i {
				byN = append(byN, nil)
			}
			byN[i] = append(byN[i], g)
		}
	}
	var parts []string
	for i, gs := range byN {
		if i >= 8 {
			break
		}
		parts = append(parts, fmt.Sprintf("#%d→#%d %s (n=%d)", i+1, i+2, Median(gs).Round(time.Millisecond), len(gs)))
	}
	return []string{fmt.Sprintf("%d items retried; median gap between attempts: %s", retried, strings.Join(parts, ", "))}
}

// burstsFor is how long ElasticBursts keeps injecting faults.
const burstsFor = 60 * time.Second

// ElasticBursts injects bursts of whole-request 503s and 503 items.
func ElasticBursts(ctx context.Context, e *Env, o Options) Result {
	r := Result{Fault: "ES 5xx bursts"}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	bursts := 0
	go func() {
		defer wg.Done()
		for {
			bursts++
			e.ES.SetFaults(estest.Faults{FailRequests: 3, Item5xx: 0.5})
			select {
			case <-stop:
				e.ES.SetFaults(estest.Faults{})
				return
			case <-time.After(2 * time.Second):
			}
			e.ES.SetFaults(estest.Faults{})
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
		}
	}()
	mem := sampleRSS(e.Procs[stage.NameIndex], 250*time.Millisecond)
	start := time.Now()
	before := e.ES.Stats()
	ids, err := Publish(ctx, e.Pub, batch("es5xx", o.Articles), 40)
	// The bursts last burstsFor (or until everything is in, if sooner);
	// then every article must arrive within the settle window. During
	// the bursts nearly every bulk request fails, so an article may wait
	// out several capped backoffs: late is not lost.
	if err == nil {
		// Not all in yet is no verdict: they must come once the bursts
		// stop, which the Settle below judges.
		_, _ = e.Ledger.Reached(ctx, ids, burstsFor)
	}
	close(stop)
	wg.Wait()
	stopped := time.Now()
	if err == nil {
		r.Count, err = e.Ledger.Settle(ctx, ids, o.Settle)
	}
	r.Err = err
	r.Took = time.Since(start)
	r.note("bursts for %s; every article in %s after they stopped", stopped.Sub(start).Round(100*time.Millisecond), time.Since(stopped).Round(100*time.Millisecond))
	first, peak := mem.end()
	after := e.ES.Stats()
	r.note("%d bursts (3 bulk requests failed whole + half the items 503 for 2s, then 1s calm); %d items rejected in %d bulk requests",
		bursts, after.Rejected-before.Rejected, after.BulkRequests-before.BulkRequests)
	r.note("indexer RSS %s at start, peak %s", mib(first), mib(peak))
	return r
}

// ElasticOutage takes Elasticsearch away for o.Outage while a batch flows,
// and measures the intervals between the indexer's attempts meanwhile.
func ElasticOutage(ctx context.Context, e *Env, o Options) Result {
	r := Result{Fault: fmt.Sprintf("ES outage %s", o.Outage)}
	mem := sampleRSS(e.Procs[stage.NameIndex], 500*time.Millisecond)
	start := time.Now()
	wait := publishAsync(ctx, e, batch("outage", o.Articles), 50)
	time.Sleep(time.Second)
	e.Gate.SetDown(true)
	downAt := time.Now()
	time.Sleep(o.Outage)
	e.Gate.SetDown(false)
	upAt := time.Now()
	ids, err := wait()
	if err != nil {
		r.Err = err
		return r
	}
	r.Count, r.Err = e.Ledger.Settle(ctx, ids, o.Settle+o.Outage)
	r.Took = time.Since(start)
	first, peak := mem.end()
	var refused []time.Time
	var firstOK time.Time
	for _, q := range e.Gate.Requests(downAt) {
		if q.Refused {
			refused = append(refused, q.At)
		} else if firstOK.IsZero() && q.At.After(upAt) {
			firstOK = q.At
		}
	}
	gaps := Gaps(refused)
	r.note("%d requests refused during the outage; gaps between them: first %s, median %s, last %s, max %s",
		len(refused), pick(gaps, 0), Median(gaps).Round(time.Millisecond), pick(gaps, len(gaps)-1), slices.Max(append(gaps, 0)).Round(time.Millisecond))
	if !firstOK.IsZero() {
		r.note("first request answered %s after Elasticsearch came back", firstOK.Sub(upAt).Round(time.Millisecond))
	}
	r.note("indexer RSS %s at start, peak %s", mib(first), mib(peak))
	return r
}

func pick(ds []time.Duration, i int) time.Duration {
	if i < 0 || i >= len(ds) {
		return 0
	}
	return ds[i].Round(time.Millisecond)
}

// ElasticSlow delays every answer.
func ElasticSlow(ctx context.Context, e *Env, o Options) Result {
	r := Result{Fault: "ES slow (3s per response)"}
	e.ES.SetFaults(estest.Faults{Delay: 3 * time.Second})
	defer e.ES.SetFaults(estest.Faults{})
	mem := sampleRSS(e.Procs[stage.NameIndex], 250*time.Millisecond)
	start := time.Now()
	ids, err := Publish(ctx, e.Pub, batch("slow", o.Articles), 0)
	if err != nil {
		r.Err = err
		return r
	}
	r.Count, r.Err = e.Ledger.Settle(ctx, ids, o.Settle)
	r.Took = time.Since(start)
	first, peak := mem.end()
	r.note("throughput %.0f articles/s; indexer RSS %s at start, peak %s", float64(r.Indexed)/r.Took.Seconds(), mib(first), mib(peak))
	return r
}

func mib(b int64) string { return fmt.Sprintf("%.0fMiB", float64(b)/(1<<20)) }

// Cluster kills NATS nodes of a three-node cluster mid-run: first any
// node (then starts it again), then the leader of ARTICLES_RAW.
func Cluster(ctx context.Context, e *Env, o Options) []Result {
	var out []Result
	for _, leader := range []bool{false, true} {
		r := Result{Fault: "NATS cluster: kill a node"}
		tag := "cluster-node"
		if !leader {
			r.Notes = append(r.Notes, replicaNote(ctx, e))
		}
		if leader {
			r.Fault, tag = "NATS cluster: kill the stream leader", "cluster-leader"
		}
		start := time.Now()
		base, err := Progress(ctx, e.JS, stage.NameIngest)
		if err != nil {
			r.Err = err
			out = append(out, r)
			continue
		}
		wait := publishAsync(ctx, e, batch(tag, o.Articles), 100)
		err = waitProgress(ctx, e, stage.NameIngest, base, uint64(o.Articles/4), o.Settle)
		victim := 2
		if leader {
			victim, err = e.NATS.StreamLeader(ctx, e.JS, stage.StreamRaw)
		}
		if err == nil {
			name := e.NATS.Nodes()[victim].Name()
			e.NATS.Kill(victim)
			r.note("killed %s (%d of 3)", name, victim+1)
		}
		ids, perr := wait()
		if err == nil {
			err = perr
		}
		if err == nil {
			r.Count, err = e.Ledger.Settle(ctx, ids, o.Settle)
		}
		if err == nil && leader {
			nl, lerr := e.NATS.StreamLeader(ctx, e.JS, stage.StreamRaw)
			if lerr == nil {
				r.note("new leader of %s: %s", stage.StreamRaw, e.NATS.Nodes()[nl].Name())
			}
		}
		if rerr := e.NATS.Restart(victim); rerr != nil && err == nil {
			err = rerr
		}
		r.Err, r.Took = err, time.Since(start)
		out = append(out, r)
	}
	return out
}

// Backpressure floods HTTP intake with HTML articles (about 10 KiB raw, a
// tenth of that once cleaned) on streams capped at maxBytes, with every
// stage's backlog limited to maxBacklog, while Elasticsearch is down: the
// indexer holds its articles, and its full backlog stops stories, enrich,
// dedupe and ingest in turn until the intake refuses. A pipeline that
// keeps up with the sender would otherwise never refuse, so the fault
// would depend on how busy the machine is. The sender honours Retry-After
// and stops once the intake has refused for 3 rounds in a row without
// progress; then Elasticsearch comes back. Every accepted article must be
// indexed, every refusal must carry Retry-After, and no stream may exceed
// its cap.
func Backpressure(ctx context.Context, e *Env, o Options, maxBytes int64, maxBacklog int) Result {
	r := Result{Fault: "backpressure (HTTP intake, small streams)"}
	start := time.Now()
	client := &http.Client{Timeout: 30 * time.Second}
	url := "http://" + e.HTTP[stage.NameIngest] + intake.Path
	// Enough to overflow the cap twice over (each article is ~10 KiB),
	// and twice what the stages' backlogs hold together.
	n := max(3*o.Articles, int(2*maxBytes/(10<<10)), 2*len(Services)*maxBacklog)
	e.Gate.SetDown(true)
	heldDown := true
	defer func() {
		if heldDown {
			e.Gate.SetDown(false)
		}
	}()
	var accepted []string
	refusals, noRetryAfter, stalls := 0, 0, 0
	var firstRefusal string
	var peak int64
	next := 0
	for next < n && stalls < 3 {
		end := min(next+50, n)
		var body strings.Builder
		for i := next; i < end; i++ {
			body.Write(HTMLArticleJSON("bp", i))
			body.WriteByte('\n')
		}
		resp, err := client.Post(url, "application/x-ndjson", strings.NewReader(body.String()))
		if err != nil {
			r.Err = err
			break
		}
		var res intake.Response
		derr := decodeJSON(resp, &res)
		switch resp.StatusCode {
		case http.StatusAccepted:
			stalls = 0
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			refusals++
			if firstRefusal == "" {
				firstRefusal = res.Error
			}
			if resp.Header.Get("Retry-After") == "" {
				noRetryAfter++
			}
			if res.Accepted == 0 {
				stalls++
			} else {
				stalls = 0
			}
		default:
			r.Err = fmt.Errorf("intake answered %s (%v)", resp.Status, derr)
		}
		if r.Err != nil {
			break
		}
		for _, lr := range res.Results {
			if lr.ID != "" {
				accepted = append(accepted, lr.ID)
			}
		}
		next += res.Accepted
		for _, name := range []string{stage.StreamRaw, stage.StreamCleaned, stage.StreamDeduped, stage.StreamEnriched, stage.StreamStoried} {
			if s, err := e.JS.Stream(ctx, name); err == nil {
				if info, err := s.Info(ctx); err == nil {
					peak = max(peak, int64(info.State.Bytes))
				}
			}
		}
		if resp.StatusCode != http.StatusAccepted {
			ra := 1 * time.Second
			select {
			case <-ctx.Done():
				r.Err = ctx.Err()
			case <-time.After(ra):
			}
		}
	}
	e.Gate.SetDown(false)
	heldDown = false
	upAt := time.Since(start)
	c, err := e.Ledger.Settle(ctx, accepted, o.Settle)
	r.Count, r.Took = c, time.Since(start)
	if r.Err == nil {
		r.Err = err
	}
	if refusals == 0 && r.Err == nil {
		r.Err = fmt.Errorf("intake never refused: %d articles went in with Elasticsearch down and every backlog limited to %d, so the backlogs did not reach the intake", len(accepted), maxBacklog)
	}
	if noRetryAfter > 0 && r.Err == nil {
		r.Err = fmt.Errorf("%d refusals without Retry-After", noRetryAfter)
	}
	if peak > maxBytes && r.Err == nil {
		r.Err = fmt.Errorf("a stream held %d bytes, over its %d cap", peak, maxBytes)
	}
	r.note("Elasticsearch down for the first %s: offered %d, accepted %d, refused %d times with 503 + Retry-After (first: %s); largest stream %s of its %s cap",
		upAt.Round(100*time.Millisecond), n, len(accepted), refusals, clip(firstRefusal, 160), mib(peak), mib(maxBytes))
	// With limits retention a stream keeps consumed messages, so it stays
	// full after the pipeline is idle: probe once more.
	resp, err := client.Post(url, "application/json", strings.NewReader(string(HTMLArticleJSON("bp-after", 0))))
	if err == nil {
		resp.Body.Close()
		r.note("after the pipeline went idle, one more article: %s (Retry-After %q)", resp.Status, resp.Header.Get("Retry-After"))
	}
	return r
}

func decodeJSON(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return jsonDecode(resp.Body, v)
}

// replicaNote says how many replicas the streams and KV buckets have.
func replicaNote(ctx context.Context, e *Env) string {
	var parts []string
	lister := e.JS.ListStreams(ctx)
	for info := range lister.Info() {
		parts = append(parts, fmt.Sprintf("%s=R%d", info.Config.Name, info.Config.Replicas))
	}
	slices.Sort(parts)
	return "replicas: " + strings.Join(parts, " ")
}

// StoriesStateBucket and StoriesStateInterval are the stories stage's
// state snapshot settings in the single-server pipeline: a snapshot
// every second, so that one is written in the middle of a batch.
const (
	StoriesStateBucket   = "STORIES_STATE"
	StoriesStateInterval = time.Second
)

// KillAfterSnapshot kills the stories stage with SIGKILL once it has
// written a state snapshot in the middle of a batch and appended to its
// story log since, and starts it again a second later: the restarted
// process loads the snapshot and replays only the log after it
// (newsflow_stories_state_loaded_sequence says which snapshot it
// loaded). It publishes at 50 articles/s, so the batch outlasts a few
// snapshot intervals.
func KillAfterSnapshot(ctx context.Context, e *Env, o Options) Result {
	r := Result{Fault: "kill -9 stories after a state snapshot"}
	start := time.Now()
	name := stage.NameStories
	store, err := e.JS.ObjectStore(ctx, StoriesStateBucket)
	if err != nil {
		r.Err = fmt.Errorf("state snapshot store: %w", err)
		return r
	}
	before := snapshotSeq(ctx, store)
	base, err := Progress(ctx, e.JS, name)
	if err != nil {
		r.Err = err
		return r
	}
	wait := publishAsync(ctx, e, batch("snapshot-kill-"+name, o.Articles), 50)
	snap, logSeq, err := waitSnapshotAndTail(ctx, e, store, before, o.Settle)
	if err != nil {
		r.Err = err
		wait()
		return r
	}
	killedAt := killAndRestart(ctx, e, name, &r, func() {
		// stories alone appends to its log: it ends here until the restart
		if info, err := e.JS.Stream(ctx, storyLogStream); err == nil {
			logSeq = info.CachedInfo().State.LastSeq
		}
	})
	loaded, err := metricValue(ctx, e.HTTP[name], "newsflow_stories_state_loaded_sequence")
	switch {
	case err != nil:
		r.Err = err
	case uint64(loaded) < snap || uint64(loaded) >= logSeq:
		r.Err = fmt.Errorf("the restarted stories stage loaded the snapshot at #%d; want one from #%d, before the log's end #%d", uint64(loaded), snap, logSeq)
	}
	settleBatch(ctx, e, o, wait, start, &r)
	r.note("snapshot at story log #%d written mid-batch; killed after %d acks of %d, the log at #%d; restarted 1s later, loaded the snapshot at #%d and replayed #%d-#%d",
		snap, killedAt-base, o.Articles, logSeq, uint64(loaded), uint64(loaded)+1, logSeq)
	return r
}

// storyLogStream is the stories stage's story log (its default name).
const storyLogStream = "STORIES_LOG"

// snapshotSeq is the story log sequence of the stored state snapshot (0:
// none).
func snapshotSeq(ctx context.Context, store jetstream.ObjectStore) uint64 {
	info, err := store.GetInfo(ctx, "state")
	if err != nil {
		return 0
	}
	seq, _ := strconv.ParseUint(info.Metadata["seq"], 10, 64)
	return seq
}

// waitSnapshotAndTail waits until a state snapshot newer than #before is
// stored and the story log has grown past it; it returns the snapshot's
// sequence and the log's.
func waitSnapshotAndTail(ctx context.Context, e *Env, store jetstream.ObjectStore, before uint64, timeout time.Duration) (snap, last uint64, err error) {
	deadline := time.Now().Add(timeout)
	for {
		snap = snapshotSeq(ctx, store)
		if snap > before {
			if info, err := e.JS.Stream(ctx, storyLogStream); err == nil {
				if last = info.CachedInfo().State.LastSeq; last > snap {
					return snap, last, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("no state snapshot after #%d with story log events after it within %s (stored: #%d)", before, timeout, snap)
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// metricValue reads one unlabelled metric from a service's /metrics.
func metricValue(ctx context.Context, addr, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("%s has no metric %s", addr, name)
}
