package deploy

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the repository root, seen from this module's directory.
const repoRoot = ".."

// pipeline lists the services: every Go module services/<name> with its
// main package in cmd/<name>. A new service is found here, so every test
// below asks for its compose service, Kubernetes Deployment and NATS user.
var pipeline = services()

func services() []string {
	dirs, err := os.ReadDir(filepath.Join(repoRoot, "services"))
	if err != nil {
		panic(err)
	}
	var names []string
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(repoRoot, "services", d.Name(), "cmd", d.Name(), "main.go")); err == nil {
			names = append(names, d.Name())
		}
	}
	return names
}

// envLiteral matches a NEWSFLOW_* name inside a Go string literal.
var envLiteral = regexp.MustCompile(`"(NEWSFLOW_[A-Z0-9_]+)"`)

// envNamesRead returns every NEWSFLOW_* name that appears as a string
// literal in the non-test Go sources of pkg/stage (the runtime every
// service shares) and of services/<service>. That is the set of
// variables the service can read.
func envNamesRead(t *testing.T, service string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, dir := range []string{"pkg/stage", "services/" + service} {
		root := filepath.Join(repoRoot, dir)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range envLiteral.FindAllSubmatch(src, -1) {
				names[string(m[1])] = true
			}
			return nil
		})
		if err != nil {
			t.Fatalf("scan %s: %v", dir, err)
		}
	}
	return names
}

// notRead returns the names in set that the service does not read, sorted.
func notRead(read map[string]bool, set []string) []string {
	var missing []string
	for _, name := range set {
		if strings.HasPrefix(name, "NEWSFLOW_") && !read[name] {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	return slices.Compact(missing)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
