// Package natstest starts embedded NATS servers with JetStream for tests: a
// random port, a per-test temporary store, shut down when the test ends. It
// needs no broker on the machine.
package natstest

import (
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// MaxPayload is the embedded server's max message size: big enough for the
// fetcher's 5 MiB body cap after compression and JSON framing.
const MaxPayload = 8 << 20

// Options returns the options Start uses, with JetStream stored in dir.
func Options(dir string) *server.Options {
	return &server.Options{
		Host:                   "127.0.0.1",
		Port:                   -1,
		JetStream:              true,
		StoreDir:               dir,
		MaxPayload:             MaxPayload,
		NoLog:                  true,
		NoSigs:                 true,
		DisableJetStreamBanner: true,
	}
}

// Start runs an embedded JetStream server and returns it with its client
// URL. The server is shut down when the test ends.
func Start(t testing.TB) (*server.Server, string) {
	t.Helper()
	return StartWith(t, Options(t.TempDir()))
}

// StartWith runs a server with opts (see Options), for tests that restart a
// server on the same store or port.
func StartWith(t testing.TB, opts *server.Options) (*server.Server, string) {
	t.Helper()
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("natstest: creating server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("natstest: server not ready within 10s")
	}
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s, s.ClientURL()
}

// Connect starts a server and returns a connection to it, closed when the
// test ends.
func Connect(t testing.TB) (*nats.Conn, *server.Server) {
	t.Helper()
	s, url := Start(t)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("natstest: connecting: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc, s
}

// PublishBatch publishes n copies of data on subject asynchronously, with
// Nats-Msg-Ids idPrefix+seq for seq from *sent+1, and waits for every ack;
// *sent is advanced by n. It is for benchmarks that fill a stream fast.
func PublishBatch(tb testing.TB, js jetstream.JetStream, subject string, data []byte, n int, idPrefix string, sent *int) {
	tb.Helper()
	futures := make([]jetstream.PubAckFuture, 0, n)
	for range n {
		*sent++
		f, err := js.PublishAsync(subject, data, jetstream.WithMsgID(idPrefix+strconv.Itoa(*sent)))
		if err != nil {
			tb.Fatalf("natstest: publishing: %v", err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			tb.Fatalf("natstest: publish ack: %v", err)
		}
	}
}
