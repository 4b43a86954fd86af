package stage

import (
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestHTTPServerTimeouts: every timeout is set, the read timeout lets a
// 64 MiB intake body arrive at 0.5 MiB/s, and the write timeout, counted
// from the end of the headers, outlasts it. The servers used to set only
// ReadHeaderTimeout, so a body trickled a byte at a time held its
// connection and handler forever.
func TestHTTPServerTimeouts(t *testing.T) {
	srv := NewHTTPServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Fatalf("timeouts header %s read %s write %s idle %s: want all set", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	if at := time.Duration(float64(64<<20) / (0.5 * (1 << 20)) * float64(time.Second)); srv.ReadTimeout < at {
		t.Errorf("read timeout %s: a 64 MiB body at 0.5 MiB/s needs %s", srv.ReadTimeout, at)
	}
	if srv.WriteTimeout <= srv.ReadTimeout {
		t.Errorf("write timeout %s <= read timeout %s: a slow upload would lose its response", srv.WriteTimeout, srv.ReadTimeout)
	}
}

// TestHTTPServerReleasesATrickledBody: a client that sends its body a
// byte at a time does not hold the handler past the read timeout (scaled
// down here from HTTPReadTimeout): the handler's read fails and it
// returns.
func TestHTTPServerReleasesATrickledBody(t *testing.T) {
	done := make(chan error, 1)
	srv := NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.Copy(io.Discard, r.Body)
		done <- err
	}))
	srv.ReadTimeout = 300 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		srv.Close()
		<-served
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stop, trickled := make(chan struct{}), make(chan struct{})
	defer func() { close(stop); <-trickled }()
	go func() { // one byte every 50 ms: never finishes
		defer close(trickled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := conn.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	select {
	case err := <-done:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("handler's read ended with %v, want a timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler still reads a trickled body 10 s after a 300 ms read timeout")
	}
}
