package search

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
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

// AddrEnv names the environment variable with the HTTP address of a
// running newsflow (the same as the runtime's), which RunCLI asks when the
// index is locked by that process.
const AddrEnv = "NEWSFLOW_HTTP_ADDR"

// ErrUsage means the command line was wrong; the message was printed.
var ErrUsage = errors.New("usage error")

// RunCLI runs `newsflow search QUERY [--json] [--source S] [--person P]
// [--place P] [--include-duplicates] [--size N] [--data DIR] [--addr A]`.
// args are the arguments after "search"; flags and query words may be
// mixed. It opens <data>/search read-only. While a `newsflow run` holds
// the index, it asks that process instead, with GET /v1/search on --addr;
// when that fails too it returns ErrLocked with advice.
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
	addrDefault := os.Getenv(AddrEnv)
	if addrDefault == "" {
		addrDefault = ":8080"
	}
	addr := fs.String("addr", addrDefault, "HTTP address of a running newsflow, asked when it holds the index (default $"+AddrEnv+" or :8080)")

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
	var resp *Response
	ix, err := bleveindex.OpenReadOnly(dir, LockTimeout, zap.NewNop())
	switch {
	case errors.Is(err, bleveindex.ErrLocked):
		var rerr error
		resp, rerr = remote(ctx, *addr, req)
		if rerr != nil {
			return fmt.Errorf("%w: a running `newsflow run` holds it, and asking it with GET %s failed (%v); pass its HTTP address with --addr, or stop it", err, Path, rerr)
		}
	case errors.Is(err, bleveindex.ErrNotFound):
		return fmt.Errorf("%w: nothing has been indexed under --data %s yet (`newsflow run` creates it)", err, *dataDir)
	case err != nil:
		return err
	default:
		defer ix.Close()
		if resp, err = Run(ctx, ix, req); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(resp)
	}
	return Render(stdout, resp)
}

// remote asks a running newsflow's GET /v1/search at addr.
func remote(ctx context.Context, addr string, req Request) (*Response, error) {
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	q := url.Values{}
	q.Set("q", req.Query)
	q.Set("size", strconv.Itoa(req.Size))
	if req.Source != "" {
		q.Set("source", req.Source)
	}
	if req.Person != "" {
		q.Set("person", req.Person)
	}
	if req.Place != "" {
		q.Set("place", req.Place)
	}
	if req.IncludeDuplicates {
		q.Set("include_duplicates", "true")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(addr, "/")+Path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(io.LimitReader(res.Body, 1<<16)).Decode(&e)
		return nil, fmt.Errorf("%s: %s", res.Status, e.Error)
	}
	var resp Response
	if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	return &resp, nil
}
