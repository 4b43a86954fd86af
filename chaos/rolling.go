package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// Rolling-restart sizes: scrapers upload batches of rollingBatch articles
// every rollingEvery each; preStop is the pause between a replica leaving
// the front and its SIGTERM, as the Deployments' preStop sleep.
const (
	rollingScrapers = 2
	rollingBatch    = 5
	rollingEvery    = 200 * time.Millisecond
	rollingPreStop  = time.Second
	rollingStopWait = 30 * time.Second
)

// front is what a Kubernetes Service is to the ingest replicas: it sends
// each request to one of the ready replicas in turn, and a replica leaves
// it before its SIGTERM (the endpoint is removed during preStop).
type front struct {
	mu        sync.Mutex
	endpoints []string
	next      int
	srv       *http.Server
	addr      string
}

func newFront(endpoints ...string) (*front, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &front{endpoints: endpoints, addr: ln.Addr().String()}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(&url.URL{Scheme: "http", Host: f.pick()})
	}}
	f.srv = &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go f.srv.Serve(ln)
	return f, nil
}

func (f *front) pick() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.endpoints) == 0 {
		return "127.0.0.1:1" // no replica ready: the proxy answers 502
	}
	f.next++
	return f.endpoints[f.next%len(f.endpoints)]
}

func (f *front) set(endpoints ...string) {
	f.mu.Lock()
	f.endpoints = endpoints
	f.mu.Unlock()
}

func (f *front) close() { _ = f.srv.Close() }

// scrapeTally is what the scrapers saw.
type scrapeTally struct {
	mu sync.Mutex
	// ids are the articles the intake stored (accepted or duplicate).
	ids map[string]bool
	// batches counts uploads; retried those answered 503/429 with
	// Retry-After and sent again.
	batches, retried int
	// refused are answers that were neither 202 nor a refusal with
	// Retry-After (the fault fails on any), with their status.
	refused []string
}

// settle waits until every article the intake stored is indexed or
// dead-lettered and records it in r: the counts, the scrapers' tally
// (who names them in the note), and a failure for any upload refused
// without Retry-After or for a fault in which nothing was stored.
func (t *scrapeTally) settle(ctx context.Context, e *Env, o Options, r *Result, start time.Time, who string) {
	ids := make([]string, 0, len(t.ids))
	for id := range t.ids {
		ids = append(ids, id)
	}
	c, err := e.Ledger.Settle(ctx, ids, o.Settle)
	r.Count, r.Took = c, time.Since(start)
	if r.Err == nil {
		r.Err = err
	}
	r.note("%s: %d uploads of %d articles, %d refused with Retry-After and sent again, %d refused otherwise",
		who, t.batches, rollingBatch, t.retried, len(t.refused))
	if len(t.refused) > 0 && r.Err == nil {
		r.Err = fmt.Errorf("%d uploads refused without Retry-After, first: %s", len(t.refused), clip(t.refused[0], 200))
	}
	if len(ids) == 0 && r.Err == nil {
		r.Err = fmt.Errorf("the %s stored nothing: the fault did not happen", who)
	}
}

// scrape uploads ndjson batches of rollingBatch new articles to url
// every every until stop, honouring Retry-After: a refused batch is sent again, whole
// (ids make that safe), after the time the intake asked for.
func scrape(ctx context.Context, url, tag string, every time.Duration, stop <-chan struct{}, t *scrapeTally) {
	client := &http.Client{Timeout: 30 * time.Second}
	for n := 0; ; n += rollingBatch {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
		var body bytes.Buffer
		for i := n; i < n+rollingBatch; i++ {
			b, _ := json.Marshal(Article(tag, i))
			body.Write(b)
			body.WriteByte('\n')
		}
		for {
			status, retryAfter, res, err := upload(client, url, body.Bytes())
			t.mu.Lock()
			t.batches++
			switch {
			case err != nil:
				t.refused = append(t.refused, err.Error())
			case status == http.StatusAccepted:
				for _, l := range res.Results {
					if l.ID != "" {
						t.ids[l.ID] = true
					}
				}
				if res.Rejected > 0 {
					t.refused = append(t.refused, fmt.Sprintf("202 with %d lines rejected: %s", res.Rejected, res.Error))
				}
			case (status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests) && retryAfter > 0:
				t.retried++
			default:
				t.refused = append(t.refused, fmt.Sprintf("%d without Retry-After: %s", status, res.Error))
			}
			t.mu.Unlock()
			if err != nil || status == http.StatusAccepted || retryAfter == 0 {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(retryAfter):
			}
		}
	}
}

func upload(client *http.Client, url string, body []byte) (status int, retryAfter time.Duration, res intake.Response, err error) {
	resp, err := client.Post(url, "application/x-ndjson", bytes.NewReader(body))
	if err != nil {
		return 0, 0, res, err
	}
	if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	derr := decodeJSON(resp, &res)
	if resp.StatusCode == http.StatusAccepted && derr != nil {
		err = fmt.Errorf("202 with an unreadable answer: %w", derr)
	}
	return resp.StatusCode, retryAfter, res, err
}

// RollingRestart is a rolling update of the whole pipeline while
// scrapers upload over HTTP: each service in turn (ingest, dedupe,
// enrich, stories, indexer) gets SIGTERM, and is started again once it
// has exited. Ingest runs a second replica for it, behind a front that
// plays the Kubernetes Service (a replica leaves it rollingPreStop before
// its SIGTERM, as the Deployments' preStop sleep does, and comes back once
// ready), and its two replicas are restarted one after the other. It
// fails when an upload is refused without Retry-After (or the front finds
// no replica: 502), a service does not exit within 30s of SIGTERM, or an
// article the intake stored is lost, duplicated or without a story.
func RollingRestart(ctx context.Context, e *Env, o Options) Result {
	r := Result{Fault: "rolling restart (SIGTERM each service)"}
	start := time.Now()
	first := e.Procs[stage.NameIngest]
	addrs, err := freeAddrs(1)
	if err != nil {
		r.Err = err
		return r
	}
	const replica = "ingest-2"
	e.Procs[replica] = &Proc{Name: replica, Bin: first.Bin, Log: filepath.Join(e.Dir, replica+".log"),
		Env: append(append([]string{}, first.Env...), "NEWSFLOW_HTTP_ADDR="+addrs[0])} // the later one wins
	e.HTTP[replica] = addrs[0]
	if err := e.Start(ctx, replica); err != nil {
		r.Err = err
		return r
	}
	f, err := newFront(e.HTTP[stage.NameIngest], e.HTTP[replica])
	if err != nil {
		r.Err = err
		return r
	}
	defer f.close()

	tally := &scrapeTally{ids: map[string]bool{}}
	stop := make(chan struct{})
	var scrapers sync.WaitGroup
	for i := range rollingScrapers {
		scrapers.Add(1)
		go func() {
			defer scrapers.Done()
			scrape(ctx, "http://"+f.addr+intake.Path, fmt.Sprintf("rolling-%d", i), rollingEvery, stop, tally)
		}()
	}
	restart := func(name string) error {
		t0 := time.Now()
		if err := e.Procs[name].Kill(syscall.SIGTERM, rollingStopWait); err != nil {
			return err
		}
		stopped := time.Since(t0)
		if err := e.Start(ctx, name); err != nil {
			return err
		}
		r.note("%s: exited %.1fs after SIGTERM, ready again %.1fs later", name, stopped.Seconds(), (time.Since(t0) - stopped).Seconds())
		return nil
	}
	steps := []func() error{
		func() error {
			// One ingest replica at a time, each out of the front first.
			for _, name := range []string{stage.NameIngest, replica} {
				other := replica
				if name == replica {
					other = stage.NameIngest
				}
				f.set(e.HTTP[other])
				time.Sleep(rollingPreStop)
				if err := restart(name); err != nil {
					return err
				}
				f.set(e.HTTP[stage.NameIngest], e.HTTP[replica])
			}
			return nil
		},
	}
	for _, name := range Services[1:] {
		steps = append(steps, func() error { return restart(name) })
	}
	time.Sleep(2 * time.Second) // uploads flow before the first SIGTERM
	for _, step := range steps {
		if err := step(); err != nil {
			r.Err = err
			break
		}
		time.Sleep(2 * time.Second)
	}
	close(stop)
	scrapers.Wait()
	_ = e.Procs[replica].Kill(syscall.SIGTERM, rollingStopWait)

	tally.settle(ctx, e, o, &r, start, "scrapers")
	return r
}
