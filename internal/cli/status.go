package cli

import (
	"context"
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
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := e.Err(); err != nil {
		return err
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
	return printStatus(stdout, before, after, *every)
}

func printStatus(w io.Writer, before, after []pipeline.Lag, every time.Duration) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\tpending\tin flight\tredelivered\tdead-lettered\trate/s\t")
	for i, l := range after {
		rate := float64(l.AckFloor-before[i].AckFloor) / every.Seconds()
		if l.AckFloor < before[i].AckFloor {
			rate = 0
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.1f\t\n", l.Stage, l.Pending, l.InFlight, l.Redelivered, l.Dead, rate)
	}
	return tw.Flush()
}
