package deploy

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads compose files from the repository root the way
// `docker compose` does, with env as the only environment (no .env file,
// no OS environment), so the result does not depend on the machine.
func loadCompose(t *testing.T, env []string, files ...string) *types.Project {
	t.Helper()
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(repoRoot, f)
	}
	opts, err := cli.NewProjectOptions(paths,
		cli.WithWorkingDirectory(repoRoot),
		cli.WithEnv(env),
		cli.WithInterpolation(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load %v: %v", files, err)
	}
	return p
}

func defaultCompose(t *testing.T) *types.Project {
	return loadCompose(t, nil, "docker-compose.yml")
}

// oneShot reports whether some service waits for name to complete, which
// makes name a job rather than a long-running service.
func oneShot(p *types.Project, name string) bool {
	for _, s := range p.Services {
		if d, ok := s.DependsOn[name]; ok && d.Condition == types.ServiceConditionCompletedSuccessfully {
			return true
		}
	}
	return false
}

func TestComposeServices(t *testing.T) {
	p := defaultCompose(t)
	want := append([]string{"nats", "elasticsearch", "kibana", "setup"}, pipeline...)
	got := sortedKeys(p.Services)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
	if !oneShot(p, "setup") {
		t.Errorf("nothing waits for setup with condition %s", types.ServiceConditionCompletedSuccessfully)
	}
	if r := p.Services["setup"].Restart; r != "no" {
		t.Errorf("setup restart = %q, want \"no\" (a one-shot job)", r)
	}
}

func TestComposeHealthchecks(t *testing.T) {
	p := defaultCompose(t)
	for _, s := range p.Services {
		if oneShot(p, s.Name) {
			continue
		}
		hc := s.HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) == 0 || hc.Test[0] == "NONE" {
			t.Errorf("%s: no healthcheck", s.Name)
			continue
		}
		if hc.Interval == nil || hc.Retries == nil {
			t.Errorf("%s: healthcheck without interval or retries", s.Name)
		}
	}
}

// TestComposePipelineHealthcheck checks that each service's healthcheck
// runs its own binary: distroless has no shell, curl or wget.
func TestComposePipelineHealthcheck(t *testing.T) {
	p := defaultCompose(t)
	for _, name := range pipeline {
		s := p.Services[name]
		want := types.HealthCheckTest{"CMD", "/service", "healthcheck"}
		if s.HealthCheck == nil || !slices.Equal(s.HealthCheck.Test, want) {
			t.Errorf("%s healthcheck = %v, want %v", name, s.HealthCheck, want)
		}
	}
}

func TestComposeScalable(t *testing.T) {
	p := defaultCompose(t)
	for _, name := range pipeline {
		s := p.Services[name]
		if s.ContainerName != "" {
			t.Errorf("%s: container_name %q stops --scale", name, s.ContainerName)
		}
		for _, port := range s.Ports {
			if port.Published != "" {
				t.Errorf("%s: host port %s:%d is fixed; replicas would collide", name, port.Published, port.Target)
			}
		}
		if s.Hostname != "" {
			t.Errorf("%s: hostname %q gives every replica the same name", name, s.Hostname)
		}
		if s.Deploy != nil && s.Deploy.Replicas != nil && *s.Deploy.Replicas > 1 {
			t.Logf("%s: deploy.replicas = %d", name, *s.Deploy.Replicas)
		}
		if len(s.Command) > 0 {
			t.Errorf("%s: command %v: settings go through the environment", name, s.Command)
		}
	}
}

func TestComposeDependsOn(t *testing.T) {
	p := defaultCompose(t)
	for _, s := range p.Services {
		for dep, d := range s.DependsOn {
			target, ok := p.Services[dep]
			if !ok {
				t.Errorf("%s depends on unknown service %s", s.Name, dep)
				continue
			}
			switch d.Condition {
			case types.ServiceConditionHealthy:
				if target.HealthCheck == nil {
					t.Errorf("%s waits for %s to be healthy, but %s has no healthcheck", s.Name, dep, dep)
				}
			case types.ServiceConditionCompletedSuccessfully:
			default:
				t.Errorf("%s depends on %s with condition %q, want healthy or completed", s.Name, dep, d.Condition)
			}
		}
	}
	want := map[string]map[string]string{
		"kibana":  {"elasticsearch": types.ServiceConditionHealthy},
		"setup":   {"elasticsearch": types.ServiceConditionHealthy, "kibana": types.ServiceConditionHealthy},
		"ingest":  {"nats": types.ServiceConditionHealthy},
		"dedupe":  {"nats": types.ServiceConditionHealthy},
		"enrich":  {"nats": types.ServiceConditionHealthy},
		"stories": {"nats": types.ServiceConditionHealthy},
		"indexer": {"nats": types.ServiceConditionHealthy, "elasticsearch": types.ServiceConditionHealthy, "setup": types.ServiceConditionCompletedSuccessfully},
	}
	for name, deps := range want {
		for dep, cond := range deps {
			if got := p.Services[name].DependsOn[dep].Condition; got != cond {
				t.Errorf("%s depends_on %s: condition = %q, want %q", name, dep, got, cond)
			}
		}
	}
}

// TestComposeBuilds checks that each pipeline service builds from the
// repository root with the one Dockerfile and its name as the build
// argument SERVICE, and that the Dockerfile, with that argument, copies
// paths that exist, builds the right main package and runs as non-root
// on a static base.
func TestComposeBuilds(t *testing.T) {
	p := defaultCompose(t)
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range pipeline {
		s := p.Services[name]
		if s.Build == nil {
			t.Errorf("%s: no build", name)
			continue
		}
		if s.Build.Context != root {
			t.Errorf("%s: build context = %s, want the repository root %s (the module replaces ../../pkg/*)", name, s.Build.Context, root)
		}
		if s.Build.Dockerfile != "Dockerfile" {
			t.Errorf("%s: dockerfile = %s, want the one Dockerfile at the root", name, s.Build.Dockerfile)
		}
		if arg := s.Build.Args["SERVICE"]; arg == nil || *arg != name {
			t.Errorf("%s: build argument SERVICE = %v, want %s", name, arg, name)
		}
		df := parseDockerfile(t, filepath.Join(s.Build.Context, s.Build.Dockerfile))
		checkDockerfile(t, name, root, withArg(df, "SERVICE", name))
		checkLocalModules(t, name, root, withArg(df, "SERVICE", name))
	}
}

// instruction is one Dockerfile instruction with its line continuations
// joined.
type instruction struct {
	cmd  string // upper case: FROM, COPY, RUN...
	args string
}

// withArg returns df with ${name} and $name replaced by value, as the
// builder expands a build argument.
func withArg(df []instruction, name, value string) []instruction {
	r := strings.NewReplacer("${"+name+"}", value, "$"+name, value)
	out := make([]instruction, len(df))
	for i, in := range df {
		out[i] = instruction{cmd: in.cmd, args: r.Replace(in.args)}
	}
	return out
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open Dockerfile: %v", err)
	}
	defer f.Close()
	var out []instruction
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cont := strings.HasSuffix(line, "\\")
		cur.WriteString(strings.TrimSuffix(line, "\\"))
		cur.WriteString(" ")
		if cont {
			continue
		}
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.Join(strings.Fields(args), " ")})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkDockerfile(t *testing.T, name, root string, df []instruction) {
	t.Helper()
	var froms []string
	var user, entrypoint, healthcheck string
	var built bool
	for _, in := range df {
		switch in.cmd {
		case "FROM":
			froms = append(froms, in.args)
			user = "" // USER is per stage
		case "COPY":
			fields := strings.Fields(in.args)
			if strings.HasPrefix(fields[0], "--from=") || len(fields) < 2 {
				continue
			}
			for _, src := range fields[:len(fields)-1] {
				if strings.HasPrefix(src, "--") {
					continue
				}
				matches, err := filepath.Glob(filepath.Join(root, src))
				if err != nil || len(matches) == 0 {
					t.Errorf("%s Dockerfile: COPY %s: no such path in the repository", name, src)
				}
			}
		case "RUN":
			if strings.Contains(in.args, "go build") {
				built = true
				if !strings.Contains(in.args, "cd services/"+name+" ") {
					t.Errorf("%s Dockerfile: go build does not run in services/%s", name, name)
				}
				if !strings.Contains(in.args, "./cmd/"+name) {
					t.Errorf("%s Dockerfile: go build does not build ./cmd/%s", name, name)
				}
				if !strings.Contains(in.args, "-o /out/service") {
					t.Errorf("%s Dockerfile: go build does not write /out/service", name)
				}
			}
		case "ENV":
			if strings.Contains(in.args, "CGO_ENABLED=1") {
				t.Errorf("%s Dockerfile: CGO on; the binary must be static", name)
			}
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "HEALTHCHECK":
			healthcheck = in.args
		}
	}
	if !built {
		t.Errorf("%s Dockerfile: no go build", name)
	}
	if _, err := os.Stat(filepath.Join(root, "services", name, "cmd", name)); err != nil {
		t.Errorf("%s Dockerfile builds ./cmd/%s: %v", name, name, err)
	}
	if len(froms) < 2 {
		t.Fatalf("%s Dockerfile: %d stages, want a multi-stage build", name, len(froms))
	}
	final := froms[len(froms)-1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("%s Dockerfile: final stage FROM %s, want distroless static or scratch", name, final)
	}
	if user == "" || user == "root" || strings.HasPrefix(user, "0") {
		t.Errorf("%s Dockerfile: final stage USER %q, want non-root", name, user)
	}
	if want := `["/service"]`; entrypoint != want {
		t.Errorf("%s Dockerfile: ENTRYPOINT %s, want %s", name, entrypoint, want)
	}
	if want := `CMD ["/service", "healthcheck"]`; !strings.HasSuffix(healthcheck, want) {
		t.Errorf("%s Dockerfile: HEALTHCHECK %s, want it to end with %s", name, healthcheck, want)
	}
	if _, err := os.Stat(filepath.Join(root, ".dockerignore")); err != nil {
		t.Errorf(".dockerignore: %v (the context is the whole repository)", err)
	}
}

// TestComposeEnvNamesRead checks that every NEWSFLOW_* variable compose
// sets on a service is one that service's code reads: a misspelt or
// stale name would otherwise be silently ignored.
func TestComposeEnvNamesRead(t *testing.T) {
	for _, files := range [][]string{
		{"docker-compose.yml"},
		{"docker-compose.yml", "docker-compose.secure.yml"},
	} {
		p := loadCompose(t, secureEnv, files...)
		for _, name := range pipeline {
			read := envNamesRead(t, name)
			set := sortedKeys(p.Services[name].Environment)
			if missing := notRead(read, set); len(missing) > 0 {
				t.Errorf("%v: %s sets %v, which services/%s and pkg/stage never read (they read %v)",
					files, name, missing, name, sortedKeys(read))
			}
		}
	}
}

// replaceLocal matches a go.mod replace directive to a local directory.
var replaceLocal = regexp.MustCompile(`(?m)=>\s*(\.{1,2}/\S*)\s*$`)

// localModules returns the repository-relative directories of the module
// in dir and of every local module it replaces, transitively: all of them
// must be in the Docker build.
func localModules(t *testing.T, root, dir string) []string {
	t.Helper()
	seen := map[string]bool{}
	var visit func(dir string)
	visit = func(dir string) {
		if seen[dir] {
			return
		}
		seen[dir] = true
		data, err := os.ReadFile(filepath.Join(root, dir, "go.mod"))
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			return
		}
		for _, m := range replaceLocal.FindAllStringSubmatch(string(data), -1) {
			visit(filepath.ToSlash(filepath.Join(dir, m[1])))
		}
	}
	visit(dir)
	return sortedKeys(seen)
}

// checkLocalModules checks that the Dockerfile copies the go.mod files
// and the sources of every local module the service builds with.
func checkLocalModules(t *testing.T, name, root string, df []instruction) {
	t.Helper()
	var copied []string
	for _, in := range df {
		if in.cmd == "COPY" && !strings.HasPrefix(in.args, "--from=") {
			fields := strings.Fields(in.args)
			copied = append(copied, fields[:len(fields)-1]...)
		}
	}
	for _, mod := range localModules(t, root, "services/"+name) {
		if !slices.Contains(copied, mod+"/go.*") {
			t.Errorf("%s Dockerfile: does not COPY %s/go.* before go mod download", name, mod)
		}
		if !slices.Contains(copied, mod+"/") {
			t.Errorf("%s Dockerfile: does not COPY the sources of %s", name, mod)
		}
	}
}

// TestComposeHTTPPort checks that each service listens where compose
// publishes and where its healthcheck (stage.Healthcheck, which reads
// NEWSFLOW_HTTP_ADDR) looks.
func TestComposeHTTPPort(t *testing.T) {
	p := defaultCompose(t)
	for _, name := range pipeline {
		s := p.Services[name]
		addr := env(s, "NEWSFLOW_HTTP_ADDR")
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Errorf("%s: NEWSFLOW_HTTP_ADDR %q: %v", name, addr, err)
			continue
		}
		var targets []string
		for _, pc := range s.Ports {
			targets = append(targets, strconv.Itoa(int(pc.Target)))
		}
		if !slices.Equal(targets, []string{port}) {
			t.Errorf("%s publishes container ports %v, listens on %s", name, targets, port)
		}
	}
}
