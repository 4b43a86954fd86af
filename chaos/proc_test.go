package chaos

import (
	"errors"
	"os"
	"testing"
)

// The memory and thread readings the load run samples, on this process.
func TestProcStatusOfThisProcess(t *testing.T) {
	pid := os.Getpid()
	rss, err := RSS(pid)
	if err != nil || rss <= 0 {
		t.Fatalf("RSS = %d, %v; want a positive size", rss, err)
	}
	anon, err := AnonRSS(pid)
	if err != nil || anon <= 0 || anon > rss {
		t.Errorf("AnonRSS = %d, %v; want positive and at most RSS %d", anon, err, rss)
	}
	if n, err := Threads(pid); err != nil || n < 1 {
		t.Errorf("Threads = %d, %v; want at least 1", n, err)
	}
	if _, err := RSS(0); !errors.Is(err, ErrNoProcess) {
		t.Errorf("RSS(0) error = %v; want ErrNoProcess", err)
	}
}
