package chaos

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Services are the five stage binaries, in pipeline order.
var Services = []string{"ingest", "dedupe", "enrich", "stories", "indexer"}

// Build compiles each service's cmd/<name> from the repository at root
// into dir and returns the binaries by name.
func Build(ctx context.Context, root, dir string, names ...string) (map[string]string, error) {
	bins := map[string]string{}
	for _, name := range names {
		out := filepath.Join(dir, name)
		var pkgDir, pkg string
		switch name {
		case "newsflow":
			pkgDir, pkg = root, "./cmd/newsflow"
		default:
			pkgDir, pkg = filepath.Join(root, "services", name), "./cmd/"+name
		}
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = pkgDir
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build %s: %w\n%s", name, err, b)
		}
		bins[name] = out
	}
	return bins, nil
}

// Proc is a service run as an OS process that can be killed and started
// again with the same settings.
type Proc struct {
	Name string
	Bin  string
	Env  []string
	// Log is the file stdout and stderr are appended to.
	Log string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	starts int
}

// Start starts the process.
func (p *Proc) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("%s already running", p.Name)
	}
	f, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.Bin)
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	p.starts++
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(exited)
	}()
	p.cmd, p.exited = cmd, exited
	return nil
}

// Pid is the running process's id, or 0.
func (p *Proc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Running reports whether the process has been started and not exited.
func (p *Proc) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Kill sends sig (SIGKILL for a crash, SIGTERM for a graceful stop) and
// waits until the process has exited.
func (p *Proc) Kill(sig syscall.Signal, timeout time.Duration) error {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
		return nil
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("%s did not exit within %s of %s", p.Name, timeout, sig)
	}
}

// ErrNoProcess means the process is not running.
var ErrNoProcess = errors.New("process not running")

// RSS returns the process's resident set size in bytes, read from
// /proc/<pid>/status: anonymous memory plus the file pages it maps (a
// search index's segment files count there until the kernel reclaims them).
func RSS(pid int) (int64, error) { return statusBytes(pid, "VmRSS:") }

// AnonRSS returns the anonymous part of the process's resident set: the
// memory it allocated, without mapped files.
func AnonRSS(pid int) (int64, error) { return statusBytes(pid, "RssAnon:") }

func statusBytes(pid int, field string) (int64, error) {
	v, err := statusField(pid, field)
	if err != nil {
		return 0, err
	}
	kb, err := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64)
	if err != nil {
		return 0, err
	}
	return kb << 10, nil
}

// Threads returns the process's thread count from /proc/<pid>/status.
func Threads(pid int) (int, error) {
	v, err := statusField(pid, "Threads:")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(v)
}

// statusField returns the value of one field ("VmRSS:") of
// /proc/<pid>/status, trimmed.
func statusField(pid int, field string) (string, error) {
	if pid <= 0 {
		return "", ErrNoProcess
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			return strings.TrimSpace(rest), nil
		}
	}
	return "", fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// CPUTime returns the CPU time (user plus system) the process has used,
// read from /proc/<pid>/stat, to a resolution of 10 ms. Unlike wall time it
// does not grow when other processes take the machine's cores.
func CPUTime(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, ErrNoProcess
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime (fields 14 and 15) from a
// /proc/<pid>/stat line. The command name (field 2) is in parentheses and
// may hold spaces and parentheses itself, so fields are counted from the
// last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc stat %q", clip(stat, 80))
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc stat %q", clip(stat, 80))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed /proc stat %q: %w", clip(stat, 80), err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
