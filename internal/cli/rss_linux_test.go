package cli

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// A newsflow started by a large process reports its own peak, not its
// parent's: getrusage's maxrss carried the parent's resident set over exec.
func TestPeakRSSIsNotTheParents(t *testing.T) {
	if os.Getenv("NEWSFLOW_TEST_PEAK_RSS_CHILD") != "" {
		os.Stdout.WriteString(strconv.FormatInt(peakRSS(), 10))
		os.Exit(0)
	}
	big := make([]byte, 400<<20)
	for i := range big {
		big[i] = 1
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestPeakRSSIsNotTheParents$")
	cmd.Env = append(os.Environ(), "NEWSFLOW_TEST_PEAK_RSS_CHILD=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	child, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("child printed %q: %v", out, err)
	}
	if child <= 0 || child >= 300<<20 {
		t.Errorf("child's peak RSS %d MiB with a parent of %d MiB; want its own (well under 300 MiB)", child>>20, len(big)>>20)
	}
}

func TestVMHWM(t *testing.T) {
	status := "Name:\tnewsflow\nVmPeak:\t 2000000 kB\nVmHWM:\t  393396 kB\nVmRSS:\t  100 kB\n"
	if got := vmHWM([]byte(status)); got != 393396<<10 {
		t.Errorf("vmHWM = %d; want %d", got, 393396<<10)
	}
	if got := vmHWM([]byte("Name:\tx\n")); got != 0 {
		t.Errorf("vmHWM without the line = %d; want 0", got)
	}
}
