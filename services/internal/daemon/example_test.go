package daemon_test

import (
	"context"
	"fmt"
	"os"

	"github.com/newsmill/newsmill/services/internal/daemon"
)

func ExampleRun() {
	cfg := daemon.DefaultConfig()
	cfg.HTTPAddr = "127.0.0.1:0" // a free port, for the example
	cfg.LogLevel = "error"

	ctx, cancel := context.WithCancel(context.Background())
	err := daemon.Run(ctx, "example", cfg, func(ctx context.Context, d *daemon.Deps) error {
		// Connect, provision, register metrics on d.Registry, start
		// consuming; then:
		d.SetReady(true)
		cancel() // stands in for SIGTERM
		<-ctx.Done()
		// Stop pulling, finish or nak in-flight messages, return.
		return ctx.Err()
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
	fmt.Println("stopped cleanly")
	// Output: stopped cleanly
}
