package chaos

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// Slow-client sizes: slowClients connections each announce a body of
// slowBody bytes and send one byte every slowTrickle, which would take
// days; the server must close each within stage.HTTPReadTimeout plus
// slowMargin. Meanwhile one scraper uploads a batch every slowScrapeEvery.
const (
	slowClients     = 4
	slowBody        = 1 << 20
	slowTrickle     = time.Second
	slowMargin      = 15 * time.Second
	slowScrapeEvery = time.Second
)

// trickled is what one trickling connection saw.
type trickled struct {
	// held is the time from the first byte of the request to the
	// server closing the connection.
	held time.Duration
	// sent counts the body bytes written before the close.
	sent int
	// status is the server's answer, 0 when it closed without one.
	status int
	// err is set when the connection was not closed within the limit
	// or could not be opened.
	err error
}

// trickle POSTs an ndjson body of slowBody bytes to path on addr, one
// byte every every, and waits for the server to close the connection,
// reading whatever it answers. It gives up after limit.
func trickle(ctx context.Context, addr, path string, every, limit time.Duration) trickled {
	// The clock starts before the dial: the server's read deadline
	// starts when it accepts, which can come before the dial returns.
	start := time.Now()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return trickled{err: err}
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(start.Add(limit))
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n",
		path, addr, slowBody); err != nil {
		return trickled{err: err}
	}
	closed := make(chan trickled, 1)
	go func() {
		// The answer (if any) and then the close: a read that ends in
		// EOF or a reset is the server letting the connection go.
		var t trickled
		if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
			t.status = resp.StatusCode
			if _, err := io.Copy(io.Discard, resp.Body); isTimeout(err) {
				t.err = err
			} else if _, err := conn.Read(make([]byte, 1)); isTimeout(err) {
				t.err = err
			}
		} else if isTimeout(err) {
			t.err = err
		}
		t.held = time.Since(start)
		closed <- t
	}()
	sent := 0
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case t := <-closed:
			t.sent = sent
			if t.err != nil {
				t.err = fmt.Errorf("the server still held the connection after %s (%d bytes sent)", limit, sent)
			}
			return t
		case <-ctx.Done():
			return trickled{sent: sent, err: ctx.Err()}
		case <-tick.C:
			// A write error means the server has closed; the reader
			// sees it too.
			if _, err := conn.Write([]byte{'{'}); err == nil {
				sent++
			}
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// SlowClient is issue 19's slow client: while a scraper uploads
// batches to ingest's intake, slowClients connections POST to it and
// trickle their bodies a byte a second. It fails when the server holds a
// trickling connection longer than stage.HTTPReadTimeout plus
// slowMargin, an upload is refused without Retry-After, or an article
// the intake stored is lost, duplicated or without a story.
func SlowClient(ctx context.Context, e *Env, o Options) Result {
	r := Result{Fault: "slow clients (body a byte a second)"}
	start := time.Now()
	url := "http://" + e.HTTP[stage.NameIngest] + intake.Path
	tally := &scrapeTally{ids: map[string]bool{}}
	stop := make(chan struct{})
	scraped := make(chan struct{})
	go func() {
		defer close(scraped)
		scrape(ctx, url, "slowclient", slowScrapeEvery, stop, tally)
	}()

	limit := stage.HTTPReadTimeout + slowMargin
	results := make([]trickled, slowClients)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = trickle(ctx, e.HTTP[stage.NameIngest], intake.Path, slowTrickle, limit)
		}()
	}
	wg.Wait()
	time.Sleep(2 * time.Second) // uploads flow after the slow clients are gone
	close(stop)
	<-scraped

	held := make([]time.Duration, 0, len(results))
	statuses := map[int]int{}
	for _, t := range results {
		if t.err != nil && r.Err == nil {
			r.Err = fmt.Errorf("a slow client: %w", t.err)
		}
		held = append(held, t.held)
		statuses[t.status]++
	}
	sort.Slice(held, func(i, j int) bool { return held[i] < held[j] })
	r.note("%d slow clients held %.1f–%.1fs each (limit %s = read timeout %s + %s), answers by status (0: closed without one): %v",
		len(held), held[0].Seconds(), held[len(held)-1].Seconds(), limit, stage.HTTPReadTimeout, slowMargin, statuses)

	tally.settle(ctx, e, o, &r, start, "scraper")
	return r
}
