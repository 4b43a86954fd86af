package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/pipeline"
	"github.com/newsflow/newsflow/internal/search"
)

// searchLockTimeout is how long search waits for the index lock.
const searchLockTimeout = 2 * time.Second

// searchCommand runs `newsflow search [QUERY...] [flags]`; flags and query
// words may be mixed. It opens <data>/search read-only. While a `newsflow
// run` holds the index, it asks that process instead, with GET /v1/search
// on --addr; when that fails too it says so with advice.
func searchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("search", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: newsflow search [QUERY...] [--json] [--source S] [--person P] [--organization O] [--place P]")
		fmt.Fprintln(stderr, "         [--language L] [--story ID] [--since T] [--until T] [--sort relevance|newest|oldest]")
		fmt.Fprintln(stderr, "         [--include-duplicates] [--size N] [--from N] [--data DIR] [--addr ADDR]")
		fmt.Fprintln(stderr, `QUERY: every word is required; "a phrase" as typed; a OR b for either; -word excludes (write the query after --).`)
		fmt.Fprintln(stderr, "An empty query lists the newest articles (with the filters). Times: 2005-03-01, 2005-03-01T14:00, or an age: 30m, 12h, 7d, 2w, 1y.")
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print the response as JSON (with scores)")
	var req search.Request
	fs.StringVar(&req.Source, "source", "", "only articles from this source name or domain")
	fs.StringVar(&req.Person, "person", "", "only articles mentioning this person (name or id)")
	fs.StringVar(&req.Organization, "organization", "", "only articles mentioning this organisation (name or id)")
	fs.StringVar(&req.Place, "place", "", "only articles mentioning this place (name or id)")
	fs.StringVar(&req.Language, "language", "", "only articles in this language (ISO 639-1 code: en)")
	fs.StringVar(&req.Story, "story", "", "only articles of this story (id)")
	since := fs.String("since", "", "only articles from this time on (published, else ingested)")
	until := fs.String("until", "", "only articles before this time (a date includes that day)")
	sortBy := fs.String("sort", "", "relevance, newest or oldest (default relevance, newest without query words)")
	fs.BoolVar(&req.IncludeDuplicates, "include-duplicates", false, "show every syndicated copy instead of one per cluster")
	fs.IntVar(&req.Size, "size", search.DefaultSize, fmt.Sprintf("how many hits (1-%d)", search.MaxSize))
	fs.IntVar(&req.From, "from", 0, fmt.Sprintf("skip this many hits, for the next page (0-%d)", search.MaxFrom))
	data := fs.String("data", dataDir(), "data directory (default $NEWSFLOW_DATA or ./data)")
	addrDefault := os.Getenv("NEWSFLOW_HTTP_ADDR")
	if addrDefault == "" {
		addrDefault = "127.0.0.1:8080"
	}
	addr := fs.String("addr", addrDefault, "HTTP address of a running newsflow, asked when it holds the index (default $NEWSFLOW_HTTP_ADDR or 127.0.0.1:8080)")

	words, err := parseWithArgs(fs, args)
	if err != nil {
		if errors.Is(err, ErrUsage) {
			fmt.Fprintln(stderr, "To exclude a word, write the query after --: newsflow search [flags] -- volcano -airline")
		}
		return err
	}
	req.Query = strings.Join(words, " ")
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "newsflow search: "+format+"\n", a...)
		return ErrUsage
	}
	if req.Size < 1 || req.Size > search.MaxSize {
		return usageErr("--size %d: want 1 to %d", req.Size, search.MaxSize)
	}
	if req.From < 0 || req.From > search.MaxFrom {
		return usageErr("--from %d: want 0 to %d", req.From, search.MaxFrom)
	}
	now := time.Now()
	if *since != "" {
		if req.Since, err = search.ParseTime(*since, now, false); err != nil {
			return usageErr("--since %q: %v", *since, err)
		}
	}
	if *until != "" {
		if req.Until, err = search.ParseTime(*until, now, true); err != nil {
			return usageErr("--until %q: %v", *until, err)
		}
	}
	if req.Sort, err = search.ParseSort(*sortBy); err != nil {
		return usageErr("--sort %v", err)
	}

	var resp *search.Response
	ix, err := bleveindex.OpenReadOnly(filepath.Join(*data, pipeline.SearchIndexDir), searchLockTimeout, zap.NewNop())
	switch {
	case errors.Is(err, bleveindex.ErrLocked):
		var rerr error
		resp, rerr = remoteSearch(ctx, *addr, req)
		if rerr != nil {
			return fmt.Errorf("%w: a running `newsflow run` holds it, and asking it with GET %s failed (%v); pass its HTTP address with --addr, or stop it", err, search.Path, rerr)
		}
	case errors.Is(err, bleveindex.ErrNotFound):
		return fmt.Errorf("%w: nothing has been indexed under --data %s yet (`newsflow run` creates it)", err, *data)
	case err != nil:
		return err
	default:
		defer ix.Close()
		if resp, err = search.Run(ctx, ix, req); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(resp)
	}
	return renderSearch(stdout, resp, req)
}

// remoteSearch asks a running newsflow's GET /v1/search at addr.
func remoteSearch(ctx context.Context, addr string, req search.Request) (*search.Response, error) {
	var resp search.Response
	if err := getJSON(ctx, addr, search.Path, req.Values(), &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// getJSON asks a running newsflow's HTTP API at addr (host:port, :port or
// a URL) for path with values, and decodes its JSON answer into out; an
// answer other than 200 is an error with the API's message.
func getJSON(ctx context.Context, addr, path string, values url.Values, out any) error {
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(addr, "/")+path+"?"+values.Encode(), nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(io.LimitReader(res.Body, 1<<16)).Decode(&e)
		return fmt.Errorf("%s: %s", res.Status, e.Error)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return nil
}

// renderSearch prints resp for a person: the hits with source, date,
// copies and snippet, then the facets. Scores are left to --json.
func renderSearch(w io.Writer, resp *search.Response, req search.Request) error {
	ew := &errWriter{w: w}
	unit := "results"
	if !req.IncludeDuplicates {
		unit = "results (syndicated copies collapsed)"
	}
	switch {
	case resp.Total == 0:
		ew.printf("No results.\n")
	case len(resp.Hits) == 0:
		ew.printf("%d %s, none from %d on\n", resp.Total, unit, req.From+1)
	default:
		ew.printf("%d %s, showing %d-%d\n", resp.Total, unit, req.From+1, req.From+len(resp.Hits))
	}
	for i, h := range resp.Hits {
		title := oneLine(h.DisplayTitle, "(no title, no text)")
		if h.TitleDerived {
			title += "  [no title: opening of the text]"
		}
		ew.printf("\n%2d. %s\n", req.From+i+1, title)
		meta := []string{oneLine(h.Source, "unknown source")}
		if h.PublishedAt != nil {
			meta = append(meta, h.PublishedAt.Format("2006-01-02 15:04 MST"))
		} else if !h.Time.IsZero() {
			meta = append(meta, "undated, ingested "+h.Time.Format("2006-01-02 15:04 MST"))
		}
		if h.Copies > 0 {
			c := fmt.Sprintf("+%d copies", h.Copies)
			if h.Copies == 1 {
				c = "+1 copy"
			}
			if len(h.Outlets) > 0 {
				c += " (" + strings.Join(h.Outlets, ", ") + ")"
			}
			meta = append(meta, c)
		}
		if h.StoryID != "" {
			meta = append(meta, "story "+h.StoryID)
		}
		ew.printf("    %s\n", strings.Join(meta, " · "))
		if h.URL != "" {
			ew.printf("    %s\n", h.URL)
		}
		if h.Snippet != "" {
			ew.printf("    %s\n", h.Snippet)
		}
		if ents := append(append(append([]string{}, h.Persons...), h.Organizations...), h.Places...); len(ents) > 0 {
			ew.printf("    [%s]\n", strings.Join(ents, ", "))
		}
		ew.printf("    id %s\n", h.ID)
	}
	first := true
	for _, name := range []string{search.FacetSources, search.FacetPersons, search.FacetOrganizations, search.FacetPlaces, search.FacetLanguages} {
		fs := resp.Facets[name]
		if len(fs) == 0 {
			continue
		}
		parts := make([]string, len(fs))
		for i, f := range fs {
			parts[i] = fmt.Sprintf("%s (%d)", f.Name, f.Count)
		}
		if first {
			ew.printf("\n")
			first = false
		}
		ew.printf("%-14s %s\n", name+":", strings.Join(parts, ", "))
	}
	return ew.err
}

func oneLine(s, empty string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return empty
	}
	return s
}

// errWriter keeps the first write error so a renderer can return it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
