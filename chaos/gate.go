package chaos

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one request the Gate saw.
type Request struct {
	At     time.Time
	Method string
	Path   string
	// Refused is true when the gate was down and dropped the connection.
	Refused bool
}

// Gate is an HTTP front for the Elasticsearch double that logs every
// request, so retry intervals can be measured from the client's side, and
// that can go down: while down it drops every connection without an
// answer, as a node that has crashed or is cut off.
type Gate struct {
	// URL is where clients connect.
	URL string

	srv  *http.Server
	ln   net.Listener
	down atomic.Bool

	mu  sync.Mutex
	log []Request
}

// NewGate serves a front for target on a loopback port.
func NewGate(target string) (*Gate, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	g := &Gate{URL: "http://" + ln.Addr().String(), ln: ln}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
	g.srv = &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			down := g.down.Load()
			g.mu.Lock()
			g.log = append(g.log, Request{At: time.Now(), Method: r.Method, Path: r.URL.Path, Refused: down})
			g.mu.Unlock()
			if down {
				if hj, ok := w.(http.Hijacker); ok {
					if conn, _, err := hj.Hijack(); err == nil {
						conn.Close()
						return
					}
				}
				panic(http.ErrAbortHandler)
			}
			proxy.ServeHTTP(w, r)
		}),
	}
	go g.srv.Serve(ln)
	return g, nil
}

// SetDown takes the gate down (true) or up again.
func (g *Gate) SetDown(down bool) { g.down.Store(down) }

// Requests returns the requests seen since t.
func (g *Gate) Requests(since time.Time) []Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Request
	for _, r := range g.log {
		if !r.At.Before(since) {
			out = append(out, r)
		}
	}
	return out
}

// Close stops the gate.
func (g *Gate) Close() error { return g.srv.Close() }

// Gaps returns the intervals between consecutive times, sorted by time.
func Gaps(times []time.Time) []time.Duration {
	ts := append([]time.Time(nil), times...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	var gaps []time.Duration
	for i := 1; i < len(ts); i++ {
		gaps = append(gaps, ts[i].Sub(ts[i-1]))
	}
	return gaps
}

// Median returns the median of ds, or 0 when empty.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
