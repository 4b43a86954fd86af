package search

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/services/indexer/bleveindex"
)

// DataEnv names the environment variable giving the default data
// directory of RunCLI; without it the default is DefaultDataDir.
const (
	DataEnv        = "NEWSFLOW_DATA"
	DefaultDataDir = "data"
)

// IndexSubdir is the folder of the data directory holding the Bleve index.
const IndexSubdir = "search"

// LockTimeout is how long RunCLI waits for the index lock.
const LockTimeout = 2 * time.Second

// ErrUsage means the command line was wrong; the message was printed.
var ErrUsage = errors.New("usage error")

// RunCLI runs `newsflow search QUERY [--json] [--source S] [--person P]
// [--place P] [--include-duplicates] [--size N] [--data DIR]`. args are
// the arguments after "search"; flags and query words may be mixed. It
// opens <data>/search read-only, so it fails (ErrLocked, with advice)
// while a `newsflow run` holds the index.
func RunCLI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	dataDefault := os.Getenv(DataEnv)
	if dataDefault == "" {
		dataDefault = DefaultDataDir
	}
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: newsflow search QUERY [--json] [--source S] [--person P] [--place P] [--include-duplicates] [--size N] [--data DIR]")
		fmt.Fprintln(fs.Output(), `QUERY: words, "quoted phrases", -excluded words; empty lists the newest articles`)
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print the response as JSON")
	var req Request
	fs.StringVar(&req.Source, "source", "", "only articles from this source name or domain")
	fs.StringVar(&req.Person, "person", "", "only articles mentioning this person (name or id)")
	fs.StringVar(&req.Place, "place", "", "only articles mentioning this place (name or id)")
	fs.BoolVar(&req.IncludeDuplicates, "include-duplicates", false, "show every syndicated copy instead of one per cluster")
	fs.IntVar(&req.Size, "size", DefaultSize, fmt.Sprintf("how many hits (1-%d)", MaxSize))
	dataDir := fs.String("data", dataDefault, "data directory (default $"+DataEnv+" or ./"+DefaultDataDir+")")

	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		words = append(words, args[0]) // a query word; flags may follow
		args = args[1:]
	}
	req.Query = strings.Join(words, " ")
	if req.Size < 1 || req.Size > MaxSize {
		fs.Usage()
		return fmt.Errorf("%w: --size %d: want 1 to %d", ErrUsage, req.Size, MaxSize)
	}

	dir := filepath.Join(*dataDir, IndexSubdir)
	ix, err := bleveindex.OpenReadOnly(dir, LockTimeout, zap.NewNop())
	switch {
	case errors.Is(err, bleveindex.ErrLocked):
		return fmt.Errorf("%w: a running `newsflow run` holds it; query that process with GET %s?q=... on its HTTP port, or stop it", err, Path)
	case errors.Is(err, bleveindex.ErrNotFound):
		return fmt.Errorf("%w: nothing has been indexed under --data %s yet (`newsflow run` creates it)", err, *dataDir)
	case err != nil:
		return err
	}
	defer ix.Close()

	resp, err := Run(ctx, ix, req)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(resp)
	}
	return Render(stdout, resp)
}
