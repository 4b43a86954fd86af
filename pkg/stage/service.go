package stage

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// Service is one service's registration, in the manner of the
// OpenTelemetry Collector's component factories: its name, its own
// settings and how to wire itself into a runtime. Each service package
// exports one constructor (dedupe.NewService, enrich.NewService, ...)
// that both hosts call: its cmd/<service>/main.go hands it to Main, and
// `newsflow run` (internal/pipeline) calls its Start on the one shared
// runtime, so the single process and the services run the same code.
type Service struct {
	Name string
	// Version is logged at start.
	Version string
	// Flags registers the service's own NEWSFLOW_<SERVICE>_* settings.
	Flags func(e *EnvFlags)
	// Validate checks those settings after parsing; nil means none.
	Validate func() error
	// Start registers the service's stages, routes, metrics and shutdown
	// hooks on rt, reading rt.Config() for the runtime's settings. ctx is
	// the work context: the parent of every Process call and of the
	// service's background work. It is not the stop signal: the host
	// cancels it only when the ordered drain gives up (WorkContext), so
	// SIGTERM lets in-flight work finish.
	Start func(ctx context.Context, rt *Runtime) error
}

// WorkContext separates a process's work from its stop signal. work is
// the context stages and services run under (Service.Start's ctx): it
// ends when stop ends before started is called, so a signal during
// start-up aborts the start, and otherwise only when abandon is called,
// once the ordered drain has finished or given up at its deadline. A
// SIGTERM therefore stops fetching and lets in-flight messages finish
// instead of cancelling them mid-write.
func WorkContext(stop context.Context) (work context.Context, started, abandon func()) {
	work, cancel := context.WithCancel(context.WithoutCancel(stop))
	done := make(chan struct{})
	var once sync.Once
	started = func() { once.Do(func() { close(done) }) }
	go func() {
		select {
		case <-stop.Done():
			cancel()
		case <-done:
		}
	}()
	return work, started, func() { started(); cancel() }
}

// Main runs svc as a process: "healthcheck" as the first argument probes
// a running instance's /readyz (for container healthchecks); otherwise it
// reads config, starts the runtime and serves until SIGINT or SIGTERM,
// then drains in order. It returns the process exit code.
func Main(svc Service, args []string, stderr io.Writer) int {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet(svc.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := &EnvFlags{FlagSet: fs}
	cfg.Flags(env)
	if svc.Flags != nil {
		svc.Flags(env)
	}
	if len(args) > 0 && args[0] == "healthcheck" {
		if err := Healthcheck(cfg.HTTPAddr, cfg.HTTPTLSCert != ""); err != nil {
			fmt.Fprintf(stderr, "%s: unhealthy: %v\n", svc.Name, err)
			return 1
		}
		return 0
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	errs := []error{env.Err(), cfg.Validate()}
	if svc.Validate != nil {
		errs = append(errs, svc.Validate())
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(stderr, "%s: invalid configuration:\n%v\n", svc.Name, err)
		return 2
	}
	log, err := NewLogger(cfg.LogLevel)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", svc.Name, err)
		return 2
	}
	defer log.Sync()
	log = log.With(zap.String("service", svc.Name))
	for _, u := range env.Unknown(os.Environ()) {
		log.Warn("unknown setting ignored: no setting of this service reads it", zap.String("variable", u.Name), zap.String("did_you_mean", u.Suggestion))
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, svc, log); err != nil {
		log.Error("exiting", zap.Error(err))
		return 1
	}
	return 0
}

// run starts svc and serves until stop ends (the signal), then drains in
// order. The stages work under a context of their own (WorkContext), not
// under stop.
func run(stop context.Context, cfg Config, svc Service, log *zap.Logger) error {
	log.Info("starting", append([]zap.Field{zap.String("version", svc.Version)}, cfg.LogFields()...)...)
	LogMemoryLimit(log, ApplyMemoryLimit(cfg.MemoryLimit))
	work, started, abandon := WorkContext(stop)
	defer abandon()
	rt, err := Open(work, cfg, svc.Name, log)
	if err != nil {
		return err
	}
	// Health and metrics answer while the service starts.
	err = errors.Join(rt.Register(BuildInfo(svc.Version)), rt.Listen())
	if err == nil {
		err = svc.Start(work, rt)
		if err != nil {
			err = fmt.Errorf("start %s: %w", svc.Name, err)
		}
	}
	if err != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(stop), cfg.ShutdownTimeout)
		defer cancel()
		serr := errors.Join(rt.stopHTTP(sctx), rt.Shutdown(sctx))
		if stop.Err() != nil {
			// SIGTERM while starting (waiting for a dependency) is a
			// stop, not a failure.
			log.Info("stopped before the start finished", zap.NamedError("start", err))
			return serr
		}
		return errors.Join(err, serr)
	}
	started()
	err = rt.Serve(stop)
	if errors.Is(err, ErrShutdownDeadline) {
		// Expected when stopping during an outage, and nothing is lost:
		// one warning, not an error per message.
		log.Warn("stopped before every message was finished", zap.String("reason", err.Error()))
		return nil
	}
	log.Info("stopped")
	return err
}

// Healthcheck asks the instance serving on addr whether it is ready. With
// useTLS it speaks HTTPS to loopback and, as it only reads a status from
// its own container, does not verify the certificate's name.
func Healthcheck(addr string, useTLS bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("NEWSFLOW_HTTP_ADDR %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	scheme := "http"
	if useTLS {
		scheme = "https"
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback readiness probe
	}
	resp, err := client.Get(scheme + "://" + net.JoinHostPort(host, port) + "/readyz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, body)
	}
	return nil
}
