package stage

import (
	"net/http"
	"time"
)

// Timeouts of every newsflow HTTP server (NewHTTPServer). The largest
// request is an intake body of up to 64 MiB (NEWSFLOW_INTAKE_MAX_BODY_BYTES's
// default): HTTPReadTimeout lets it arrive at 0.36 MiB/s, and bounds
// how long a client that trickles its body holds a connection and the
// handler reading it. Net/http counts the write timeout from the end of
// the request headers, so HTTPWriteTimeout covers reading the body,
// handling it and writing a small response; a streaming handler (the web
// UI's server-sent events) extends its own write deadline per event.
// HTTPIdleTimeout closes keep-alive connections nobody uses.
const (
	HTTPReadHeaderTimeout = 10 * time.Second
	HTTPReadTimeout       = 3 * time.Minute
	HTTPWriteTimeout      = HTTPReadTimeout + 30*time.Second
	HTTPIdleTimeout       = 2 * time.Minute
)

// NewHTTPServer returns a server for h with the timeouts above; every
// HTTP server of newsflow is made by it. Shut it down under the process's
// one shutdown deadline (Runtime.Serve does).
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: HTTPReadHeaderTimeout,
		ReadTimeout:       HTTPReadTimeout,
		WriteTimeout:      HTTPWriteTimeout,
		IdleTimeout:       HTTPIdleTimeout,
	}
}
