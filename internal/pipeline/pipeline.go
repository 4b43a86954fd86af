// Package pipeline runs the newsflow stages in one process, over the
// same subjects and with the same code as the separate services, on an
// embedded NATS server (or an external one) with the embedded search
// index as the sink.
//
// The same code means the same registration: Services lists each
// service's NewService (the function its cmd/<service>/main.go hands to
// stage.Main), and Start calls their Start on one shared runtime. Only the
// indexer differs: newsflow writes to the embedded Bleve index instead of
// Elasticsearch, under the same stage name.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/embedded"
	"github.com/newsflow/newsflow/services/dedupe"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/ingest/boilerplate"
	"github.com/newsflow/newsflow/services/ingest/intake"
	"github.com/newsflow/newsflow/services/stories"
)

// SearchIndexDir is the folder of the data directory that holds the
// embedded search index (`newsflow search` and `serve` open it there).
const SearchIndexDir = "search"

// StoryIndexDir is the folder of the data directory that holds the
// embedded story index (`newsflow stories` opens it there).
const StoryIndexDir = "stories"

// DedupeIndexDir is the folder of the data directory that holds dedupe's
// local band index, unless NEWSFLOW_DEDUPE_INDEX_DIR names another.
const DedupeIndexDir = "dedupe"

// Options configure a Pipeline.
type Options struct {
	// DataDir holds JetStream's files (jetstream/), the search index
	// (search/), the story index (stories/) and dedupe's band index
	// (dedupe/).
	DataDir string
	// NATSURL selects an external NATS; empty starts the embedded server.
	NATSURL string
	// Listen is the embedded server's host:port; port 0 picks a free one.
	Listen string
	// MaxStore caps the embedded JetStream's disk use in bytes; 0 lets the
	// server take three quarters of the free disk.
	MaxStore int64
	Stage    stage.Config
	Ingest   ingest.Config
	Intake   intake.HandlerConfig
	Dedupe   dedupe.Config
	Enrich   enrich.Config
	Stories  stories.Config
	// storyStage is the running stories stage (WaitIdle flushes it).
	storyStage *stories.Stories
	// ExportPath, when set, receives the final documents as JSON lines.
	ExportPath string
	// Version is newsflow's, exported as newsflow_build_info.
	Version string
}

// Pipeline is the running pipeline.
type Pipeline struct {
	opts   Options
	log    *zap.Logger
	server *server.Server
	rt     *stage.Runtime
	index  *bleveindex.Index
	// stories is the story index.
	stories *bleveindex.Stories
	export  *Export
	url     string
	// latency samples the time from ingest to searchable.
	latency *latencies
	// input is the work dedupe, enrich and stories hold, which ingest
	// waits on (inputBacklog); nil with NEWSFLOW_MAX_BACKLOG=0.
	input *stage.Backlog
}

// Start starts the embedded server (unless NATSURL is set), opens the
// search index and starts the stages: Open, then StartStages.
func Start(ctx context.Context, opts Options, log *zap.Logger) (*Pipeline, error) {
	p, err := Open(ctx, opts, log)
	if err != nil {
		return nil, err
	}
	if err := p.StartStages(ctx); err != nil {
		p.abort()
		return nil, err
	}
	return p, nil
}

// Open starts the embedded server (unless NATSURL is set), provisions the
// streams and opens the search and story indexes: everything but the
// stages. Articles published to articles.raw once Open returns wait in
// their stream until StartStages starts the stage that reads them, so a
// batch run reads and publishes its input while enrich loads its models
// (a second or more of one core) instead of after. Shutdown stops what
// Open started, whether StartStages ran or not.
func Open(ctx context.Context, opts Options, log *zap.Logger) (_ *Pipeline, err error) {
	p := &Pipeline{opts: opts, log: log, latency: newLatencies()}
	// Every error return below is "return nil, err": stop what started.
	defer func() {
		if err != nil {
			p.abort()
		}
	}()
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	// Dedupe's band index stays with the rest of the run's state: a
	// restart follows the band log from where it stopped instead of
	// replaying it, and a killed run leaves nothing in $TMPDIR.
	if p.opts.Dedupe.IndexDir == "" {
		p.opts.Dedupe.IndexDir = filepath.Join(opts.DataDir, DedupeIndexDir)
	}
	p.url = opts.NATSURL
	if p.url == "" {
		host, port, err := splitListen(opts.Listen)
		if err != nil {
			return nil, err
		}
		p.server, err = embedded.Start(embedded.Options{StoreDir: filepath.Join(opts.DataDir, "jetstream"), Host: host, Port: port, MaxStore: opts.MaxStore})
		if err != nil {
			return nil, fmt.Errorf("%w (is another newsflow using %s?)", err, opts.DataDir)
		}
		p.url = p.server.ClientURL()
		log.Info("embedded nats started", zap.String("url", p.url), zap.String("store", filepath.Join(opts.DataDir, "jetstream")))
	}
	stageCfg := opts.Stage
	stageCfg.NATS.URL = p.url
	if p.server != nil {
		// The stages reach the embedded server through in-memory pipes,
		// not loopback TCP; other processes (newsflow status, a service
		// beside newsflow run) still connect to its port.
		stageCfg.NATS.InProcess = p.server
		maxStore := p.server.JetStreamConfig().MaxStore
		streams := len(stage.StreamConfigs(stageCfg.Streams)) + 2 // and the story log and the stories' state store
		p.opts.Stories.LogMaxBytes = fitStreamBytes(p.opts.Stories.LogMaxBytes, maxStore, streams)
		p.opts.Stories.StateMaxBytes = fitStreamBytes(p.opts.Stories.StateMaxBytes, maxStore, streams)
		if fit := fitStreamBytes(stageCfg.Streams.MaxBytes, maxStore, streams); fit != stageCfg.Streams.MaxBytes {
			log.Info("stream size capped to fit the embedded JetStream's disk",
				zap.Int64("max_bytes_per_stream", fit), zap.Int64("jetstream_max_store", maxStore))
			stageCfg.Streams.MaxBytes = fit
		}
	}
	p.rt, err = stage.Open(ctx, stageCfg, "newsflow", log)
	if err != nil {
		return nil, err
	}
	if err := p.rt.Register(stage.BuildInfo(opts.Version)); err != nil {
		return nil, err
	}
	// NEWSFLOW_MAX_BACKLOG=0, which turns backpressure off, turns the
	// hold off too.
	if stageCfg.Consumer.MaxBacklog > 0 {
		p.input = stage.NewStagesBacklog(p.rt.JetStream(), inputBacklog, stage.SubjectCleaned, stage.SubjectDeduped, stage.SubjectEnriched)
		p.rt.HoldInput(stage.NameIngest, p.input)
	}
	// Runs after every stage has drained: no more Index calls can come.
	p.rt.OnShutdown(func(context.Context) error { return p.closeSinks() })
	if opts.ExportPath != "" {
		if p.export, err = NewExport(opts.ExportPath); err != nil {
			return nil, err
		}
	}
	// A batch per half second at most, or per sinkConcurrency documents:
	// documents trickling in one by one would otherwise each become a
	// segment, and Bleve would spend most of the CPU merging them.
	p.index, err = bleveindex.OpenWith(filepath.Join(opts.DataDir, SearchIndexDir), log, bleveindex.Options{
		Registerer: p.rt.Registry(),
		BatchSize:  sinkConcurrency,
		Linger:     sinkLinger,
	})
	if err != nil {
		return nil, err
	}
	if p.stories, err = bleveindex.OpenStories(filepath.Join(opts.DataDir, StoryIndexDir), p.index, log.Named("stories")); err != nil {
		return nil, err
	}
	return p, nil
}

// fitStreamBytes returns the byte cap per stream that lets that many
// streams fit in maxStore beside the boilerplate KV bucket: JetStream
// reserves each stream's MaxBytes up front and refuses a stream that does
// not fit, so on a small disk the default caps would stop the pipeline
// from starting at all.
func fitStreamBytes(maxBytes, maxStore int64, streams int) int64 {
	if maxStore <= 0 {
		return maxBytes
	}
	share := (maxStore - boilerplate.DefaultMaxBytes) / int64(streams)
	if share < 64<<20 {
		share = 64 << 20 // JetStream then says plainly that the disk is too small
	}
	if maxBytes < 0 || maxBytes > share {
		return share
	}
	return maxBytes
}

// EmbeddedMaxStories is the pipeline's bound on active stories
// (NEWSFLOW_STORIES_MAX_STORIES; 50,000 for the stories service). A
// story costs 6.4 KB alone and 9-10 KB with the several articles of a
// busy stream (make load), so 5,000 stories hold about 45 MB where
// 10,000 held about 90, the largest part of a long run's live heap, and
// 50,000 would take 300-450 MB of a laptop's memory. A stream that opens
// more than 5,000 stories within the horizon (about 700 a day over a
// week) closes its quietest stories early, as the service does beyond
// its bound; the quick start and the benchmark corpus (2,722 articles)
// never reach it.
const EmbeddedMaxStories = 5_000

// EmbeddedMaxTerms is the pipeline's bound on the stories stage's
// document-frequency table (cluster.Params.MaxTerms; 2,097,152 for the
// stories service): when a document leaves it with more terms, the terms
// seen in one document only are dropped, and rarer ones while that leaves
// more than three quarters of it (cluster's pruneDF). The table is open addressing
// at 12 bytes a slot, at most 7 slots in 8 used, and doubles its arrays
// past that: 2^20 slots (12 MiB) hold 917,504 terms, the next size takes
// 24 MiB, and 36 for the moment of the copy. make load's 100,000
// articles reach about 917,000 terms (7-13 new ones an article), so the
// service's bound let the table double right where the run's memory
// peaks. 786,432 (three quarters of 2^20) keeps it in 2^20 slots with
// room for 131,072 new terms between two prunings, far more than one
// article brings. A term seen once among hundreds of thousands of
// articles weighs almost nothing in the stream's IDF, and a dropped term
// that comes back counts as new (it is rarer by one document than it
// was). The evaluation sets (under 10,000 articles each) never reach
// either bound.
const EmbeddedMaxTerms = 3 << 18

// EmbeddedDedupeCacheMiB is the pipeline's dedupe index memory
// (NEWSFLOW_DEDUPE_INDEX_CACHE_MIB; 128 for the dedupe service): Pebble's
// two memtables of EmbeddedDedupeMemTableMiB and 16 MiB of blocks, the
// least the service allows, which hold the Bloom filters of about 250,000
// articles (60 bytes each) beside the tables' index blocks. The 128 MiB a
// replica sized for a 1.4-million-article window keeps would fill over a
// long run with data blocks a laptop can leave to the page cache (the
// tables are not compressed, so a block read from it costs a copy). It
// is C memory the Go soft limit does not count, and a long run fills all
// of it: 32 MiB of blocks (session 14) held 21 MiB on average over the
// second quarter of session 15's make load and 25 over the last, 31 at
// most. Lookups read few blocks (Bloom filters answer most band keys):
// their block reads, cache misses included, were 0.35 % of that run's
// CPU. With 16 MiB the same load's blocks held 14 MiB on average over its
// last quarter, for the same CPU in Pebble (26 CPU-seconds of 799).
const EmbeddedDedupeCacheMiB = 2*EmbeddedDedupeMemTableMiB + 16

// EmbeddedDedupeMemTableMiB is the pipeline's dedupe memtable size
// (NEWSFLOW_DEDUPE_INDEX_MEMTABLE_MIB; 16 for the dedupe service). Both
// memtables are full from about 17,000 articles on (session 13's make
// load); 8 MiB ones take 16 MiB less for the same blocks, for twice as many flushes of half the
// size (write amplification 3.69 at 16 MiB, 3.70-3.79 at 8 over a
// 30,000-article window in BenchmarkLocalIndex, CPU within noise).
const EmbeddedDedupeMemTableMiB = 8

// DefaultOptions returns every service's defaults, the embedded server on
// its usual port and dataDir, EmbeddedMaxStories, EmbeddedMaxTerms and
// EmbeddedDedupeCacheMiB with EmbeddedDedupeMemTableMiB.
func DefaultOptions(dataDir string) Options {
	o := Options{
		DataDir: dataDir,
		Stage:   stage.DefaultConfig(),
		Ingest:  ingest.DefaultConfig(),
		Intake:  intake.DefaultHandlerConfig(),
		Dedupe:  dedupe.DefaultConfig(),
		Enrich:  enrich.DefaultConfig(),
		Stories: stories.DefaultConfig(),
	}
	o.Stories.Params.MaxStories = EmbeddedMaxStories
	o.Stories.Params.MaxTerms = EmbeddedMaxTerms
	o.Dedupe.IndexCacheMiB = EmbeddedDedupeCacheMiB
	o.Dedupe.IndexMemTableMiB = EmbeddedDedupeMemTableMiB
	return o
}

// Services are the services the pipeline runs before its indexer, in
// pipeline order, registered by the same functions as their own
// processes: their Flags and Validate fill and check o's settings, and
// Start reads them.
func Services(o *Options) []stage.Service {
	return []stage.Service{
		ingest.NewService(&o.Ingest, &o.Intake),
		dedupe.NewService(&o.Dedupe),
		enrich.NewService(&o.Enrich),
		stories.NewService(&o.Stories, func(s *stories.Stories) { o.storyStage = s }),
	}
}

// StartStages starts the services and the two sinks on the pipeline Open
// opened, all at once: enrich takes about a second to load its models,
// and the stages after it are ready when it is instead of starting then
// (the runtime keeps them in pipeline order). On an error, what it
// started stops at Shutdown.
func (p *Pipeline) StartStages(ctx context.Context) error {
	// The search index commits in batches and answers each caller after
	// its batch is on disk, so the sink holds many messages at once: big
	// batches mean few segments for Bleve to merge.
	sinkCfg := p.opts.Stage.Consumer
	sinkCfg.Concurrency = max(sinkCfg.Concurrency, sinkConcurrency)
	sinkCfg.Batch = max(sinkCfg.Batch, sinkConcurrency)
	sinkCfg.MaxAckPending = max(sinkCfg.MaxAckPending, 2*sinkConcurrency)
	starts := []func() error{
		func() error {
			_, err := stage.StartWith(ctx, p.rt, p.stories.Stage(p.indexed), sinkCfg)
			return err
		},
		// The story index commits in batches too: the stories stage
		// publishes every story that changed within a second at once.
		func() error {
			_, err := stage.StartWith(ctx, p.rt, stage.Stage[*schema.Story, *schema.Document]{
				Name: stage.NameStoryIndex, Input: stage.SubjectStories, Decode: schema.DecodeStory, Process: p.storySink,
			}, sinkCfg)
			return err
		},
	}
	for _, svc := range Services(&p.opts) {
		starts = append(starts, func() error {
			if err := svc.Start(ctx, p.rt); err != nil {
				return fmt.Errorf("%s: %w", svc.Name, err)
			}
			return nil
		})
	}
	errs := make([]error, len(starts))
	var wg sync.WaitGroup
	for i, start := range starts {
		wg.Go(func() { errs[i] = start() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	paceCtx, stopPacing := context.WithCancel(ctx)
	paced := make(chan struct{}, 2)
	go func() {
		defer func() { paced <- struct{}{} }()
		p.paceSinks(paceCtx)
	}()
	go func() {
		defer func() { paced <- struct{}{} }()
		if p.input != nil {
			p.input.Follow(paceCtx)
		}
	}()
	p.rt.OnShutdown(func(context.Context) error {
		stopPacing()
		<-paced
		<-paced
		return nil
	})
	return nil
}

// storySink keeps the newest snapshot of every story in the story index.
func (p *Pipeline) storySink(ctx context.Context, st *schema.Story) (*schema.Document, error) {
	err := p.stories.IndexStory(ctx, st)
	if errors.Is(err, bleveindex.ErrInvalidStory) {
		return nil, stage.Permanent(err)
	}
	return nil, err
}

// The stages after ingest and before the indexes (dedupe, enrich,
// stories) hold at most inputBacklog unfinished messages, added up:
// ingest waits before each article while they hold more
// (stage.Runtime.HoldInput), so the rest of the input waits in
// articles.raw, not yet ingested, and articles enter ingest at about the
// pace the slowest stage finishes them. An article's time from ingest to
// searchable is then the pipeline's work, not a wait in front of enrich
// behind the rest of a batch run's input, and the stages still have a
// full batch of work waiting. While enrich loads its models, ingest and
// dedupe take only that much ahead.
//
// inputBacklog is three quarters of a search-index batch: with the
// backlog read every 50 ms (a chain's, stage.NewStagesBacklog), enough to
// keep every stage busy between two readings, and each article waits
// behind fewer (a full batch, 256, read every 250 ms, left the stages
// without work for a reading in ten, and read every 50 ms it kept them
// full and the latency p50 a tenth longer).
const inputBacklog = 192

// sinkConcurrency is how many documents the in-process sink holds at once,
// and sinkLinger how long the first of a search-index batch waits for more.
const (
	sinkConcurrency = 256
	sinkLinger      = 500 * time.Millisecond
)

// indexed follows a document into the search index: its latency, then
// the export file.
func (p *Pipeline) indexed(doc *schema.Document) error {
	p.latency.add(time.Since(doc.IngestedAt))
	if p.export != nil {
		return p.export.Write(doc)
	}
	return nil
}

// Latency returns the p50 and p99 time from ingest (a document's
// ingested_at) to searchable in the embedded index, over this run.
func (p *Pipeline) Latency() (p50, p99 time.Duration) {
	q := p.latency.quantiles(0.5, 0.99)
	return q[0], q[1]
}

// Runtime is the pipeline's runtime, for HTTP routes and statistics.
func (p *Pipeline) Runtime() *stage.Runtime { return p.rt }

// Index is the embedded search index.
func (p *Pipeline) Index() *bleveindex.Index { return p.index }

// Stories is the embedded story index.
func (p *Pipeline) Stories() *bleveindex.Stories { return p.stories }

// URL is the NATS server the pipeline uses.
func (p *Pipeline) URL() string { return p.url }

// Export is the export file writer, or nil.
func (p *Pipeline) Export() *Export { return p.export }

// Shutdown drains the stages in order, closes the index and the export,
// and stops the embedded server.
func (p *Pipeline) Shutdown(ctx context.Context) error {
	err := p.rt.Shutdown(ctx)
	if p.server != nil {
		p.server.Shutdown()
		p.server.WaitForShutdown()
	}
	return err
}

func (p *Pipeline) closeSinks() error {
	var errs []error
	if p.stories != nil {
		errs = append(errs, p.stories.Close())
	}
	if p.index != nil {
		errs = append(errs, p.index.Close())
	}
	if p.export != nil {
		errs = append(errs, p.export.Close())
	}
	return errors.Join(errs...)
}

// abort releases what a failed Start opened.
func (p *Pipeline) abort() {
	if p.rt != nil {
		_ = p.rt.Shutdown(context.Background()) // closes the sinks too
	}
	if p.server != nil {
		p.server.Shutdown()
		p.server.WaitForShutdown()
	}
}

func splitListen(listen string) (string, int, error) {
	if listen == "" {
		return "127.0.0.1", nats.DefaultPort, nil
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", 0, fmt.Errorf("listen address %q: %w", listen, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("listen address %q: bad port", listen)
	}
	if n == 0 {
		n = -1 // the server's "pick a free port"
	}
	return host, n, nil
}
