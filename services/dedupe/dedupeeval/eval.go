// Package dedupeeval measures the dedupe stage on a corpus of originals
// and syndicated variants, through the same Process code path the service
// runs, with the KV buckets on an embedded NATS server.
//
// Each item first goes through the stages the pipeline runs before dedupe
// (Options.Upstream: `newsflow eval dedupe` passes ingest's Process, so
// the cleanup that undoes escapes and strips boilerplate runs as in
// `newsflow run`), and dedupe judges the Document that comes out. An item
// the upstream stages reject is counted (Scores.Rejected) and stays out
// of every cluster, as a dead-lettered article would. The report's first
// line names the path.
//
// Items (originals and variants) are published once each, in a seeded
// shuffled order, to an input stream on the embedded server, so their
// stream sequence is their position and the canonical of a group is
// whichever member came first. They are then processed in that order, by
// one worker or by several concurrent workers over several Dedupers
// sharing the buckets (replicas); merges published to the output subject
// are read back and applied. Truth is the
// (variant, source) pairs plus the natural pairs of originals with
// containment >= 0.8, closed transitively; predictions are the clusters
// Process assigns, also as all pairs within a cluster. Natural pairs below
// 0.5 and the negatives file are pairs that must not share a cluster.
package dedupeeval

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/dedupe"
	"github.com/newsflow/newsflow/services/dedupe/kvindex"
)

// ErrInput means an input file is missing or malformed.
var ErrInput = errors.New("dedupe evaluation input")

// Upstream is what the pipeline runs before dedupe, for one evaluation
// run: Process turns an item, sent as a scraper would send it (title and
// text, no URL), into the Document dedupe receives; a permanent error is
// a rejection. Path names the stages for the report, and Stop releases
// them.
type Upstream struct {
	Path    string
	Process func(context.Context, *schema.RawArticle) (*schema.Document, error)
	Stop    func()
}

// Options are the evaluation inputs.
type Options struct {
	// Upstream builds the stages before dedupe on the evaluation's
	// JetStream (required).
	Upstream func(context.Context, jetstream.JetStream) (Upstream, error)
	// Originals is a folder of originals laid out like the BBC corpus:
	// <category>/<nnn>.txt, line 1 the headline, then the body. Files
	// that are not valid UTF-8 are read as Latin-1.
	Originals string
	// Variants is a JSON-lines file of {id, source_id, kind, text}.
	Variants string
	// Negatives is an optional JSON-lines file of {a, b} pairs that must
	// not be flagged.
	Negatives string
	// Pairs is an optional JSON file of natural overlap pairs
	// {a, b, containment}: >= 0.8 are duplicates, < 0.5 must not be
	// flagged.
	Pairs string
	// Seed fixes the shuffled order.
	Seed uint64
	// Config overrides the dedupe configuration; zero means defaults.
	Config *dedupe.Config
	// Log receives the stage's logs; nil discards them.
	Log *zap.Logger
	// Verbose lists wrongly flagged and missed pairs before the scores.
	Verbose bool
	// Replicas is the number of Dedupers sharing the buckets, and Workers
	// the number of concurrent Process calls spread over them; 0 means 1.
	// With more than one worker, articles are processed out of sequence
	// order and merges are published and applied.
	Replicas, Workers int
}

// Scores are the evaluation results.
type Scores struct {
	Precision, Recall, F1 float64
	// TruePairs, PredictedPairs and CorrectPairs are pair counts.
	TruePairs, PredictedPairs, CorrectPairs int
	// RecallByKind is the share of (variant, source) pairs of each kind,
	// and of natural pairs ("natural"), placed in one cluster.
	RecallByKind map[string]float64
	// NegativesFlagged of Negatives must-not-flag pairs share a cluster.
	NegativesFlagged, Negatives int
	// Articles were processed; BytesPerArticle is KV stream bytes over
	// them.
	Articles        int
	BytesPerArticle float64
	// P50 and P99 are Process latencies; PerSecond is articles per second
	// of wall time, one at a time.
	P50, P99  time.Duration
	PerSecond float64
	// Rejected items were refused by the upstream stages.
	Rejected int
	// Path names the stages the items went through.
	Path string
}

type item struct {
	id, kind, source string // source: the original's id, for variants
	title, body      string
}

// Run executes the evaluation and writes a report to w; its last line is
// "precision=%.3f recall=%.3f f1=%.3f negatives_flagged=N/M".
func Run(ctx context.Context, opts Options, w io.Writer) (Scores, error) {
	if opts.Upstream == nil {
		return Scores{}, fmt.Errorf("%w: no upstream stages (Options.Upstream)", ErrInput)
	}
	originals, err := loadOriginals(opts.Originals)
	if err != nil {
		return Scores{}, err
	}
	byID := map[string]*item{}
	for i := range originals {
		byID[originals[i].id] = &originals[i]
	}
	variants, err := loadVariants(opts.Variants, byID)
	if err != nil {
		return Scores{}, err
	}
	var natural []pair
	if opts.Pairs != "" {
		if natural, err = loadPairs(opts.Pairs, byID); err != nil {
			return Scores{}, err
		}
	}
	var negatives []pair
	if opts.Negatives != "" {
		all := maps.Clone(byID)
		for i := range variants {
			all[variants[i].id] = &variants[i]
		}
		if negatives, err = loadPairs(opts.Negatives, all); err != nil {
			return Scores{}, err
		}
	}
	items := append(slices.Clone(originals), variants...)
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6e657773666c6f77))
	rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })

	cfg := dedupe.DefaultConfig()
	if opts.Config != nil {
		cfg = *opts.Config
	}
	log := opts.Log
	if log == nil {
		log = zap.NewNop()
	}
	run, err := process(ctx, items, cfg, opts, log)
	if err != nil {
		return Scores{}, err
	}

	// Truth: union of variant->source edges and natural pairs >= 0.8.
	truth := newUnion()
	for _, it := range items {
		truth.add(it.id)
		if it.source != "" {
			truth.join(it.id, it.source)
		}
	}
	var mustNot []pair
	for _, p := range natural {
		switch {
		case p.containment >= 0.8:
			truth.join(p.a, p.b)
		case p.containment < 0.5:
			mustNot = append(mustNot, p)
		}
	}
	mustNot = append(mustNot, negatives...)
	truthPairs := truth.pairs()
	predPairs := pairsOf(run.cluster)
	correct := 0
	for p := range predPairs {
		if truthPairs[p] {
			correct++
		}
	}
	s := Scores{
		TruePairs: len(truthPairs), PredictedPairs: len(predPairs), CorrectPairs: correct,
		RecallByKind: map[string]float64{},
		Articles:     len(items), BytesPerArticle: run.bytesPerArticle,
		P50: run.p50, P99: run.p99, PerSecond: run.perSecond,
		Rejected: len(run.rejected), Path: run.path,
	}
	s.Precision = ratio(correct, len(predPairs))
	s.Recall = ratio(correct, len(truthPairs))
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	hit, total := map[string]int{}, map[string]int{}
	for _, it := range items {
		if it.source != "" {
			total[it.kind]++
			if sameCluster(run.cluster, it.id, it.source) {
				hit[it.kind]++
			}
		}
	}
	for _, p := range natural {
		if p.containment >= 0.8 {
			total["natural"]++
			if sameCluster(run.cluster, p.a, p.b) {
				hit["natural"]++
			}
		}
	}
	kinds := slices.Sorted(func(yield func(string) bool) {
		for k := range total {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range kinds {
		s.RecallByKind[k] = ratio(hit[k], total[k])
	}
	for _, p := range mustNot {
		ca, okA := run.cluster[p.a]
		cb, okB := run.cluster[p.b]
		if !okA || !okB {
			continue
		}
		s.Negatives++
		if ca == cb {
			s.NegativesFlagged++
		}
	}

	if opts.Verbose {
		for _, p := range sortedPairs(predPairs) {
			if !truthPairs[p] {
				fmt.Fprintf(w, "wrongly flagged: %s ~ %s\n", p[0], p[1])
			}
		}
		for _, p := range sortedPairs(truthPairs) {
			if !predPairs[p] {
				fmt.Fprintf(w, "missed: %s ~ %s\n", p[0], p[1])
			}
		}
	}
	fmt.Fprintf(w, "path: %s -> dedupe.Process, as newsflow run wires them\n", run.path)
	fmt.Fprintf(w, "articles=%d originals=%d variants=%d seed=%d threshold=%.2f rejected_upstream=%d\n", len(items), len(originals), len(variants), opts.Seed, cfg.Threshold, s.Rejected)
	for _, r := range run.rejected {
		fmt.Fprintf(w, "rejected upstream: %s\n", r)
	}
	fmt.Fprintf(w, "pairs: true=%d predicted=%d correct=%d\n", s.TruePairs, s.PredictedPairs, s.CorrectPairs)
	for _, k := range kinds {
		fmt.Fprintf(w, "recall[%s]=%.3f (%d/%d)\n", k, s.RecallByKind[k], hit[k], total[k])
	}
	fmt.Fprintf(w, "state: %.0f bytes/article in KV streams", s.BytesPerArticle)
	for _, b := range []string{cfg.BandBucket, cfg.RecordBucket} {
		fmt.Fprintf(w, "; %s %d keys %.0f B/article", b, run.bucketKeys[b], float64(run.bucketBytes[b])/float64(len(items)))
	}
	fmt.Fprintf(w, "\nkv: %d compare-and-set writes, %d conflicts retried\n", run.kvWrites, run.kvConflicts)
	fmt.Fprintf(w, "latency: p50=%s p99=%s throughput=%.0f articles/s (%d workers over %d replicas, KV on loopback)\n",
		s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.PerSecond, max(opts.Workers, 1), max(opts.Replicas, 1))
	fmt.Fprintf(w, "precision=%.3f recall=%.3f f1=%.3f negatives_flagged=%d/%d\n", s.Precision, s.Recall, s.F1, s.NegativesFlagged, s.Negatives)
	return s, nil
}

// sameCluster reports whether items a and b were both judged and share a
// cluster (an item rejected upstream is in none).
func sameCluster(cluster map[string]string, a, b string) bool {
	ca, okA := cluster[a]
	cb, okB := cluster[b]
	return okA && okB && ca == cb
}

type runResult struct {
	cluster         map[string]string // item id -> cluster item id
	rejected        []string          // "item id: reason", refused upstream
	path            string
	bytesPerArticle float64
	p50, p99        time.Duration
	perSecond       float64
	bucketBytes     map[string]uint64
	bucketKeys      map[string]uint64
	kvWrites        uint64
	kvConflicts     uint64
}

// process runs every item through Process on an embedded server.
func process(ctx context.Context, items []item, cfg dedupe.Config, opts Options, log *zap.Logger) (runResult, error) {
	replicas, workers := opts.Replicas, opts.Workers
	dir, err := os.MkdirTemp("", "dedupeeval-")
	if err != nil {
		return runResult{}, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		return runResult{}, fmt.Errorf("embedded nats: %w", err)
	}
	go ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(10 * time.Second) {
		return runResult{}, errors.New("embedded nats did not start")
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		return runResult{}, fmt.Errorf("connect embedded nats: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return runResult{}, fmt.Errorf("jetstream: %w", err)
	}
	// The items are published to an input stream so that their sequences
	// are real and merges can read them back; merges land in an output
	// stream, applied after the run.
	const inStream, inSubject, outStream = "DEDUPEEVAL_IN", "dedupeeval.in", "DEDUPEEVAL_OUT"
	for _, sc := range []jetstream.StreamConfig{
		{Name: inStream, Subjects: []string{inSubject}, Storage: jetstream.MemoryStorage},
		{Name: outStream, Subjects: []string{cfg.MergeSubject}, Storage: jetstream.MemoryStorage},
	} {
		if _, err := js.CreateStream(ctx, sc); err != nil {
			return runResult{}, fmt.Errorf("stream %s: %w", sc.Name, err)
		}
	}
	var ds []*dedupe.Deduper
	for range max(replicas, 1) {
		d, err := dedupe.New(ctx, js, cfg, log)
		if err != nil {
			return runResult{}, err
		}
		defer d.Close()
		ds = append(ds, d)
	}
	up, err := opts.Upstream(ctx, js)
	if err != nil {
		return runResult{}, fmt.Errorf("upstream stages: %w", err)
	}
	if up.Stop != nil {
		defer up.Stop()
	}
	docID := map[string]string{} // document id -> item id
	res := runResult{cluster: map[string]string{}, path: up.Path}
	var docs []*schema.Document
	var seqs []uint64
	var kept []item
	for _, it := range items {
		// Sent as the intake sends it: JSON, decoded as the ingest stage
		// decodes its input.
		raw, err := json.Marshal(schema.RawArticle{SchemaVersion: schema.Version, Title: it.title, Text: it.body})
		if err != nil {
			return runResult{}, fmt.Errorf("encode %s: %w", it.id, err)
		}
		in, err := schema.DecodeRaw(raw)
		var doc *schema.Document
		if err == nil {
			doc, err = up.Process(ctx, in)
		} else {
			err = stage.Permanent(err)
		}
		if err != nil {
			if !stage.IsPermanent(err) {
				return runResult{}, fmt.Errorf("upstream %s: %w", it.id, err)
			}
			res.rejected = append(res.rejected, it.id+": "+err.Error())
			continue
		}
		// The id is the item's: ingest derives an article's id from its
		// URL or text, and the evaluation maps clusters back to items.
		doc.ID = itemDocID(it.id)
		docID[doc.ID] = it.id
		docs = append(docs, doc)
		kept = append(kept, it)
		data, err := json.Marshal(doc)
		if err != nil {
			return runResult{}, fmt.Errorf("encode %s: %w", it.id, err)
		}
		ack, err := js.Publish(ctx, inSubject, data)
		if err != nil {
			return runResult{}, fmt.Errorf("publish %s: %w", it.id, err)
		}
		seqs = append(seqs, ack.Sequence)
	}
	items = kept
	lat := make([]time.Duration, len(items))
	outs := make([]*schema.Document, len(items))
	errs := make([]error, len(items))
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := ds[w%len(ds)]
			for i := range next {
				pctx := stage.WithMessageInfo(ctx, stage.Info{Stream: inStream, Sequence: seqs[i], Delivered: 1, Subject: inSubject})
				t0 := time.Now()
				outs[i], errs[i] = d.Process(pctx, docs[i])
				lat[i] = time.Since(t0)
			}
		}()
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	for _, d := range ds {
		w, c := d.KVStats()
		res.kvWrites += w
		res.kvConflicts += c
	}
	revision := map[string]uint64{}
	for i, it := range items {
		if errs[i] != nil {
			return runResult{}, fmt.Errorf("process %s: %w", it.id, errs[i])
		}
		if err := outs[i].Validate(); err != nil {
			return runResult{}, fmt.Errorf("process %s: output: %w", it.id, err)
		}
		res.cluster[it.id] = outs[i].ClusterID
		revision[it.id] = outs[i].DedupeRevision
	}
	if err := applyMerges(ctx, js, outStream, res.cluster, revision, docID); err != nil {
		return runResult{}, err
	}
	for k, c := range res.cluster {
		res.cluster[k] = docID[c]
	}
	slices.Sort(lat)
	res.p50, res.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	res.perSecond = float64(len(items)) / elapsed.Seconds()
	var bytes uint64
	res.bucketBytes = map[string]uint64{}
	res.bucketKeys = map[string]uint64{}
	for b, name := range map[string]string{cfg.BandBucket: kvindex.BandStream(cfg.BandBucket), cfg.RecordBucket: "KV_" + cfg.RecordBucket} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			return runResult{}, fmt.Errorf("kv stream %s: %w", b, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return runResult{}, fmt.Errorf("kv stream %s: %w", b, err)
		}
		bytes += info.State.Bytes
		res.bucketBytes[b] = info.State.Bytes
		res.bucketKeys[b] = info.State.Msgs
	}
	res.bytesPerArticle = float64(bytes) / float64(len(items))
	return res, nil
}

// applyMerges reads the merges Process published and moves their articles
// to their new clusters, newest decision (highest dedupe revision) first:
// with concurrent workers, merges need not be published in the order
// they were decided.
func applyMerges(ctx context.Context, js jetstream.JetStream, stream string, cluster map[string]string, revision map[string]uint64, docID map[string]string) error {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("merge stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("merge stream: %w", err)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			return fmt.Errorf("merge %d: %w", seq, err)
		}
		doc, err := schema.DecodeDocument(m.Data)
		if err != nil {
			return fmt.Errorf("merge %d: %w", seq, err)
		}
		id := docID[doc.ID]
		if r := doc.DedupeRevision; r >= revision[id] {
			cluster[id], revision[id] = doc.ClusterID, r
		}
	}
	return nil
}

func itemDocID(id string) string {
	sum := sha256.Sum256([]byte("dedupeeval\x00" + id))
	return hex.EncodeToString(sum[:12])
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// splitTitle takes line 1 as the headline and the rest as the body.
func splitTitle(text string) (string, string) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	title, body, _ := strings.Cut(text, "\n")
	return strings.TrimSpace(title), strings.TrimSpace(body)
}

func loadOriginals(dir string) ([]item, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: --originals is required", ErrInput)
	}
	var out []item
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || !strings.HasSuffix(path, ".txt") || strings.EqualFold(e.Name(), "README.TXT") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		title, body := splitTitle(decodeText(b))
		out = append(out, item{id: filepath.ToSlash(rel), kind: "original", title: title, body: body})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: originals %s: %w", ErrInput, dir, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no .txt originals under %s", ErrInput, dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// decodeText reads UTF-8, falling back to Latin-1.
func decodeText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// resolve maps an id such as "bbc/sport/070.txt" onto an original id by
// dropping leading path elements until one matches.
func resolve(id string, originals map[string]*item) (string, bool) {
	for {
		if _, ok := originals[id]; ok {
			return id, true
		}
		_, rest, found := strings.Cut(id, "/")
		if !found {
			return "", false
		}
		id = rest
	}
}

func loadVariants(path string, originals map[string]*item) ([]item, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: --variants is required", ErrInput)
	}
	var out []item
	err := eachJSONLine(path, func(line []byte) error {
		var v struct {
			ID       string `json:"id"`
			SourceID string `json:"source_id"`
			Kind     string `json:"kind"`
			Text     string `json:"text"`
		}
		if err := json.Unmarshal(line, &v); err != nil {
			return err
		}
		src, ok := resolve(v.SourceID, originals)
		if !ok {
			return fmt.Errorf("variant %s: source %q is not among the originals", v.ID, v.SourceID)
		}
		title, body := splitTitle(v.Text)
		out = append(out, item{id: v.ID, kind: v.Kind, source: src, title: title, body: body})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: variants %s: %w", ErrInput, path, err)
	}
	return out, nil
}

type pair struct {
	a, b        string
	containment float64
}

// loadPairs reads a JSON array or JSON lines of {a, b[, containment]}.
// Ids are resolved against known items; pairs naming unknown articles are
// dropped.
func loadPairs(path string, known map[string]*item) ([]pair, error) {
	type raw struct {
		A           string  `json:"a"`
		B           string  `json:"b"`
		Containment float64 `json:"containment"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	var rows []raw
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &rows); err != nil {
			return nil, fmt.Errorf("%w: pairs %s: %w", ErrInput, path, err)
		}
	} else if err := eachJSONLine(path, func(line []byte) error {
		var r raw
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("%w: pairs %s: %w", ErrInput, path, err)
	}
	out := make([]pair, 0, len(rows))
	for _, r := range rows {
		p := pair{a: r.A, b: r.B, containment: r.Containment}
		a, okA := resolve(r.A, known)
		b, okB := resolve(r.B, known)
		if !okA || !okB {
			continue
		}
		p.a, p.b = a, b
		out = append(out, p)
	}
	return out, nil
}

func eachJSONLine(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), schema.MaxArticleBytes*2)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

// union is a union-find over item ids.
type union struct{ parent map[string]string }

func newUnion() *union { return &union{parent: map[string]string{}} }

func (u *union) add(x string) {
	if _, ok := u.parent[x]; !ok {
		u.parent[x] = x
	}
}

func (u *union) find(x string) string {
	u.add(x)
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

func (u *union) join(a, b string) { u.parent[u.find(a)] = u.find(b) }

func (u *union) pairs() map[[2]string]bool {
	groups := map[string][]string{}
	for x := range u.parent {
		r := u.find(x)
		groups[r] = append(groups[r], x)
	}
	return groupPairs(groups)
}

func sortedPairs(m map[[2]string]bool) [][2]string {
	out := make([][2]string, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
	return out
}

// pairsOf returns all pairs of items sharing a cluster.
func pairsOf(cluster map[string]string) map[[2]string]bool {
	groups := map[string][]string{}
	for x, c := range cluster {
		groups[c] = append(groups[c], x)
	}
	return groupPairs(groups)
}

func groupPairs(groups map[string][]string) map[[2]string]bool {
	out := map[[2]string]bool{}
	for _, g := range groups {
		slices.Sort(g)
		for i := range g {
			for j := i + 1; j < len(g); j++ {
				out[[2]string{g[i], g[j]}] = true
			}
		}
	}
	return out
}
