package chaos

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/services/indexer/estest"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// EnvConfig shapes an Env.
type EnvConfig struct {
	// Nodes is 1 for one NATS server, 3 for a cluster with R3 streams and
	// KV buckets.
	Nodes int
	// StreamMaxBytes is NEWSFLOW_STREAM_MAX_BYTES (default 256 MiB).
	StreamMaxBytes int64
	// Env adds settings per service ("" for all).
	Env map[string][]string
}

// Env is a running pipeline: NATS, the Elasticsearch double behind a
// Gate, and the five services as OS processes.
type Env struct {
	Dir    string
	NATS   *NATS
	ES     *estest.Server
	Gate   *Gate
	NC     *nats.Conn
	JS     jetstream.JetStream
	Pub    *intake.Publisher
	Ledger *Ledger
	Procs  map[string]*Proc
	// HTTP is each service's HTTP address.
	HTTP map[string]string
	// Secrets are the NATS password and the Elasticsearch API key the
	// services run with; ScanLogs looks for them.
	Secrets []string
	// EarlyExits counts services that exited before they were ready and
	// were started again (as a supervisor would).
	EarlyExits map[string]int
}

// NewEnv starts NATS and the double and prepares (does not start) the
// service processes from bins.
func NewEnv(ctx context.Context, dir string, bins map[string]string, cfg EnvConfig) (*Env, error) {
	if cfg.Nodes == 0 {
		cfg.Nodes = 1
	}
	if cfg.StreamMaxBytes == 0 {
		cfg.StreamMaxBytes = 256 << 20
	}
	natsPassword, esKey := randomSecret(), randomSecret()
	n, err := StartNATS(dir, cfg.Nodes, "newsflow", natsPassword)
	if err != nil {
		return nil, err
	}
	e := &Env{Secrets: []string{natsPassword, esKey}, Dir: dir, NATS: n, ES: estest.NewServer(), Procs: map[string]*Proc{}, HTTP: map[string]string{}, EarlyExits: map[string]int{}}
	e.ES.RequireAPIKey(esKey)
	e.Gate, err = NewGate(e.ES.URL)
	if err != nil {
		e.Close()
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	e.NC, e.JS, err = n.Connect(cctx)
	if err != nil {
		e.Close()
		return nil, err
	}
	e.Pub = intake.NewPublisher(e.JS, zap.NewNop())
	e.Ledger = NewLedger(e.JS, e.ES)
	common := []string{
		"NEWSFLOW_NATS_URL=" + n.AllURLs(),
		"NEWSFLOW_NATS_USER=newsflow",
		"NEWSFLOW_NATS_PASSWORD=" + natsPassword,
		"NEWSFLOW_ES_API_KEY=" + esKey,
		"NEWSFLOW_LOG_LEVEL=info",
		"NEWSFLOW_STREAM_MAX_BYTES=" + strconv.FormatInt(cfg.StreamMaxBytes, 10),
		"NEWSFLOW_ACK_WAIT=5s",
		"NEWSFLOW_SHUTDOWN_TIMEOUT=10s",
		"NEWSFLOW_ES_URL=" + e.Gate.URL,
		"NEWSFLOW_INDEXER_START_TIMEOUT=30s",
	}
	if cfg.Nodes > 1 {
		common = append(common, "NEWSFLOW_STREAM_REPLICAS=3", "NEWSFLOW_INGEST_KV_REPLICAS=3", "NEWSFLOW_DEDUPE_KV_REPLICAS=3", "NEWSFLOW_STORIES_LOG_REPLICAS=3")
	}
	common = append(common, cfg.Env[""]...)
	addrs, err := freeAddrs(len(Services))
	if err != nil {
		e.Close()
		return nil, err
	}
	for i, name := range Services {
		addr := addrs[i]
		e.HTTP[name] = addr
		own := []string{"NEWSFLOW_HTTP_ADDR=" + addr}
		if name == "dedupe" {
			// Its band index outlives a kill -9, as on a volume: the
			// restarted process resumes from the store's last flush.
			own = append(own, "NEWSFLOW_DEDUPE_INDEX_DIR="+filepath.Join(dir, "dedupe-index"))
		}
		e.Procs[name] = &Proc{
			Name: name,
			Bin:  bins[name],
			Env:  append(append(append([]string{}, common...), own...), cfg.Env[name]...),
			Log:  filepath.Join(dir, name+".log"),
		}
	}
	return e, nil
}

// StartAll starts every service and waits until each is ready.
func (e *Env) StartAll(ctx context.Context) error {
	for _, name := range Services {
		if err := e.Start(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// Start starts one service and waits until its /readyz answers 200. A
// service that exits before it is ready is started again, up to twice, as
// a supervisor would; EarlyExits counts those.
func (e *Env) Start(ctx context.Context, name string) error {
	p := e.Procs[name]
	for attempt := 0; ; attempt++ {
		if err := p.Start(); err != nil {
			return err
		}
		err := e.WaitReady(ctx, name, 90*time.Second)
		if err == nil || p.Running() || attempt == 2 {
			return err
		}
		_ = p.Kill(syscall.SIGKILL, time.Second)
		e.EarlyExits[name]++
	}
}

// WaitReady waits until service name answers /readyz with 200.
func (e *Env) WaitReady(ctx context.Context, name string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get("http://" + e.HTTP[name] + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if !e.Procs[name].Running() {
			return fmt.Errorf("%s exited before it was ready (log %s)", name, e.Procs[name].Log)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s (log %s)", name, timeout, e.Procs[name].Log)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Kill9 kills service name with SIGKILL.
func (e *Env) Kill9(name string) error {
	return e.Procs[name].Kill(syscall.SIGKILL, 10*time.Second)
}

// Close stops the services gracefully, then NATS and the double.
func (e *Env) Close() {
	for _, p := range e.Procs {
		_ = p.Kill(syscall.SIGTERM, 15*time.Second)
	}
	if e.NC != nil {
		e.NC.Close()
	}
	if e.Gate != nil {
		_ = e.Gate.Close()
	}
	e.ES.Close()
	e.NATS.Shutdown()
}

func randomSecret() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// ScanLogs reads every service log of e and returns how many lines it
// read and the lines that carry one of e's secrets.
func (e *Env) ScanLogs() (lines int, leaks []string, err error) {
	for _, p := range e.Procs {
		b, err := os.ReadFile(p.Log)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return lines, leaks, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line == "" {
				continue
			}
			lines++
			for _, s := range e.Secrets {
				if strings.Contains(line, s) {
					leaks = append(leaks, p.Name+": "+line)
				}
			}
		}
	}
	return lines, leaks, nil
}
