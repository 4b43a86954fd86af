package dedupe

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

// TestSoak pushes NEWSFLOW_DEDUPE_SOAK distinct articles through the
// dedupe service, run as its own process (cmd/dedupe) on an embedded
// NATS server over loopback, with the default 14-day window and its
// local band index in a temporary NEWSFLOW_DEDUPE_INDEX_DIR, and reports
// the process's resident memory over time, latency, and the copies it
// flagged against the copies planted. It is a measurement, run by `make
// soak`:
//
//	NEWSFLOW_DEDUPE_SOAK=1000000 go test -run TestSoak -v -timeout 2h .
//
// Articles are generated (Zipf vocabulary, as TestLoad's) and distinct;
// one in 20 is a planted copy (the whole text under a new headline with a
// furniture line, or its first 40 %) of an earlier original drawn from
// anywhere in the run so far (a reservoir of 20,000), so copies of the
// oldest articles in the window are looked for too. With
// NEWSFLOW_DEDUPE_SOAK_ORIGINALS (a folder of .txt originals laid out like
// the BBC corpus) and NEWSFLOW_DEDUPE_SOAK_VARIANTS (JSON lines of {id,
// source_id, kind, text}), real text is mixed in: the originals spread over
// the first 60 % of the run, their variants over the last 40 %, each
// variant a planted copy. NEWSFLOW_DEDUPE_SOAK_INFLIGHT (default 32)
// bounds the articles published and not yet answered;
// NEWSFLOW_DEDUPE_SOAK_REPLICAS (default 1) runs that many replicas of the
// service, each with its own index, sharing the articles (the log line
// then gives each one's memory, "/" between them; the CPU is theirs
// together, and the first is the one restarted at the end);
// NEWSFLOW_DEDUPE_SOAK_CGO=1 builds the service with cgo (the images are
// built without);
// NEWSFLOW_DEDUPE_SOAK_CPUPROFILE=file writes 20-second CPU profiles of
// the service to file-start, from a tenth of the run, and file-end, from
// nine tenths (what grows with the window is their difference, per
// article). After the run,
// NEWSFLOW_DEDUPE_SOAK_PACED (default 1,000; 0: none) more distinct
// articles are sent one at a time, each once the previous is answered,
// for the latency of one article at the full window (those of the run
// are its queue of inflight). The last line is
//
//	articles=N seconds=S peak_rss_mib=M planted=P found=F
//
// with F the planted copies the service flagged as copies (duplicate_of
// set, by its first decision or a later merge).
func TestSoak(t *testing.T) {
	n := envInt(t, "NEWSFLOW_DEDUPE_SOAK", 0)
	if n == 0 {
		t.Skip("soak measurement: set NEWSFLOW_DEDUPE_SOAK=1000000 to run it (make soak)")
	}
	inflight := envInt(t, "NEWSFLOW_DEDUPE_SOAK_INFLIGHT", 32)
	replicas := envInt(t, "NEWSFLOW_DEDUPE_SOAK_REPLICAS", 1)
	if replicas < 1 {
		t.Fatalf("NEWSFLOW_DEDUPE_SOAK_REPLICAS=%d: at least 1", replicas)
	}
	real := loadSoakText(t, os.Getenv("NEWSFLOW_DEDUPE_SOAK_ORIGINALS"), os.Getenv("NEWSFLOW_DEDUPE_SOAK_VARIANTS"))
	plan := planSoak(n, real)

	srv := natstest.Server(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "dedupe")
	// Built as the images are (Dockerfile: CGO_ENABLED=0), where Pebble's
	// cache and memtables are Go allocations; NEWSFLOW_DEDUPE_SOAK_CGO=1
	// builds with cgo, where they are C's (malloc_cgo.go).
	cgo := envInt(t, "NEWSFLOW_DEDUPE_SOAK_CGO", 0)
	if cgo != 0 && cgo != 1 {
		t.Fatalf("NEWSFLOW_DEDUPE_SOAK_CGO=%d: 0 or 1", cgo)
	}
	build := exec.Command("go", "build", "-o", bin, "./cmd/dedupe")
	build.Env = append(os.Environ(), fmt.Sprint("CGO_ENABLED=", cgo))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build cmd/dedupe: %v\n%s", err, out)
	}
	var environ []string // the soak's own variables are no setting of the service
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NEWSFLOW_DEDUPE_SOAK") {
			environ = append(environ, kv)
		}
	}
	environ = append(environ, "NEWSFLOW_NATS_URL="+srv.ClientURL(), "NEWSFLOW_LOG_LEVEL=warn", "NEWSFLOW_PPROF=true",
		// No stage reads articles.deduped here (the driver reads every
		// output with a consumer of its own), so the service's
		// backpressure would hold its output once the unread messages
		// filled half the stream's size cap, or reached
		// NEWSFLOW_MAX_BACKLOG (100,000): both are off.
		"NEWSFLOW_STREAM_MAX_BYTES=-1", "NEWSFLOW_MAX_BACKLOG=0")
	limit := os.Getenv("NEWSFLOW_MEMORY_LIMIT")
	if limit == "" {
		// The soft limit of deploy/k8s/base/dedupe.yaml: without cgo the
		// cache is in the Go heap, which could otherwise grow to twice its
		// live size between collections.
		limit = soakMemoryLimit
		environ = append(environ, "NEWSFLOW_MEMORY_LIMIT="+limit)
	}
	t.Logf("%d replicas built with CGO_ENABLED=%d, NEWSFLOW_MEMORY_LIMIT=%s", replicas, cgo, limit)
	// Each replica has its HTTP port and index directory; all share the
	// durable consumer, so they split the articles.
	addrs, indexDirs := make([]string, replicas), make([]string, replicas)
	for r := range replicas {
		addrs[r], indexDirs[r] = freeAddr(t), filepath.Join(dir, fmt.Sprint("index", r))
	}
	startService := func(r int) *exec.Cmd {
		cmd := exec.Command(bin)
		cmd.Env = append(slices.Clip(environ), "NEWSFLOW_HTTP_ADDR="+addrs[r], "NEWSFLOW_DEDUPE_INDEX_DIR="+indexDirs[r])
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	cmds, pids := make([]*exec.Cmd, replicas), make([]int, replicas)
	t.Cleanup(func() {
		for _, cmd := range cmds {
			if cmd != nil {
				cmd.Process.Signal(os.Interrupt)
				cmd.Wait()
			}
		}
	})
	for r := range replicas {
		cmds[r] = startService(r)
		waitReady(t, "http://"+addrs[r]+"/readyz")
		pids[r] = cmds[r].Process.Pid
	}

	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// Outputs: every decision, first ones and merges, latest wins.
	var mu sync.Mutex
	sent := map[string]time.Time{} // id -> published, until its first output
	flagged := map[string]bool{}   // planted copy id -> flagged as a copy
	wrong := 0                     // generated originals flagged as copies
	var latencies []time.Duration  // of the current block
	done := make(chan struct{}, inflight)
	out, err := js.OrderedConsumer(ctx, stage.StreamDeduped, jetstream.OrderedConsumerConfig{FilterSubjects: []string{stage.SubjectDeduped}})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := out.Consume(func(m jetstream.Msg) {
		var doc schema.Document
		if err := json.Unmarshal(m.Data(), &doc); err != nil {
			t.Errorf("output: %v", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if _, ok := plan.planted[doc.ID]; ok {
			flagged[doc.ID] = doc.DuplicateOf != ""
		} else if doc.DuplicateOf != "" && plan.generated[doc.ID] {
			wrong++
		}
		if at, ok := sent[doc.ID]; ok {
			delete(sent, doc.ID)
			latencies = append(latencies, time.Since(at))
			done <- struct{}{}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Stop()

	block := max(n/20, 1)
	start := time.Now()
	var peak int
	stopSampler := sampleRSS(pids, &mu, &peak)
	cpu0 := servicesCPU(t, pids)
	var lastCPU time.Duration
	lastDriverCPU := ownCPU(t)
	blockStart := start
	gen := newArticleGen(11)
	pending := 0
	for i := range n {
		mu.Lock() // the consumer reads the plan's maps
		doc := plan.article(t, i, gen)
		mu.Unlock()
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if pending == inflight {
			<-done
			pending--
		}
		mu.Lock()
		sent[doc.ID] = time.Now()
		mu.Unlock()
		if _, err := js.Publish(ctx, stage.SubjectCleaned, data); err != nil {
			t.Fatalf("publish article %d: %v", i, err)
		}
		pending++
		if path := os.Getenv("NEWSFLOW_DEDUPE_SOAK_CPUPROFILE"); path != "" {
			switch i + 1 {
			case n / 10:
				go cpuProfile(t, "http://"+addrs[0]+"/debug/pprof/profile?seconds=20", path+"-start")
			case n - n/10:
				go cpuProfile(t, "http://"+addrs[0]+"/debug/pprof/profile?seconds=20", path+"-end")
			}
		}
		if (i+1)%block == 0 || i+1 == n {
			for ; pending > 0; pending-- {
				select {
				case <-done:
				case <-time.After(2 * time.Minute):
					t.Fatalf("no output for 2 minutes after article %d (%d unanswered)", i, pending)
				}
			}
			mu.Lock()
			lat := latencies
			latencies = nil
			found, planted := countFound(flagged), plan.plantedUpTo(i)
			w := wrong
			mu.Unlock()
			cpu, driverCPU := servicesCPU(t, pids)-cpu0, ownCPU(t)
			// Per replica (separated by "/"): its resident memory and
			// what is in it.
			var rss []string
			for r, pid := range pids {
				mem := metricValues(t, "http://"+addrs[r]+"/metrics", "go_memstats_heap_inuse_bytes",
					"newsflow_dedupe_index_cache_bytes", "newsflow_dedupe_index_memtable_bytes")
				rss = append(rss, fmt.Sprintf("%4d MiB (peak %4d; go heap %3.0f, store cache %3.0f, memtables %3.0f)",
					procStatusOf(pid, "VmRSS")>>10, procStatusOf(pid, "VmHWM")>>10, mem[0]/(1<<20), mem[1]/(1<<20), mem[2]/(1<<20)))
			}
			slices.Sort(lat)
			t.Logf("articles %7d  %6.0f s  %5.0f articles/s  dedupe cpu %4d µs/article (driver and NATS %4d)  rss %s  index on disk %5d MiB  latency p50 %5.1f ms p99 %5.1f ms  found %d/%d planted  originals flagged %d  load %s",
				i+1, time.Since(start).Seconds(), float64(block)/time.Since(blockStart).Seconds(),
				(cpu-lastCPU).Microseconds()/int64(block), (driverCPU-lastDriverCPU).Microseconds()/int64(block),
				strings.Join(rss, " / "), dirBytes(indexDirs[0])>>20,
				ms(quantile(lat, 0.5)), ms(quantile(lat, 0.99)), found, planted, w, loadAverage())
			lastCPU, lastDriverCPU, blockStart = cpu, driverCPU, time.Now()
		}
	}
	seconds := time.Since(start).Seconds()
	// Latency with one article in flight, the window full. Above, the
	// driver keeps inflight articles unanswered, so each waits behind
	// the others: the latency it logs is that queue (inflight over the
	// rate, by Little's law), not one article's time through the service.
	paced := envInt(t, "NEWSFLOW_DEDUPE_SOAK_PACED", 1000)
	for k := range paced {
		doc := gen.original(fmt.Sprint("paced/", k))
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		sent[doc.ID] = time.Now()
		mu.Unlock()
		if _, err := js.Publish(ctx, stage.SubjectCleaned, data); err != nil {
			t.Fatalf("publish paced article %d: %v", k, err)
		}
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			t.Fatalf("no output for 2 minutes after paced article %d", k)
		}
	}
	if paced > 0 {
		mu.Lock()
		lat := latencies
		latencies = nil
		mu.Unlock()
		slices.Sort(lat)
		t.Logf("one in flight after %d articles: %d more, publish to output p50 %.1f ms p99 %.1f ms max %.1f ms (load %s)",
			n, len(lat), ms(quantile(lat, 0.5)), ms(quantile(lat, 0.99)), ms(lat[len(lat)-1]), loadAverage())
	}
	stopSampler()
	// Merges may still re-publish a decision: give the service a moment.
	time.Sleep(2 * time.Second)
	mu.Lock()
	found, w := countFound(flagged), wrong
	p := peak
	for _, pid := range pids {
		p = max(p, procStatusOf(pid, "VmHWM"))
	}
	mu.Unlock()
	for r := range pids {
		t.Logf("replica %d: service latency (newsflow_message_duration_seconds, bucket bounds): %s", r, serviceLatency(t, "http://"+addrs[r]+"/metrics"))
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range plan.kinds {
			if !yield(k) {
				return
			}
		}
	}) {
		f := 0
		for id := range plan.kinds[k] {
			if flagged[id] {
				f++
			}
		}
		t.Logf("planted %-12s %6d found %6d", k, len(plan.kinds[k]), f)
	}
	t.Logf("generated originals flagged as copies: %d", w)
	// Restarts of the first replica (the others go on) on the same index
	// directory, until /readyz answers (the band log applied up to where
	// it was at start): after kill -9 the store resumes from its last
	// flushed spill, after SIGTERM from the last message.
	for _, sig := range []os.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		cmds[0].Process.Signal(sig)
		cmds[0].Wait()
		at := time.Now()
		cmds[0] = startService(0)
		waitReady(t, "http://"+addrs[0]+"/readyz")
		t.Logf("restart after %v with %d articles in the window (%d MiB index on disk): ready in %.1f s (load %s)",
			sig, n, dirBytes(indexDirs[0])>>20, time.Since(at).Seconds(), loadAverage())
	}
	fmt.Printf("articles=%d seconds=%.0f peak_rss_mib=%d planted=%d found=%d\n", n, seconds, p>>10, len(plan.planted), found)
}

// soakMemoryLimit is the service's soft memory limit in the soak unless
// NEWSFLOW_MEMORY_LIMIT is set: deploy/k8s/base/dedupe.yaml's.
const soakMemoryLimit = "256MiB"

// cpuProfile writes the service's CPU profile from url to path.
func cpuProfile(t testing.TB, url, path string) {
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("cpu profile: %v", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		t.Errorf("cpu profile: %v", err)
		return
	}
	defer f.Close()
	if _, err := f.ReadFrom(resp.Body); err != nil {
		t.Errorf("cpu profile: %v", err)
	}
}

// soakPlan says what article i of the run is.
type soakPlan struct {
	n         int
	real      soakText
	realAt    map[int]int // position -> index into real.originals
	variantAt map[int]int // position -> index into real.variants
	planted   map[string]bool
	kinds     map[string]map[string]bool // kind -> planted ids
	plantedAt []int                      // positions of planted copies, in order
	generated map[string]bool            // ids of generated originals
	pool      []*schema.Document         // reservoir of generated originals
	seen      int                        // generated originals so far
	r         *rand.Rand
}

func planSoak(n int, real soakText) *soakPlan {
	p := &soakPlan{n: n, real: real, realAt: map[int]int{}, variantAt: map[int]int{}, planted: map[string]bool{},
		kinds: map[string]map[string]bool{}, generated: map[string]bool{}, r: rand.New(rand.NewPCG(3, 4))}
	for j := range real.originals {
		p.realAt[(j*n*6/10)/max(len(real.originals), 1)+1] = j
	}
	for j := range real.variants {
		pos := n*6/10 + (j*(n*4/10-1))/max(len(real.variants), 1) + 1
		for p.taken(pos) {
			pos++
		}
		p.variantAt[pos] = j
	}
	return p
}

func (p *soakPlan) taken(pos int) bool {
	_, real := p.realAt[pos]
	_, variant := p.variantAt[pos]
	return real || variant
}

func (p *soakPlan) plant(id, kind string, pos int) {
	p.planted[id] = true
	if p.kinds[kind] == nil {
		p.kinds[kind] = map[string]bool{}
	}
	p.kinds[kind][id] = true
	p.plantedAt = append(p.plantedAt, pos)
}

// plantedUpTo returns the copies planted at positions up to i.
func (p *soakPlan) plantedUpTo(i int) int {
	n, _ := slices.BinarySearch(p.plantedAt, i+1)
	return n
}

// article returns article i of the run.
func (p *soakPlan) article(t testing.TB, i int, gen *articleGen) *schema.Document {
	if j, ok := p.realAt[i]; ok && i > 0 {
		o := p.real.originals[j]
		return newDoc(t, "real/"+o.id, o.text)
	}
	if j, ok := p.variantAt[i]; ok {
		v := p.real.variants[j]
		doc := newDoc(t, "variant/"+v.id, v.text)
		p.plant(doc.ID, "real "+v.kind, i)
		return doc
	}
	name := fmt.Sprint("soak/", i)
	if i%20 == 19 && len(p.pool) > 0 {
		o := p.pool[p.r.IntN(len(p.pool))]
		text := "Syndicated headline\n\n" + o.Body + "\n\nSign up for our newsletter to get the best stories every day"
		kind := "full"
		if p.r.IntN(2) == 0 {
			paras := strings.Split(o.Body, "\n\n")
			text = "Excerpt headline\n\n" + strings.Join(paras[:max(1, len(paras)*2/5)], "\n\n")
			kind = "excerpt"
		}
		doc := newDoc(t, name, text)
		p.plant(doc.ID, "generated "+kind, i)
		return doc
	}
	doc := gen.original(name)
	p.generated[doc.ID] = true
	// A uniform sample of every original so far.
	p.seen++
	if len(p.pool) < 20000 {
		p.pool = append(p.pool, doc)
	} else if k := p.r.IntN(p.seen); k < len(p.pool) {
		p.pool[k] = doc
	}
	return doc
}

// soakText is real text for the soak: originals and their variants.
type soakText struct {
	originals []soakItem
	variants  []soakItem
}

type soakItem struct{ id, kind, text string }

// loadSoakText reads .txt originals under dir (first line the title) and
// the variants file; both empty when unset.
func loadSoakText(t testing.TB, dir, variants string) soakText {
	var st soakText
	if dir == "" && variants == "" {
		return st
	}
	if dir == "" || variants == "" {
		t.Fatal("NEWSFLOW_DEDUPE_SOAK_ORIGINALS and NEWSFLOW_DEDUPE_SOAK_VARIANTS go together")
	}
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".txt") || strings.EqualFold(e.Name(), "README.TXT") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		st.originals = append(st.originals, soakItem{id: filepath.ToSlash(rel), text: strings.ToValidUTF8(string(b), "\uFFFD")})
		return nil
	})
	if err != nil || len(st.originals) == 0 {
		t.Fatalf("originals %s: %v (%d found)", dir, err, len(st.originals))
	}
	f, err := os.Open(variants)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var v struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("variants %s: %v", variants, err)
		}
		st.variants = append(st.variants, soakItem{id: v.ID, kind: v.Kind, text: v.Text})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return st
}

// original returns a distinct generated original named name.
func (g *articleGen) original(name string) *schema.Document {
	var sb strings.Builder
	sb.WriteString("Headline ")
	sb.WriteString(name)
	sb.WriteString("\n")
	for range 5 + g.r.IntN(6) {
		sb.WriteString("\n")
		for range 30 + g.r.IntN(40) {
			sb.WriteString(g.vocab[g.zipf.Uint64()])
			sb.WriteByte(' ')
		}
		sb.WriteString("\n")
	}
	title, body, _ := strings.Cut(sb.String(), "\n")
	body = strings.TrimSpace(body)
	return &schema.Document{
		SchemaVersion: schema.Version,
		ID:            schema.DocumentID("", "https://example.org/"+name, "", ""),
		Title:         title, Body: body,
		IngestedAt: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC),
		WordCount:  schema.CountWords(body),
	}
}

func countFound(flagged map[string]bool) int {
	n := 0
	for _, f := range flagged {
		if f {
			n++
		}
	}
	return n
}

// sampleRSS records the peak resident memory (KiB) of any of the
// processes every second, until the returned function is called.
func sampleRSS(pids []int, mu *sync.Mutex, peak *int) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				for _, pid := range pids {
					rss := procStatusOf(pid, "VmRSS")
					mu.Lock()
					*peak = max(*peak, rss)
					mu.Unlock()
				}
			}
		}
	}()
	return func() { close(stop); wg.Wait() }
}

// procStatusOf returns a /proc/<pid>/status field in KiB (0 if absent).
func procStatusOf(pid int, field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// servicesCPU returns the CPU time of the processes pids together.
func servicesCPU(t testing.TB, pids []int) time.Duration {
	var cpu time.Duration
	for _, pid := range pids {
		cpu += procCPU(t, pid)
	}
	return cpu
}

// procCPU returns the user and system CPU time of process pid.
func procCPU(t testing.TB, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("cpu of %d: %v", pid, err)
	}
	// Fields after the command (in parentheses): utime and stime are the
	// 12th and 13th, in clock ticks (100 a second on Linux).
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return time.Duration(u+s) * 10 * time.Millisecond
}

func dirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitReady(t testing.TB, url string) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s not ready within 2 minutes", url)
}

// serviceLatency reads the service's processing-time histogram and
// returns the bucket bounds of its p50 and p99.
// metricValues returns the values of unlabelled metrics names from url
// (0 for one that is absent).
func metricValues(t testing.TB, url string, names ...string) []float64 {
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("metrics: %v", err)
		return make([]float64, len(names))
	}
	defer resp.Body.Close()
	vals := make([]float64, len(names))
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if i := slices.Index(names, name); ok && i >= 0 {
			vals[i], _ = strconv.ParseFloat(value, 64)
		}
	}
	return vals
}

// ownCPU returns the CPU time of this process: the soak's driver and its
// embedded NATS server.
func ownCPU(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func serviceLatency(t testing.TB, url string) string {
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("metrics: %v", err)
		return "?"
	}
	defer resp.Body.Close()
	type bucket struct {
		le    float64
		count float64
	}
	var bs []bucket
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "newsflow_message_duration_seconds_bucket{") || !strings.Contains(line, `stage="dedupe"`) {
			continue
		}
		_, le, _ := strings.Cut(line, `le="`)
		le, _, _ = strings.Cut(le, `"`)
		f := strings.Fields(line)
		c, _ := strconv.ParseFloat(f[len(f)-1], 64)
		v, err := strconv.ParseFloat(le, 64)
		if le == "+Inf" {
			v, err = 1e9, nil
		}
		if err == nil {
			bs = append(bs, bucket{v, c})
		}
	}
	if len(bs) == 0 {
		return "no histogram"
	}
	slices.SortFunc(bs, func(a, b bucket) int { return int(a.le*1e6 - b.le*1e6) })
	total := bs[len(bs)-1].count
	at := func(q float64) string {
		for _, b := range bs {
			if b.count >= q*total {
				return fmt.Sprintf("≤ %g ms", b.le*1000)
			}
		}
		return "?"
	}
	return fmt.Sprintf("p50 %s, p99 %s over %.0f messages", at(0.5), at(0.99), total)
}
