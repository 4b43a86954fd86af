package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrNoLeader means a stream had no leader among the running nodes.
var ErrNoLeader = errors.New("no stream leader")

// NATS is one JetStream server, or a cluster of them, run in this process
// on loopback.
type NATS struct {
	nodes []*server.Server
	opts  []*server.Options
	// User and Password, when set, are required of every client.
	User, Password string
}

// StartNATS starts n JetStream servers with storage under dir: one plain
// server when n is 1, else a cluster named newsflow whose nodes route to
// each other, as deploy/nats/cluster configures it.
func StartNATS(dir string, n int, user, password string) (*NATS, error) {
	// Every port is reserved at once, so that none is handed out twice.
	addrs, err := freeAddrs(2 * n)
	if err != nil {
		return nil, err
	}
	var routes []string
	if n > 1 {
		for _, a := range addrs[n:] {
			routes = append(routes, "nats-route://"+a)
		}
	}
	c := &NATS{User: user, Password: password}
	for i := range n {
		_, cport, _ := net.SplitHostPort(addrs[i])
		port, _ := strconv.Atoi(cport)
		o := &server.Options{
			ServerName:            fmt.Sprintf("chaos-%d", i+1),
			Host:                  "127.0.0.1",
			Port:                  port,
			JetStream:             true,
			StoreDir:              filepath.Join(dir, fmt.Sprintf("nats-%d", i+1)),
			MaxPayload:            16 << 20,
			NoLog:                 true,
			NoSigs:                true,
			DisableShortFirstPing: true,
		}
		if user != "" {
			o.Users = []*server.User{{Username: user, Password: password}}
		}
		if n > 1 {
			host, port, _ := net.SplitHostPort(strings.TrimPrefix(routes[i], "nats-route://"))
			o.Cluster.Name = "newsflow"
			o.Cluster.Host = host
			o.Cluster.Port, _ = strconv.Atoi(port)
			o.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		}
		s, err := server.NewServer(o)
		if err != nil {
			c.Shutdown()
			return nil, fmt.Errorf("nats node %d: %w", i+1, err)
		}
		go s.Start()
		c.nodes = append(c.nodes, s)
		c.opts = append(c.opts, o)
	}
	for _, s := range c.nodes {
		if !s.ReadyForConnections(20 * time.Second) {
			c.Shutdown()
			return nil, fmt.Errorf("nats %s: not ready", s.Name())
		}
	}
	return c, nil
}

// AllURLs lists every node's client URL, running or not, as a service
// configured for the cluster would.
func (c *NATS) AllURLs() string {
	var urls []string
	for _, s := range c.nodes {
		urls = append(urls, s.ClientURL())
	}
	return strings.Join(urls, ",")
}

// Nodes are the servers, in start order.
func (c *NATS) Nodes() []*server.Server { return c.nodes }

// Kill stops node i at once, as a crashed process would stop.
func (c *NATS) Kill(i int) {
	c.nodes[i].Shutdown()
	c.nodes[i].WaitForShutdown()
}

// Restart starts node i again after Kill, on the same ports and storage.
func (c *NATS) Restart(i int) error {
	o := c.opts[i].Clone()
	s, err := server.NewServer(o)
	if err != nil {
		return fmt.Errorf("restart nats node %d: %w", i+1, err)
	}
	go s.Start()
	if !s.ReadyForConnections(20 * time.Second) {
		return fmt.Errorf("restart nats node %d: not ready", i+1)
	}
	c.nodes[i] = s
	return nil
}

// Shutdown stops every node.
func (c *NATS) Shutdown() {
	for _, s := range c.nodes {
		s.Shutdown()
	}
	for _, s := range c.nodes {
		s.WaitForShutdown()
	}
}

// Connect dials the running nodes and waits until JetStream answers (on a
// cluster, until there is a meta leader).
func (c *NATS) Connect(ctx context.Context) (*nats.Conn, jetstream.JetStream, error) {
	opts := []nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(100 * time.Millisecond), nats.RetryOnFailedConnect(true)}
	if c.User != "" {
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	}
	nc, err := nats.Connect(c.AllURLs(), opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	for {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err = js.AccountInfo(tctx)
		cancel()
		if err == nil {
			return nc, js, nil
		}
		select {
		case <-ctx.Done():
			nc.Close()
			return nil, nil, fmt.Errorf("jetstream not ready: %w", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// StreamLeader returns the index of the node that leads stream.
func (c *NATS) StreamLeader(ctx context.Context, js jetstream.JetStream, stream string) (int, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return -1, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return -1, err
	}
	if info.Cluster == nil {
		return -1, ErrNoLeader
	}
	for i, n := range c.nodes {
		if n.Name() == info.Cluster.Leader {
			return i, nil
		}
	}
	return -1, fmt.Errorf("%w: %s led by %q", ErrNoLeader, stream, info.Cluster.Leader)
}

func freeAddrs(n int) ([]string, error) {
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// FreeAddr returns a loopback address whose port was free a moment ago.
func FreeAddr() (string, error) { return freeAddr() }
