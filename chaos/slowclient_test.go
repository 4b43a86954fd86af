package chaos

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// readingServer answers 400 when it cannot read a request's whole body,
// as the intake does, with the given read timeout (0: none).
func readingServer(t *testing.T, readTimeout time.Duration) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.Config.ReadTimeout = readTimeout
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// TestTrickleSeesTheServerCloseIt: a server with a read timeout cuts a
// trickled body off after that timeout, and the slow client measures it.
func TestTrickleSeesTheServerCloseIt(t *testing.T) {
	srv := readingServer(t, 500*time.Millisecond)
	got := trickle(context.Background(), srv.Listener.Addr().String(), "/v1/articles", 50*time.Millisecond, 5*time.Second)
	if got.err != nil {
		t.Fatal(got.err)
	}
	if got.held < 500*time.Millisecond || got.held > 3*time.Second {
		t.Errorf("held %s, want about the read timeout (500ms)", got.held)
	}
	if got.sent == 0 || got.sent >= slowBody {
		t.Errorf("sent %d bytes, want some and fewer than the %d announced", got.sent, slowBody)
	}
	if got.status != http.StatusBadRequest {
		t.Errorf("status %d, want the handler's 400", got.status)
	}
}

// TestTrickleFailsWhenTheServerHoldsOn: without a read timeout the
// server holds the connection, and the slow client reports it once its
// limit has passed.
func TestTrickleFailsWhenTheServerHoldsOn(t *testing.T) {
	srv := readingServer(t, 0)
	start := time.Now()
	got := trickle(context.Background(), srv.Listener.Addr().String(), "/v1/articles", 50*time.Millisecond, time.Second)
	if got.err == nil {
		t.Fatalf("no error after %s; held %s, status %d", time.Since(start), got.held, got.status)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("gave up after %s, before its 1s limit", took)
	}
}
