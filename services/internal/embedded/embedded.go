// Package embedded runs a NATS server with JetStream inside the process, for
// `newsctl up` and `newsctl ingest`: no broker to install, the store kept in
// a data directory so the pipeline's state survives restarts.
package embedded

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// MaxPayload is the largest message the embedded server takes: room for the
// fetcher's 5 MiB body cap once compressed and framed in JSON.
const MaxPayload = 8 << 20

// Options configure the embedded server.
type Options struct {
	// Dir holds the JetStream store (created if missing).
	Dir string
	// Listen is host:port; a taken port falls back to a free one when
	// FallbackPort is set. Port 0 picks a free one.
	Listen       string
	FallbackPort bool
}

// Server is a running embedded server.
type Server struct {
	*server.Server
}

// Start starts the server and waits until it accepts connections.
// JetStream writes are synced to disk before they are acknowledged
// (sync_interval: always), as a single-replica deployment must.
func Start(o Options) (*Server, error) {
	host, portStr, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("parsing listen address %q: %w", o.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("parsing listen port %q: %w", portStr, err)
	}
	if port != 0 && o.FallbackPort && !free(host, port) {
		port = 0
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		ServerName:             "newsmill-embedded",
		Host:                   host,
		Port:                   port,
		JetStream:              true,
		StoreDir:               filepath.Join(o.Dir, "jetstream"),
		MaxPayload:             MaxPayload,
		SyncAlways:             true,
		NoLog:                  true,
		NoSigs:                 true,
		DisableJetStreamBanner: true,
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("creating embedded nats server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(15 * time.Second) {
		s.Shutdown()
		return nil, errors.New("embedded nats server not ready within 15s")
	}
	return &Server{s}, nil
}

// Stop shuts the server down and waits for it.
func (s *Server) Stop() {
	s.Shutdown()
	s.WaitForShutdown()
}

func free(host string, port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}
