package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// publishPaths publishes every article in paths to articles.raw, waiting
// while the ingest stage has more than maxBacklog unfinished messages, and
// drawing a progress bar on a terminal. Articles that name no source get
// source, or when it is empty their folder's name.
func publishPaths(ctx context.Context, js jetstream.JetStream, paths []string, source string, maxBacklog uint64, stderr io.Writer, log *zap.Logger) (intake.Summary, error) {
	var bar *progress
	pub := intake.NewPublisher(js, log).WithBacklog(stage.NewBacklog(js, stage.SubjectRaw, maxBacklog)).WithSource(source)
	sum, err := pub.PublishPaths(ctx, paths, func(p intake.Progress) {
		if bar == nil {
			bar = newProgress(stderr, p.BytesTotal, "reading")
		}
		bar.set(p.Bytes)
	})
	if bar != nil {
		bar.finish()
	}
	return sum, err
}

func ingestCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ingest", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: newsflow ingest [--nats URL] [--source NAME] PATH...")
		fmt.Fprintln(stderr, "Publishes .txt, .json, .jsonl/.ndjson, .html/.htm files (and .gz of each), and folders")
		fmt.Fprintln(stderr, "recursively, to articles.raw of a running pipeline. A folder's README, LICENCE and")
		fmt.Fprintln(stderr, "the like are skipped (the summary names them).")
		fs.PrintDefaults()
	}
	cfg := stage.DefaultConfig()
	e := &stage.EnvFlags{FlagSet: fs}
	natsFlags(e, &cfg.NATS)
	source := fs.String("source", "", "source of the articles that name none (default: the name of the folder given, or holding the file given)")
	e.Uint64(&cfg.Consumer.MaxBacklog, "max-backlog", "NEWSFLOW_MAX_BACKLOG", "wait while the ingest stage has more unfinished articles than this")
	paths, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if err := e.Err(); err != nil {
		return err
	}
	if len(paths) == 0 {
		fs.Usage()
		return ErrUsage
	}
	js, closeConn, err := dial(ctx, cfg.NATS)
	if err != nil {
		return err
	}
	defer closeConn()
	// Streams belong to the services, which create them with the
	// operator's settings; a client must not redefine them.
	if _, err := js.Stream(ctx, stage.StreamRaw); err != nil {
		return fmt.Errorf("stream %s: %w (start 'newsflow run' or the ingest service first)", stage.StreamRaw, err)
	}
	sum, err := publishPaths(ctx, js, paths, *source, cfg.Consumer.MaxBacklog, stderr, zap.NewNop())
	fmt.Fprint(stdout, sum.String())
	if err == nil && sum.Rejected > 0 {
		err = fmt.Errorf("%w: %d of %d articles (reasons above)", ErrRejectedInput, sum.Rejected, sum.Accepted+sum.Duplicates+sum.Rejected)
	}
	return err
}

// ErrRejectedInput means some of the input was not published: newsflow
// ingest then exits 1 after printing the reasons.
var ErrRejectedInput = errors.New("rejected")
