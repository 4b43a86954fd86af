package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/pipeline"
	"github.com/newsflow/newsflow/internal/search"
)

func storiesCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("stories", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: newsflow stories [--since T] [--min-outlets N] [--size N] [--from N] [--json] [--data DIR]")
		fmt.Fprintln(stderr, "Lists the stories (reports of one event across outlets), most outlets first;")
		fmt.Fprintln(stderr, "newsflow search --story ID lists one story's articles.")
		fs.PrintDefaults()
	}
	since := fs.String("since", "", "only stories seen at or after this time (RFC 3339, a date, or a duration back: 24h, 7d)")
	minOutlets := fs.Int("min-outlets", 0, "only stories covered by at least this many outlets")
	size := fs.Int("size", search.DefaultSize, fmt.Sprintf("how many stories (1-%d)", search.MaxSize))
	from := fs.Int("from", 0, "skip this many stories, for the next page")
	asJSON := fs.Bool("json", false, "print the list as JSON")
	data := fs.String("data", dataDir(), "data directory (default $NEWSFLOW_DATA or ./data)")
	addrDefault := os.Getenv("NEWSFLOW_HTTP_ADDR")
	if addrDefault == "" {
		addrDefault = "127.0.0.1:8080"
	}
	addr := fs.String("addr", addrDefault, "HTTP address of a running newsflow, asked when it holds the index")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "newsflow stories: unexpected argument %q\n", fs.Arg(0))
		return ErrUsage
	}
	values := url.Values{}
	if *since != "" {
		values.Set("since", *since)
	}
	if *minOutlets != 0 {
		values.Set("min_outlets", strconv.Itoa(*minOutlets))
	}
	values.Set("size", strconv.Itoa(*size))
	if *from != 0 {
		values.Set("from", strconv.Itoa(*from))
	}
	q, err := search.ParseStoryQuery(values, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "newsflow stories: %v\n", err)
		return ErrUsage
	}

	var list *bleveindex.StoryList
	st, err := bleveindex.OpenStoriesReadOnly(filepath.Join(*data, pipeline.StoryIndexDir), searchLockTimeout, zap.NewNop())
	switch {
	case errors.Is(err, bleveindex.ErrLocked):
		var rerr error
		if list, rerr = remoteStories(ctx, *addr, values); rerr != nil {
			return fmt.Errorf("%w: a running `newsflow run` holds it, and asking it with GET %s failed (%v); pass its HTTP address with --addr, or stop it", err, search.StoriesPath, rerr)
		}
	case errors.Is(err, bleveindex.ErrNotFound):
		return fmt.Errorf("%w: no story has been indexed under --data %s yet (`newsflow run` creates it)", err, *data)
	case err != nil:
		return err
	default:
		defer st.Close()
		if list, err = st.List(ctx, q); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	return renderStories(stdout, list)
}

// remoteStories asks a running newsflow's GET /v1/stories at addr.
func remoteStories(ctx context.Context, addr string, values url.Values) (*bleveindex.StoryList, error) {
	var list bleveindex.StoryList
	if err := getJSON(ctx, addr, search.StoriesPath, values, &list); err != nil {
		return nil, err
	}
	return &list, nil
}

// renderStories prints one line per story and its id for --story.
func renderStories(w io.Writer, list *bleveindex.StoryList) error {
	ew := &errWriter{w: w}
	ew.printf("%s\n", counted(int(list.Total), "story", "stories"))
	for _, s := range list.Stories {
		ew.printf("\n%s\n", s.Title)
		ew.printf("  %s, %s, %s to %s  (%s)\n", counted(s.OutletCount, "outlet", "outlets"), counted(s.ArticleCount, "article", "articles"),
			s.FirstSeen.Format("2006-01-02 15:04"), s.LastSeen.Format("2006-01-02 15:04"), s.ID)
		var names []string
		for _, p := range s.Persons {
			names = append(names, p.Name)
		}
		for _, p := range s.Places {
			names = append(names, p.Name)
		}
		if len(names) > 0 {
			ew.printf("  %s\n", strings.Join(names[:min(len(names), 6)], ", "))
		}
	}
	return ew.err
}

// counted writes n with the noun's singular or plural: "1 outlet", "5 outlets".
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
