package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/stories"
)

// decodeStrict decodes a JSON file into v, refusing unknown fields: a
// misspelt key in a definition would otherwise be silently dropped.
func decodeStrict(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func natsFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("nats", dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no definitions in nats/%s: %v", dir, err)
	}
	return files
}

func streamDefs(t *testing.T) map[string]jetstream.StreamConfig {
	defs := map[string]jetstream.StreamConfig{}
	for _, f := range natsFiles(t, "streams") {
		var sc jetstream.StreamConfig
		decodeStrict(t, f, &sc)
		if want := strings.TrimSuffix(filepath.Base(f), ".json"); sc.Name != want {
			t.Errorf("%s: name %q, want the file's name %q", f, sc.Name, want)
		}
		defs[sc.Name] = sc
	}
	return defs
}

// TestNATSStreamsMatchRuntime checks the documented stream definitions
// against what every service provisions at start (stage.StreamConfigs)
// for a three-node cluster, so the files cannot drift from the code.
func TestNATSStreamsMatchRuntime(t *testing.T) {
	cfg := stage.DefaultConfig().Streams
	cfg.Replicas = 3
	// The stream files are the cluster's, sized as deploy/k8s runs the
	// services (NEWSFLOW_STREAM_MAX_BYTES in the base ConfigMap), so
	// their restart never resizes a stream.
	maxBytes, err := strconv.ParseInt(loadK8s(t, "k8s/base").configMaps["newsflow-stage"].Data["NEWSFLOW_STREAM_MAX_BYTES"], 10, 64)
	if err != nil {
		t.Fatalf("k8s/base NEWSFLOW_STREAM_MAX_BYTES: %v", err)
	}
	cfg.MaxBytes = maxBytes
	defs := streamDefs(t)
	var names []string
	for _, want := range stage.StreamConfigs(cfg) {
		names = append(names, want.Name)
		got, ok := defs[want.Name]
		if !ok {
			t.Errorf("nats/streams/%s.json missing", want.Name)
			continue
		}
		type shape struct {
			Subjects   []string
			Retention  jetstream.RetentionPolicy
			Storage    jetstream.StorageType
			Discard    jetstream.DiscardPolicy
			MaxAge     time.Duration
			MaxBytes   int64
			MaxMsgSize int32
			Replicas   int
			Duplicates time.Duration
		}
		g := shape{got.Subjects, got.Retention, got.Storage, got.Discard, got.MaxAge, got.MaxBytes, got.MaxMsgSize, got.Replicas, got.Duplicates}
		w := shape{want.Subjects, want.Retention, want.Storage, want.Discard, want.MaxAge, want.MaxBytes, want.MaxMsgSize, want.Replicas, want.Duplicates}
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s:\n got %+v\nwant %+v", want.Name, g, w)
		}
	}
	for name := range defs {
		if !slices.Contains(names, name) {
			t.Errorf("nats/streams/%s.json is not a stream the services create", name)
		}
	}
}

// consumerDefs maps stream name to the durable consumer defined on it.
func consumerDefs(t *testing.T) map[string]jetstream.ConsumerConfig {
	defs := map[string]jetstream.ConsumerConfig{}
	for _, f := range natsFiles(t, "consumers") {
		var cc jetstream.ConsumerConfig
		decodeStrict(t, f, &cc)
		stream, durable, _ := strings.Cut(strings.TrimSuffix(filepath.Base(f), ".json"), ".")
		if cc.Durable != durable {
			t.Errorf("%s: durable_name %q, want %q from the file name <stream>.<durable>.json", f, cc.Durable, durable)
		}
		defs[stream] = cc
	}
	return defs
}

func TestNATSConsumers(t *testing.T) {
	defs := consumerDefs(t)
	streams := streamDefs(t)
	want := map[string]string{ // input subject -> stage
		stage.SubjectRaw:      stage.NameIngest,
		stage.SubjectCleaned:  stage.NameDedupe,
		stage.SubjectDeduped:  stage.NameEnrich,
		stage.SubjectEnriched: stage.NameStories,
		stage.SubjectStoried:  stage.NameIndex,
		stage.SubjectStories:  indexer.StoriesStageName,
	}
	if len(defs) != len(want) {
		t.Errorf("%d consumer definitions, want %d (one per stage)", len(defs), len(want))
	}
	for subject, name := range want {
		stream := stage.StreamFor(subject)
		cc, ok := defs[stream]
		if !ok {
			t.Errorf("no consumer on %s for stage %s", stream, name)
			continue
		}
		if cc.Durable != name || cc.FilterSubject != subject {
			t.Errorf("%s consumer = %s on %s, want %s on %s", stream, cc.Durable, cc.FilterSubject, name, subject)
		}
		// What the runtime creates for this stage with default settings.
		rc := stage.ConsumerConfigFor(name, subject, stage.DefaultConfig().Consumer)
		type shape struct {
			Deliver       jetstream.DeliverPolicy
			Ack           jetstream.AckPolicy
			AckWait       time.Duration
			MaxDeliver    int
			MaxAckPending int
			Replay        jetstream.ReplayPolicy
			Description   string
		}
		got := shape{cc.DeliverPolicy, cc.AckPolicy, cc.AckWait, cc.MaxDeliver, cc.MaxAckPending, cc.ReplayPolicy, cc.Description}
		want := shape{rc.DeliverPolicy, rc.AckPolicy, rc.AckWait, rc.MaxDeliver, rc.MaxAckPending, rc.ReplayPolicy, rc.Description}
		if got != want {
			t.Errorf("%s consumer:\n got %+v\nwant %+v (stage.ConsumerConfigFor)", name, got, want)
		}
		if !slices.Contains(streams[stream].Subjects, subject) {
			t.Errorf("%s: stream %s does not store %s", name, stream, subject)
		}
	}
}

// clusterNode is one of the three nats-server processes of
// nats/cluster/, started in-process.
type clusterNode struct {
	conf string
	opts *server.Options
	srv  *server.Server
}

// startCluster starts the three servers from nats/cluster/*.conf on
// loopback with storage in t.TempDir(). It keeps everything the files say
// except the ports, which are chosen by the OS so parallel test runs do
// not collide; the first node listens and the others route to it.
func startCluster(t *testing.T) []*clusterNode {
	t.Helper()
	confs, err := filepath.Glob("nats/cluster/*.conf")
	if err != nil || len(confs) != 3 {
		t.Fatalf("cluster configs = %v (%v), want three", confs, err)
	}
	var nodes []*clusterNode
	for _, c := range confs {
		opts, err := server.ProcessConfigFile(c)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		nodes = append(nodes, &clusterNode{conf: c, opts: opts})
	}
	checkClusterConfigs(t, nodes)

	// JetStream clustering needs routes on every node, so the cluster
	// ports are chosen first.
	var routes []string
	for range nodes {
		routes = append(routes, "nats-route://"+freeLoopbackAddr(t))
	}
	for i, n := range nodes {
		o := n.opts
		o.Port, o.HTTPPort = -1, -1
		host, port, _ := net.SplitHostPort(strings.TrimPrefix(routes[i], "nats-route://"))
		o.Cluster.Host = host
		o.Cluster.Port, _ = strconv.Atoi(port)
		o.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		o.StoreDir = t.TempDir()
		o.NoLog, o.NoSigs = true, true
		s, err := server.NewServer(o)
		if err != nil {
			t.Fatalf("%s: %v", n.conf, err)
		}
		s.Start()
		t.Cleanup(s.Shutdown)
		n.srv = s
	}
	for _, n := range nodes {
		if !n.srv.ReadyForConnections(10 * time.Second) {
			t.Fatalf("%s: not ready", n.conf)
		}
	}
	return nodes
}

// checkClusterConfigs checks what the in-process run overrides: that the
// files, as written, route every node to all three cluster listeners.
func checkClusterConfigs(t *testing.T, nodes []*clusterNode) {
	t.Helper()
	var listens, names []string
	for _, n := range nodes {
		listens = append(listens, fmt.Sprintf("%s:%d", n.opts.Cluster.Host, n.opts.Cluster.Port))
		names = append(names, n.opts.ServerName)
	}
	slices.Sort(listens)
	for _, n := range nodes {
		o := n.opts
		if !o.JetStream {
			t.Errorf("%s: JetStream off", n.conf)
		}
		if o.Cluster.Name != "newsflow" {
			t.Errorf("%s: cluster name %q, want newsflow", n.conf, o.Cluster.Name)
		}
		if o.MaxPayload < 8<<20 {
			t.Errorf("%s: max_payload %d, below the 8 MiB stream message limit", n.conf, o.MaxPayload)
		}
		if o.HTTPPort == 0 {
			t.Errorf("%s: no monitoring port (KEDA and the healthcheck read it)", n.conf)
		}
		var routes []string
		for _, r := range o.Routes {
			routes = append(routes, r.Host)
		}
		slices.Sort(routes)
		if !slices.Equal(routes, listens) {
			t.Errorf("%s: routes %v, want the three cluster listeners %v", n.conf, routes, listens)
		}
	}
	slices.Sort(names)
	if len(slices.Compact(names)) != 3 {
		t.Errorf("server names %v are not distinct", names)
	}
}

// eventually retries f until it succeeds or the deadline passes. The
// server has no event for "meta leader elected" or "stream leader moved",
// so those are polled.
func eventually(t *testing.T, d time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestNATSClusterR3 starts the three-node cluster from the config files,
// creates every stream, consumer and KV bucket from the definitions with
// three replicas, and checks that a stream keeps accepting and serving
// messages after its leader's node is shut down.
func TestNATSClusterR3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node JetStream cluster")
	}
	nodes := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // generous: leader elections slow down on a loaded 2-core machine
	defer cancel()

	var urls []string
	for _, n := range nodes {
		urls = append(urls, n.srv.ClientURL())
	}
	nc, err := nats.Connect(strings.Join(urls, ","), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}

	// Wait for a JetStream meta leader; a request sent before there is
	// one gets no answer, so each try has its own short deadline.
	eventually(t, 30*time.Second, func() error {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := js.AccountInfo(tctx)
		return err
	})
	for _, sc := range streamDefs(t) {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			t.Fatalf("stream %s: %v", sc.Name, err)
		}
		info, err := js.Stream(ctx, sc.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got := 1 + len(info.CachedInfo().Cluster.Replicas); got != 3 {
			t.Errorf("%s: %d replicas placed, want 3", sc.Name, got)
		}
	}
	for stream, cc := range consumerDefs(t) {
		if _, err := js.CreateOrUpdateConsumer(ctx, stream, cc); err != nil {
			t.Fatalf("consumer %s on %s: %v", cc.Durable, stream, err)
		}
	}
	for _, f := range natsFiles(t, "kv") {
		var kc jetstream.KeyValueConfig
		decodeStrict(t, f, &kc)
		kv, err := js.CreateOrUpdateKeyValue(ctx, kc)
		if err != nil {
			t.Fatalf("kv %s: %v", kc.Bucket, err)
		}
		if _, err := kv.Put(ctx, "probe", []byte("1")); err != nil {
			t.Fatalf("kv %s put: %v", kc.Bucket, err)
		}
	}

	// Publish, lose the stream leader's node, publish again, and read
	// both messages back through the durable consumer.
	if _, err := js.Publish(ctx, stage.SubjectRaw, []byte(`{"text":"one"}`)); err != nil {
		t.Fatal(err)
	}
	s, _ := js.Stream(ctx, stage.StreamRaw)
	leader := s.CachedInfo().Cluster.Leader
	var survivors []*clusterNode
	for _, n := range nodes {
		if n.srv.Name() == leader {
			n.srv.Shutdown()
			n.srv.WaitForShutdown()
		} else {
			survivors = append(survivors, n)
		}
	}
	if len(survivors) != 2 {
		t.Fatalf("leader %q is not one of the three nodes", leader)
	}
	eventually(t, 30*time.Second, func() error {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := js.Publish(tctx, stage.SubjectRaw, []byte(`{"text":"two"}`))
		return err
	})
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Cluster.Leader == leader {
		t.Errorf("leader still %s after its node stopped", leader)
	}
	if info.State.Msgs != 2 {
		t.Errorf("%s holds %d messages after losing a node, want 2", stage.StreamRaw, info.State.Msgs)
	}
	cons, err := js.Consumer(ctx, stage.StreamRaw, stage.NameIngest)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	eventually(t, 30*time.Second, func() error {
		batch, err := cons.Fetch(2-len(got), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return err
		}
		for m := range batch.Messages() {
			got = append(got, string(m.Data()))
			if err := m.Ack(); err != nil {
				return err
			}
		}
		if len(got) < 2 {
			return fmt.Errorf("fetched %d of 2 messages", len(got))
		}
		return nil
	})
	want := []string{`{"text":"one"}`, `{"text":"two"}`}
	if !slices.Equal(got, want) {
		t.Errorf("consumed %q, want %q", got, want)
	}
}

// freeLoopbackAddr returns a loopback address with a port that was free a
// moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestNATSStorageFits checks that what the streams and KV buckets reserve
// (each reserves its max_bytes) fits the JetStream file store of every
// server config: otherwise the services fail at start with "insufficient
// storage". Compose sizes streams with NEWSFLOW_STREAM_MAX_BYTES.
func TestNATSStorageFits(t *testing.T) {
	var kvBytes int64
	for _, f := range natsFiles(t, "kv") {
		var kc jetstream.KeyValueConfig
		decodeStrict(t, f, &kc)
		kvBytes += kc.MaxBytes
	}
	// The stories stage's log is a stream of its own, sized by
	// NEWSFLOW_STORIES_LOG_MAX_BYTES (the default everywhere).
	kvBytes += stories.DefaultConfig().LogMaxBytes
	var clusterStreams int64
	for _, sc := range streamDefs(t) {
		clusterStreams += sc.MaxBytes
	}
	p := defaultCompose(t)
	perStream, err := strconv.ParseInt(env(p.Services["ingest"], "NEWSFLOW_STREAM_MAX_BYTES"), 10, 64)
	if err != nil {
		t.Fatalf("compose NEWSFLOW_STREAM_MAX_BYTES: %v", err)
	}
	composeStreams := perStream * int64(len(stage.StreamConfigs(stage.DefaultConfig().Streams)))

	confs, _ := filepath.Glob("nats/cluster/*.conf")
	secure, _ := secureNATSConf(t)
	confs = append(confs, "nats/nats.conf", secure)
	for _, c := range confs {
		opts, err := server.ProcessConfigFile(c)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		need := clusterStreams + kvBytes
		if !strings.Contains(c, "cluster") {
			need = composeStreams + kvBytes
		}
		if opts.JetStreamMaxStore < need {
			t.Errorf("%s: max_file_store %d < %d reserved by streams and KV", c, opts.JetStreamMaxStore, need)
		}
		if opts.MaxPayload < 8<<20 {
			t.Errorf("%s: max_payload %d, below the 8 MiB stream message limit", c, opts.MaxPayload)
		}
	}
}

// TestComposeNATSHealthcheck runs the compose healthcheck's request
// against a server started from nats/nats.conf: the check must pass on a
// healthy JetStream server, or compose would never start the services.
func TestComposeNATSHealthcheck(t *testing.T) {
	hc := defaultCompose(t).Services["nats"].HealthCheck
	var target string
	for _, arg := range hc.Test {
		if strings.HasPrefix(arg, "http://") {
			target = arg
		}
	}
	u, err := url.Parse(target)
	if err != nil || target == "" {
		t.Fatalf("nats healthcheck %v: no URL (%v)", hc.Test, err)
	}
	if u.Port() != "8222" || u.Query().Get("js-enabled-only") != "true" {
		t.Errorf("nats healthcheck %s, want port 8222 and js-enabled-only=true", target)
	}
	opts, err := server.ProcessConfigFile("nats/nats.conf")
	if err != nil {
		t.Fatal(err)
	}
	if opts.HTTPPort != 8222 || !opts.JetStream {
		t.Errorf("nats.conf: monitoring port %d, JetStream %v; want 8222 and on", opts.HTTPPort, opts.JetStream)
	}
	opts.Host, opts.Port, opts.HTTPHost, opts.HTTPPort = "127.0.0.1", -1, "127.0.0.1", -1
	opts.StoreDir = t.TempDir()
	opts.NoLog, opts.NoSigs = true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("not ready")
	}
	u.Host = s.MonitorAddr().String()
	eventually(t, 10*time.Second, func() error {
		res, err := http.Get(u.String())
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", u, res.Status)
		}
		return nil
	})
}
