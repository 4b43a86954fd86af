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
	"syscall"
	"time"

	"go.uber.org/zap"
)

// Service is what a service's main hands to Main: its name, its own
// settings and how to wire itself into a runtime.
type Service struct {
	Name string
	// Version is logged at start.
	Version string
	// Defaults adjusts the runtime defaults before the environment and
	// flags are read, e.g. a sink's higher concurrency; nil keeps them.
	Defaults func(*Config)
	// Flags registers the service's own NEWSFLOW_<SERVICE>_* settings.
	Flags func(e *EnvFlags)
	// Validate checks those settings after parsing; nil means none.
	Validate func() error
	// Start registers the service's stages, routes and shutdown hooks.
	Start func(ctx context.Context, rt *Runtime) error
}

// Main runs svc as a process: "healthcheck" as the first argument probes
// a running instance's /readyz (for container healthchecks); otherwise it
// reads config, starts the runtime and serves until SIGINT or SIGTERM,
// then drains in order. It returns the process exit code.
func Main(svc Service, args []string, stderr io.Writer) int {
	cfg := DefaultConfig()
	if svc.Defaults != nil {
		svc.Defaults(&cfg)
	}
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

func run(ctx context.Context, cfg Config, svc Service, log *zap.Logger) error {
	log.Info("starting", append([]zap.Field{zap.String("version", svc.Version)}, cfg.LogFields()...)...)
	rt, err := Open(ctx, cfg, svc.Name, log)
	if err != nil {
		return err
	}
	if err := rt.Register(BuildInfo(svc.Version)); err != nil {
		return err
	}
	if err := svc.Start(ctx, rt); err != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
		defer cancel()
		return errors.Join(fmt.Errorf("start %s: %w", svc.Name, err), rt.Shutdown(sctx))
	}
	err = rt.Serve(ctx)
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
