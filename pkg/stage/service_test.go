package stage_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

// serviceProcess runs stage.Main as a process of its own (this test
// binary, re-executed), with env added to the environment, and returns
// its exit code and output. The service stops right after its start.
func serviceProcess(t *testing.T, env ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0])
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NEWSFLOW_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, append([]string{"STAGE_TEST_MAIN=1", "NEWSFLOW_HTTP_ADDR=127.0.0.1:0"}, env...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run service process: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("service process still running after 30s:\n%s", out)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// probeMain is the service process of serviceProcess (TestMain runs it):
// a service that stops as soon as it has started, saying the soft memory
// limit its runtime has then.
func probeMain() int {
	return stage.Main(stage.Service{
		Name: "probe",
		Start: func(context.Context, *stage.Runtime) error {
			return fmt.Errorf("started; stopping with runtime memory limit %d", debug.SetMemoryLimit(-1))
		},
	}, nil, os.Stderr)
}

// A misspelt setting is warned about at start, with the setting it most
// likely meant, instead of being silently ignored.
func TestUnknownSettingIsWarnedAtStart(t *testing.T) {
	srv := natstest.Server(t)
	code, out := serviceProcess(t, "NEWSFLOW_NATS_URL="+srv.ClientURL(), "NEWSFLOW_CONCURENCY=4", "NEWSFLOW_FROBNICATE=1")
	if code != 1 || !strings.Contains(out, "started; stopping") {
		t.Fatalf("exit %d; want the probe's start error (exit 1):\n%s", code, out)
	}
	var warned []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "unknown setting ignored") {
			warned = append(warned, line)
		}
	}
	if len(warned) != 2 ||
		!strings.Contains(warned[0], `"variable":"NEWSFLOW_CONCURENCY"`) || !strings.Contains(warned[0], `"did_you_mean":"NEWSFLOW_CONCURRENCY"`) ||
		!strings.Contains(warned[1], `"variable":"NEWSFLOW_FROBNICATE"`) || !strings.Contains(warned[1], `"did_you_mean":""`) {
		t.Errorf("warnings = %q; want NEWSFLOW_CONCURENCY (did you mean NEWSFLOW_CONCURRENCY) and NEWSFLOW_FROBNICATE", warned)
	}
}

// NEWSFLOW_STREAM_REPLICAS=2 against a single server stops the process at
// start with what the server offers, instead of retrying forever.
func TestReplicasOverWhatTheServerOffersStopTheProcess(t *testing.T) {
	srv := natstest.Server(t)
	start := time.Now()
	code, out := serviceProcess(t, "NEWSFLOW_NATS_URL="+srv.ClientURL(), "NEWSFLOW_STREAM_REPLICAS=2")
	if code != 1 || !strings.Contains(out, "not clustered") || !strings.Contains(out, "NEWSFLOW_STREAM_REPLICAS=1") || strings.Contains(out, "started; stopping") {
		t.Errorf("after %s: exit %d, output:\n%s\nwant exit 1 before the start, saying the server is not clustered", time.Since(start).Round(time.Millisecond), code, out)
	}
}

// A routine start-up failure (here the service's own start, and a setting
// the server cannot honour) ends the process with one error line and no
// stack trace: zap's production logger adds one to every error line.
func TestStartFailureHasNoStackTrace(t *testing.T) {
	srv := natstest.Server(t)
	for _, env := range [][]string{
		{"NEWSFLOW_NATS_URL=" + srv.ClientURL()},
		{"NEWSFLOW_NATS_URL=" + srv.ClientURL(), "NEWSFLOW_STREAM_REPLICAS=2"},
	} {
		code, out := serviceProcess(t, env...)
		if code != 1 || strings.Count(out, `"msg":"exiting"`) != 1 {
			t.Errorf("%v: exit %d; want 1 with one exiting line:\n%s", env, code, out)
		}
		if strings.Contains(out, "stacktrace") || strings.Contains(out, "goroutine ") {
			t.Errorf("%v: a stack trace in the output:\n%s", env, out)
		}
	}
}

// NEWSFLOW_MEMORY_LIMIT becomes the service's Go runtime soft memory limit
// before its stages start, and says so in the log; unset, the runtime has
// none.
func TestMemoryLimitIsAppliedAtStart(t *testing.T) {
	srv := natstest.Server(t)
	for _, tc := range []struct {
		env  []string
		want int64
		log  string
	}{
		{[]string{"NEWSFLOW_MEMORY_LIMIT=400MiB"}, 400 << 20, `"soft_limit":"400MiB"`},
		{[]string{"NEWSFLOW_MEMORY_LIMIT=1GiB", "GOMEMLIMIT=300MiB"}, 1 << 30, `"soft_limit":"1GiB"`},
		{[]string{"GOMEMLIMIT=300MiB"}, 300 << 20, `"soft_limit":"300MiB"`},
		{nil, math.MaxInt64, "no memory limit"},
	} {
		code, out := serviceProcess(t, append([]string{"NEWSFLOW_NATS_URL=" + srv.ClientURL()}, tc.env...)...)
		if want := fmt.Sprintf("runtime memory limit %d", tc.want); code != 1 || !strings.Contains(out, want) {
			t.Errorf("%v: exit %d; want the probe to report %q:\n%s", tc.env, code, want, out)
		}
		if !strings.Contains(out, tc.log) {
			t.Errorf("%v: the log does not say %s:\n%s", tc.env, tc.log, out)
		}
	}
}

// A memory limit that is not a size, or too small to work, stops the
// process at start with what would work.
func TestBadMemoryLimitStopsTheProcess(t *testing.T) {
	for env, want := range map[string]string{
		"NEWSFLOW_MEMORY_LIMIT=400M":   "want a size such as 400MiB",
		"NEWSFLOW_MEMORY_LIMIT=lots":   "want a size such as 400MiB",
		"NEWSFLOW_MEMORY_LIMIT=1MiB":   "NEWSFLOW_MEMORY_LIMIT=1MiB: below 32MiB",
		"NEWSFLOW_MEMORY_LIMIT=-10MiB": "want a size",
	} {
		code, out := serviceProcess(t, "NEWSFLOW_NATS_URL=nats://127.0.0.1:1", env)
		if code != 2 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d; want 2 and %q:\n%s", env, code, want, out)
		}
	}
}
