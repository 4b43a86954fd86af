package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/pipeline"
	"github.com/newsflow/newsflow/pkg/stage"
)

// natsFlags registers the NATS connection flags a client command needs,
// with NEWSFLOW_NATS_* environment defaults.
func natsFlags(e *stage.EnvFlags, cfg *stage.NATSConfig) {
	e.String(&cfg.URL, "nats", "NEWSFLOW_NATS_URL", "NATS server URL (newsflow run listens on nats://127.0.0.1:4222)")
	e.String(&cfg.User, "nats-user", "NEWSFLOW_NATS_USER", "NATS user")
	e.Secret(&cfg.Password, "nats-password", "NEWSFLOW_NATS_PASSWORD", "NATS password")
	e.String(&cfg.CredsFile, "nats-creds", "NEWSFLOW_NATS_CREDS", "NATS credentials file")
	e.String(&cfg.NKeyFile, "nats-nkey", "NEWSFLOW_NATS_NKEY", "NATS nkey seed file")
	e.String(&cfg.CACert, "nats-ca-cert", "NEWSFLOW_NATS_CA_CERT", "CA certificate for NATS TLS")
}

// dial connects a client command to NATS, failing fast when no server
// answers instead of retrying forever as services do.
func dial(ctx context.Context, cfg stage.NATSConfig) (jetstream.JetStream, func(), error) {
	nc, err := stage.Connect(cfg, "newsflow-cli", zap.NewNop())
	if err != nil {
		return nil, nil, err
	}
	deadline := time.Now().Add(3 * time.Second)
	for !nc.IsConnected() {
		if time.Now().After(deadline) {
			nc.Close()
			return nil, nil, fmt.Errorf("no NATS server answers at %s: start one with 'newsflow run' or pass --nats", stage.MaskURL(cfg.URL))
		}
		select {
		case <-ctx.Done():
			nc.Close()
			return nil, nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return js, nc.Close, nil
}

func statusCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("status", stderr)
	cfg := stage.DefaultConfig().NATS
	e := &stage.EnvFlags{FlagSet: fs}
	natsFlags(e, &cfg)
	every := fs.Duration("interval", time.Second, "time between the two readings the rate is taken from")
	asJSON := fs.Bool("json", false, "print the stages as a JSON array")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := e.Err(); err != nil {
		return err
	}
	if *every <= 0 {
		return fmt.Errorf("--interval %s: must be positive, e.g. 1s", *every)
	}
	js, closeConn, err := dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeConn()
	before, err := pipeline.Lags(ctx, js)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(*every):
	}
	after, err := pipeline.Lags(ctx, js)
	if err != nil {
		return err
	}
	rows := stageStatuses(before, after, *every)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	return printStatus(stdout, rows)
}

// States of a stage in newsflow status.
const (
	stateOK = "ok"
	// stateNoConsumer: nothing has ever consumed the stage's input.
	stateNoConsumer = "no consumer"
	// stateNotPulling: the consumer exists but no replica had a pull
	// request open in either reading and nothing was finished between
	// them: no replica is running, or every one is stuck.
	stateNotPulling = "no replica pulling"
)

// stageStatus is one row of newsflow status.
type stageStatus struct {
	Stage        string  `json:"stage"`
	Subject      string  `json:"subject"`
	Stream       string  `json:"stream"`
	Pending      uint64  `json:"pending"`
	InFlight     int     `json:"in_flight"`
	Redelivered  int     `json:"redelivered"`
	DeadLettered uint64  `json:"dead_lettered"`
	Rate         float64 `json:"rate_per_second"`
	State        string  `json:"state"`
}

// stageStatuses pairs two readings taken every apart. The rate is the
// messages finished (acknowledged or dead-lettered) per second, so one
// message held by a dead replica does not hide the work of the others.
func stageStatuses(before, after []pipeline.Lag, every time.Duration) []stageStatus {
	prev := map[string]pipeline.Lag{}
	for _, l := range before {
		prev[l.Key()] = l
	}
	rows := make([]stageStatus, 0, len(after))
	for _, l := range after {
		row := stageStatus{
			Stage: l.Stage, Subject: l.Subject, Stream: l.Stream, Pending: l.Pending, InFlight: l.InFlight,
			Redelivered: l.Redelivered, DeadLettered: l.Dead, State: stateOK,
		}
		b, seen := prev[l.Key()]
		if seen && l.Done() > b.Done() {
			row.Rate = float64(l.Done()-b.Done()) / every.Seconds()
		}
		switch {
		case l.Stage == "":
			row.State = stateNoConsumer
		case l.Waiting == 0 && (!seen || b.Waiting == 0) && row.Rate == 0:
			row.State = stateNotPulling
		}
		rows = append(rows, row)
	}
	return rows
}

func printStatus(w io.Writer, rows []stageStatus) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "stage\tinput\tpending\tin flight\tredelivered\tdead-lettered\trate/s\tstate")
	for _, r := range rows {
		name := r.Stage
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%.1f\t%s\n", name, r.Subject, r.Pending, r.InFlight, r.Redelivered, r.DeadLettered, r.Rate, r.State)
	}
	return tw.Flush()
}
