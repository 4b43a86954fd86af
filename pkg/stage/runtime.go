package stage

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
)

// Runtime is one process's connection to the pipeline: the NATS
// connection, the provisioned streams, the stages it consumes, its HTTP
// endpoints and the shutdown hooks, stopped in order.
type Runtime struct {
	cfg      Config
	log      *zap.Logger
	conn     *nats.Conn
	js       jetstream.JetStream
	registry *prometheus.Registry
	mux      *http.ServeMux
	ready    atomic.Bool
	// started opens the routes services register (Listen serves only the
	// runtime's own before it).
	started atomic.Bool

	// srv serves HTTP from Listen on; served receives its Serve result.
	srv    *http.Server
	served chan error

	// dial opens another connection like the first; nil when the runtime
	// was given its connection (OpenConn), and then everything shares it.
	dial func(name string) (*nats.Conn, error)

	mu sync.Mutex
	// consumers are the stages this process runs, in pipeline order
	// (inputOrder), and in start order where that does not decide.
	consumers []*Consumer
	// holds are the backlogs that stages started later wait on (HoldInput).
	holds   map[string]*Backlog
	closers []func(context.Context) error
	checks  []func() error
	// extra are connections opened with JetStreamFor, drained last.
	extra []*nats.Conn
}

// Open connects to NATS, waits until JetStream answers, and provisions the
// pipeline streams. name identifies the process in NATS connection lists.
func Open(ctx context.Context, cfg Config, name string, log *zap.Logger) (*Runtime, error) {
	nc, err := Connect(cfg.NATS, name, log)
	if err != nil {
		return nil, err
	}
	rt, err := OpenConn(ctx, nc, cfg, log)
	if err != nil {
		nc.Close()
		return nil, err
	}
	rt.dial = func(conn string) (*nats.Conn, error) { return Connect(cfg.NATS, name+"-"+conn, log) }
	return rt, nil
}

// JetStreamFor returns a JetStream handle on a connection of its own for
// name (a stage, or a heavy user such as dedupe's KV index), when the
// runtime dialled its own connection; otherwise the shared one. A NATS
// connection is one ordered stream of frames, read by one goroutine on
// each side: stages sharing one in a single process take turns on it, and
// the process cannot use more than about one core.
func (rt *Runtime) JetStreamFor(name string) (jetstream.JetStream, error) {
	if rt.dial == nil {
		return rt.js, nil
	}
	nc, err := rt.dial(name)
	if err != nil {
		return nil, err
	}
	js, err := newJetStream(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	rt.mu.Lock()
	rt.extra = append(rt.extra, nc)
	rt.mu.Unlock()
	return js, nil
}

// newJetStream is the runtime's JetStream handle on nc. Stages publish
// without waiting and confirm later; the client forgets a publish JetStream
// never answers after publishConfirmWait, as the stage does.
func newJetStream(nc *nats.Conn) (jetstream.JetStream, error) {
	return jetstream.New(nc, jetstream.WithPublishAsyncTimeout(publishConfirmWait))
}

// errCodeInsufficientResources is JetStream's "insufficient storage
// resources available": a stream's MaxBytes does not fit the server's
// max_file_store.
const errCodeInsufficientResources = 10047

// errCodeReplicasNotSupported is JetStream's "replicas > 1 not supported
// in non-clustered mode"; errCodeNoSuitablePeers its "no suitable peers
// for placement" (fewer servers up than replicas asked for).
const (
	errCodeReplicasNotSupported = 10074
	errCodeNoSuitablePeers      = 10005
)

// OpenConn is Open on an existing connection, which the runtime then owns
// and drains at shutdown.
func OpenConn(ctx context.Context, nc *nats.Conn, cfg Config, log *zap.Logger) (*Runtime, error) {
	js, err := newJetStream(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	err = Provision(ctx, js, log, "streams", func(ctx context.Context) error { return EnsureStreams(ctx, js, cfg.Streams) })
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeReplicasNotSupported {
		// No retry can add servers: say what the server offers.
		return nil, fmt.Errorf("NEWSFLOW_STREAM_REPLICAS=%d: the NATS server %s is not clustered and keeps 1 replica of a stream; set NEWSFLOW_STREAM_REPLICAS=1, or run a cluster of at least %d servers (deploy/nats/cluster): %w",
			cfg.Streams.Replicas, nc.ConnectedUrlRedacted(), cfg.Streams.Replicas, err)
	}
	if err != nil {
		return nil, err
	}
	logServerLimits(nc, log)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	rt := &Runtime{cfg: cfg, log: log, conn: nc, js: js, registry: reg, mux: http.NewServeMux()}
	rt.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	rt.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	rt.mux.HandleFunc("GET /readyz", rt.readyz)
	if cfg.PProf {
		rt.mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		rt.mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		rt.mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		rt.mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		rt.mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return rt, nil
}

// logServerLimits logs the NATS server's max_payload, read once connected,
// and warns when it is below the largest article the pipeline accepts.
func logServerLimits(nc *nats.Conn, log *zap.Logger) {
	fields := []zap.Field{zap.String("server_version", nc.ConnectedServerVersion()), zap.Int64("max_payload_bytes", nc.MaxPayload())}
	if nc.MaxPayload() < schema.MaxArticleBytes+HeaderRoom {
		log.Warn("the NATS server's max_payload is below the largest article the pipeline accepts: the intake refuses articles over it (413) and a stage output that outgrows it is dead-lettered; raise max_payload in the server's configuration (e.g. max_payload: 8MB)",
			append(fields, zap.Int("article_limit_bytes", schema.MaxArticleBytes))...)
		return
	}
	log.Info("nats server", fields...)
}

// HeaderRoom is the room left for the headers the pipeline sets on a message
// (de-duplication id, revision, dead-letter reasons).
const HeaderRoom = 4 << 10

// JetStream is the runtime's JetStream handle, for KV buckets and
// publishing at the edge.
func (rt *Runtime) JetStream() jetstream.JetStream { return rt.js }

// Registry is where stage and service metrics are registered.
func (rt *Runtime) Registry() *prometheus.Registry { return rt.registry }

// Register adds a service's own collectors to the metrics registry.
func (rt *Runtime) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := rt.registry.Register(c); err != nil {
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	return nil
}

// Logger is the runtime's logger.
func (rt *Runtime) Logger() *zap.Logger { return rt.log }

// Config is the runtime's configuration.
func (rt *Runtime) Config() Config { return rt.cfg }

// Handle adds a route to the HTTP server, e.g. "POST /v1/articles".
func (rt *Runtime) Handle(pattern string, h http.Handler) { rt.mux.Handle(pattern, h) }

// Handler is the HTTP handler with every route, for tests and embedding.
func (rt *Runtime) Handler() http.Handler { return rt.mux }

// OnShutdown registers fn to run after every stage has drained and before
// the NATS connection closes: flush writers and close indexes here. The
// functions registered run at the same time, each on its own goroutine,
// so the slowest one, not their sum, is what shutdown waits for.
func (rt *Runtime) OnShutdown(fn func(context.Context) error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.closers = append(rt.closers, fn)
}

// Consumers returns the stages this process runs, in pipeline order:
// by the position of their input among the pipeline's subjects
// (ingest, dedupe, enrich, stories, indexer, storyindex), whatever order
// they started in, then stages of other subjects in start order.
// Shutdown drains them in this order.
func (rt *Runtime) Consumers() []*Consumer {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]*Consumer(nil), rt.consumers...)
}

// Start runs st in this process under the runtime's consumer settings.
func Start[In any, Out Output](ctx context.Context, rt *Runtime, st Stage[In, Out]) (*Consumer, error) {
	return StartWith(ctx, rt, st, rt.cfg.Consumer)
}

// StartWith runs st with its own consumer settings, for a stage in a
// shared process whose needs differ from the others', such as a sink that
// batches and so wants many messages in flight.
func StartWith[In any, Out Output](ctx context.Context, rt *Runtime, st Stage[In, Out], cc ConsumerConfig) (*Consumer, error) {
	js, err := rt.JetStreamFor(st.Name)
	if err != nil {
		return nil, err
	}
	rt.mu.Lock()
	hold := rt.holds[st.Name]
	rt.mu.Unlock()
	c, err := consume(ctx, js, st, cc, hold, rt.registry, rt.log)
	if err != nil {
		return nil, err
	}
	c.order = inputOrder(st.Input)
	rt.mu.Lock()
	at := len(rt.consumers)
	for at > 0 && rt.consumers[at-1].order > c.order {
		at--
	}
	rt.consumers = slices.Insert(rt.consumers, at, c)
	rt.mu.Unlock()
	rt.ready.Store(true)
	return c, nil
}

// pipelineSubjects are the stage inputs in the order articles and story
// snapshots flow through them.
var pipelineSubjects = []string{SubjectRaw, SubjectCleaned, SubjectDeduped, SubjectEnriched, SubjectStoried, SubjectStories}

// inputOrder is the position of subject among pipelineSubjects; any other
// subject comes after them all.
func inputOrder(subject string) int {
	if i := slices.Index(pipelineSubjects, subject); i >= 0 {
		return i
	}
	return len(pipelineSubjects)
}

// HoldInput makes the stage named name, when this runtime starts it, wait
// before processing each message while b is full: its input then waits
// unprocessed in its stream, not its output in the next stage's. A
// process that runs a whole chain of stages holds its first one on the
// work the others hold, so that an article enters the chain at about the
// pace its slowest stage finishes them. Each output the stage publishes
// counts toward b until b's next reading, as b's limit expects when the
// stage's output is one of the subjects b watches.
func (rt *Runtime) HoldInput(name string, b *Backlog) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.holds == nil {
		rt.holds = map[string]*Backlog{}
	}
	rt.holds[name] = b
}

// ReadyCheck adds a condition to /readyz, such as "Elasticsearch answers".
// fn returns nil when ready, else why not.
func (rt *Runtime) ReadyCheck(fn func() error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.checks = append(rt.checks, fn)
}

func (rt *Runtime) readyz(w http.ResponseWriter, _ *http.Request) {
	if !rt.conn.IsConnected() {
		http.Error(w, "not connected to NATS: "+rt.conn.Status().String(), http.StatusServiceUnavailable)
		return
	}
	rt.mu.Lock()
	checks, extra := rt.checks, rt.extra
	rt.mu.Unlock()
	for _, nc := range extra {
		if !nc.IsConnected() {
			http.Error(w, "a stage's NATS connection is "+nc.Status().String(), http.StatusServiceUnavailable)
			return
		}
	}
	// The checks come before "not consuming": they say what a service
	// still waits for at start (the indexer: Elasticsearch).
	for _, check := range checks {
		if err := check(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	if !rt.ready.Load() {
		http.Error(w, "not consuming", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

// Listen starts serving HTTP on the configured address before the
// services start, so a slow start (the indexer waiting for
// Elasticsearch, enrich loading its gazetteer) is observable: /healthz
// answers, /readyz says why the process is not ready and /metrics has the
// process's metrics. Every route a service registers answers 503 with
// Retry-After until Serve opens them. Serve calls Listen when nobody did.
func (rt *Runtime) Listen() error {
	if rt.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", rt.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", rt.cfg.HTTPAddr, err)
	}
	rt.srv = NewHTTPServer(http.HandlerFunc(rt.serveHTTP))
	rt.served = make(chan error, 1)
	if rt.cfg.HTTPTLSCert != "" {
		go func() { rt.served <- rt.srv.ServeTLS(ln, rt.cfg.HTTPTLSCert, rt.cfg.HTTPTLSKey) }()
	} else {
		go func() { rt.served <- rt.srv.Serve(ln) }()
	}
	rt.log.Info("serving", zap.String("addr", ln.Addr().String()), zap.Bool("tls", rt.cfg.HTTPTLSCert != ""))
	return nil
}

// serveHTTP is the HTTP server's handler: the mux, with the services'
// routes closed until Serve.
func (rt *Runtime) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !rt.started.Load() && !runtimeRoute(r.URL.Path) {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "starting: not accepting requests yet", http.StatusServiceUnavailable)
		return
	}
	rt.mux.ServeHTTP(w, r)
}

// runtimeRoute reports whether path is one of the runtime's own routes,
// served from Listen on.
func runtimeRoute(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(path, "/debug/pprof/")
}

// Serve opens the services' routes and serves HTTP on the configured
// address (Listen) until ctx ends, then shuts down in order under the
// shutdown timeout: the HTTP server stops accepting and finishes its
// requests in flight, then the runtime drains (Shutdown).
func (rt *Runtime) Serve(ctx context.Context) error {
	if err := rt.Listen(); err != nil {
		return err
	}
	rt.started.Store(true)
	select {
	case <-ctx.Done():
	case err := <-rt.served:
		return fmt.Errorf("http: %w", err)
	}
	// Stop taking requests first: readiness goes false and the server
	// closes its listener, then finishes the requests in flight (an
	// upload being published completes: it still has NATS), and only
	// then do the stages drain and the NATS connections close.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rt.cfg.ShutdownTimeout)
	defer cancel()
	return errors.Join(rt.stopHTTP(sctx), rt.Shutdown(sctx))
}

// stopHTTP makes readiness false, stops the HTTP server from accepting
// and waits for its requests in flight under ctx; nothing when Listen was
// not called.
func (rt *Runtime) stopHTTP(ctx context.Context) error {
	rt.ready.Store(false)
	if rt.srv == nil {
		return nil
	}
	var err error
	if herr := rt.srv.Shutdown(ctx); herr != nil {
		err = fmt.Errorf("http shutdown: %w", herr)
	}
	<-rt.served
	return err
}

// Shutdown stops fetching on every stage, drains in-flight messages in
// pipeline order (Consumers), runs the shutdown hooks, all at once, and
// drains the NATS connections, all at once. Serve stops the HTTP server before it calls Shutdown, so an
// upload in flight is published before NATS goes away.
func (rt *Runtime) Shutdown(ctx context.Context) error {
	rt.ready.Store(false)
	var errs []error
	for _, c := range rt.Consumers() {
		if err := c.Drain(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	rt.mu.Lock()
	closers := rt.closers
	rt.closers = nil
	rt.mu.Unlock()
	errs = append(errs, concurrently(closers, func(fn func(context.Context) error) error { return fn(ctx) })...)
	rt.mu.Lock()
	conns := append(rt.extra, rt.conn)
	rt.extra = nil
	rt.mu.Unlock()
	// Each connection's drain waits for the server to confirm it (a round
	// trip and a flush each): together they take one, not one per stage.
	errs = append(errs, concurrently(conns, func(nc *nats.Conn) error { return drainConn(ctx, nc) })...)
	if ctx.Err() != nil && len(errs) > 0 {
		return rt.deadlinePassed(errs)
	}
	return errors.Join(errs...)
}

// ErrShutdownDeadline means NEWSFLOW_SHUTDOWN_TIMEOUT passed before every
// stage had finished its messages, typically while a dependency is down.
// Nothing is lost: the unfinished messages are unacknowledged, and
// JetStream redelivers them after the ack wait.
var ErrShutdownDeadline = errors.New("shutdown deadline passed")

// deadlinePassed is Shutdown's one error once its deadline has passed:
// how many messages each stage had not finished, and any error the
// deadline did not cause (each step after it fails alike).
func (rt *Runtime) deadlinePassed(errs []error) error {
	var total int64
	var stages, other []string
	for _, err := range errs {
		var de *DrainError
		switch {
		case errors.As(err, &de):
			total += de.Unfinished
			stages = append(stages, fmt.Sprintf("%s %d", de.Stage, de.Unfinished))
		case !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled):
			other = append(other, err.Error())
		}
	}
	err := fmt.Errorf("%w (NEWSFLOW_SHUTDOWN_TIMEOUT=%s): %d messages unfinished (%s), left unacknowledged: JetStream redelivers them after the ack wait (%s)",
		ErrShutdownDeadline, rt.cfg.ShutdownTimeout, total, strings.Join(stages, ", "), rt.cfg.Consumer.AckWait)
	if len(other) > 0 {
		err = fmt.Errorf("%w; also: %s", err, strings.Join(other, "; "))
	}
	return err
}

// concurrently calls fn on every item at once, each on a goroutine of
// its own, and returns the errors, in the items' order, once every call
// has returned.
func concurrently[T any](items []T, fn func(T) error) []error {
	results := make([]error, len(items))
	var wg sync.WaitGroup
	for i, item := range items {
		wg.Go(func() { results[i] = fn(item) })
	}
	wg.Wait()
	var errs []error
	for _, err := range results {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func drainConn(ctx context.Context, nc *nats.Conn) error {
	if nc.IsClosed() {
		return nil
	}
	closed := make(chan struct{})
	nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
	if err := nc.Drain(); err != nil {
		nc.Close()
		return nil
	}
	select {
	case <-closed:
		return nil
	case <-ctx.Done():
		nc.Close()
		return fmt.Errorf("drain nats connection: %w", ctx.Err())
	}
}
