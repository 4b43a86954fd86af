package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// WebUISection is the web UI's page timings on a large index
// (internal/webui's BenchmarkPages), with -webui.
type WebUISection struct {
	Documents int        `json:"documents"`
	Pages     []PageTime `json:"pages"`
}

// PageTime is one page from request to last byte: wall and CPU
// milliseconds (the whole test process's, server and client).
type PageTime struct {
	Page  string  `json:"page"`
	Ms    float64 `json:"ms"`
	CPUMs float64 `json:"cpu_ms"`
}

var benchLine = regexp.MustCompile(`^BenchmarkPages/(\S+?)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op\s+([0-9.]+) cpu-ms/op`)

// runWebUI runs BenchmarkPages in the repository at c.root on an index of
// c.webuiDocs documents kept in c.webuiIndex (built on the first run,
// which takes minutes), else in a temporary folder.
func runWebUI(ctx context.Context, c config, logf func(string, ...any)) (WebUISection, error) {
	sec := WebUISection{Documents: c.webuiDocs}
	dir := c.webuiIndex
	if dir == "" {
		tmp, err := os.MkdirTemp("", "newsflow-bench-webui-")
		if err != nil {
			return sec, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "BenchmarkPages", "-benchtime", "10x",
		"./internal/webui", "-bench-docs", strconv.Itoa(c.webuiDocs), "-bench-index", dir)
	cmd.Dir = filepath.Clean(c.root)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	logf("webui: BenchmarkPages on %d documents in %s (the first run builds the index: minutes)", c.webuiDocs, dir)
	if err := cmd.Run(); err != nil {
		return sec, fmt.Errorf("BenchmarkPages: %w\n%s", err, out.String())
	}
	sec.Pages = pageTimes(out.String())
	if len(sec.Pages) == 0 {
		return sec, fmt.Errorf("BenchmarkPages printed no timing:\n%s", out.String())
	}
	return sec, nil
}

// pageTimes reads BenchmarkPages' lines from go test's output.
func pageTimes(out string) []PageTime {
	var pages []PageTime
	for _, line := range strings.Split(out, "\n") {
		if m := benchLine.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			ns, _ := strconv.ParseFloat(m[2], 64)
			cpu, _ := strconv.ParseFloat(m[3], 64)
			pages = append(pages, PageTime{Page: strings.ReplaceAll(m[1], "_", " "), Ms: ns / 1e6, CPUMs: cpu})
		}
	}
	return pages
}

func webuiTable(b *strings.Builder, s WebUISection) {
	fmt.Fprintf(b, "### Web UI pages on %d documents (request to last byte, gzip, mean of 10; target ≤ 100 ms)\n\n"+
		"CPU ms are the process's (server and client) per page, which other load on the machine changes less than the wall time.\n\n"+
		"| page | ms | CPU ms |\n|---|---:|---:|\n", s.Documents)
	for _, p := range s.Pages {
		fmt.Fprintf(b, "| %s | %.1f | %.1f |\n", p.Page, p.Ms, p.CPUMs)
	}
	b.WriteString("\n")
}
