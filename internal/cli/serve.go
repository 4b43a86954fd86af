package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/pipeline"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/internal/webui"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/embedded"
)

// serveCommand runs `newsflow serve [--data DIR] [--http ADDR]`: the web UI
// and the HTTP API (GET /v1/search, GET /v1/stories, GET /v1/stories/{id};
// search.MountAPI, as `newsflow run` serves them) over the indexes a
// `newsflow run --once` left in DIR.
// When DIR also holds JetStream's files, an embedded NATS server (on a
// free loopback port, no stage running) lets the pipeline page show the
// backlog and the dead letters the run left.
func serveCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	data := fs.String("data", dataDir(), "data directory a `newsflow run` wrote (default $NEWSFLOW_DATA or ./data)")
	addr := fs.String("http", "127.0.0.1:8080", "HTTP address of the web UI")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "newsflow serve: unexpected argument %q; the data folder is given with --data DIR\n", fs.Arg(0))
		return ErrUsage
	}
	log, err := consoleLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	defer log.Sync()
	ix, err := bleveindex.OpenReadOnly(filepath.Join(*data, pipeline.SearchIndexDir), searchLockTimeout, log)
	switch {
	case errors.Is(err, bleveindex.ErrLocked):
		return fmt.Errorf("%w: a running `newsflow run` holds %s; it serves the web UI on its own --http address", err, *data)
	case errors.Is(err, bleveindex.ErrNotFound):
		return fmt.Errorf("%w: nothing has been indexed under --data %s yet (`newsflow run --once --input PATH` creates it)", err, *data)
	case err != nil:
		return err
	}
	defer ix.Close()
	stories, err := bleveindex.OpenStoriesReadOnly(filepath.Join(*data, pipeline.StoryIndexDir), searchLockTimeout, log.Named("stories"))
	switch {
	case errors.Is(err, bleveindex.ErrNotFound):
		// A data folder written before stories existed: GET /v1/stories
		// answers 404 and says why, and so does the web UI's story list.
		fmt.Fprintf(stderr, "newsflow serve: no story index under %s; GET %s answers 404 and /stories lists none\n", *data, search.StoriesPath)
	case err != nil:
		return err
	default:
		defer stories.Close()
	}

	articles := search.ForIndex(ix)
	// The index is read-only and does not change: its columns are read
	// once, at start, rather than by the first search.
	defer articles.KeepWarm(0, log.Named("search"))()
	opts := webui.Options{Index: ix, Articles: articles, Stories: stories, Log: log.Named("webui")}
	if st, err := os.Stat(filepath.Join(*data, "jetstream")); err == nil && st.IsDir() {
		srv, err := embedded.Start(embedded.Options{StoreDir: filepath.Join(*data, "jetstream"), Host: "127.0.0.1", Port: -1})
		if err != nil {
			return fmt.Errorf("reading the pipeline's streams in %s: %w", *data, err)
		}
		defer srv.Shutdown()
		nc, err := nats.Connect(srv.ClientURL(), nats.Name("newsflow-serve"))
		if err != nil {
			return err
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return err
		}
		opts.Pipeline = jetStreamPipeline{js}
	}
	ui, err := webui.New(opts)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	ui.Mount(mux.Handle)
	search.MountAPI(mux.Handle, articles, stories, log)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("http listen %s: %w", *addr, err)
	}
	hs := stage.NewHTTPServer(mux)
	hs.RegisterOnShutdown(ui.Stop)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "newsflow: the web UI of %s is on http://%s/ (Ctrl-C to stop)\n", *data, ln.Addr())
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// jetStreamPipeline reads the stages' backlog and dead letters for the
// web UI's pipeline page.
type jetStreamPipeline struct{ js jetstream.JetStream }

func (p jetStreamPipeline) Lags(ctx context.Context) ([]pipeline.Lag, error) {
	return pipeline.Lags(ctx, p.js)
}

func (p jetStreamPipeline) DeadLetters(ctx context.Context, limit int) ([]webui.DeadLetter, error) {
	letters, err := readDeadLetters(ctx, p.js, "", time.Time{}, limit)
	out := make([]webui.DeadLetter, len(letters))
	for i, l := range letters {
		out[i] = webui.DeadLetter{Stage: l.Stage, Reason: l.Reason, Time: l.Time}
	}
	return out, err
}
