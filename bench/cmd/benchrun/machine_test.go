package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The report names the commit of the tree it measured (-root), not the
// one benchrun was started from: comparing an older tree with -root used
// to record the working directory's commit for both.
func TestMachineNamesTheCommitOfRoot(t *testing.T) {
	root := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	if err := os.WriteFile(filepath.Join(root, "f"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "f")
	git("commit", "-q", "-m", "first")
	want := git("rev-parse", "--short", "HEAD")
	if err := os.WriteFile(filepath.Join(root, "f"), []byte("b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := machine("", root)
	if m.Commit != want {
		t.Errorf("Commit = %q, want %q (the commit of -root)", m.Commit, want)
	}
	if m.Modified != 1 {
		t.Errorf("Modified = %d, want 1 (the tracked file changed in -root)", m.Modified)
	}
}
