package config_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/newsmill/newsmill/pkg/config"
)

// Settings shared by every binary are inlined so their variables keep
// short names (NEWSMILL_HTTP_ADDR, not NEWSMILL_DAEMON_HTTP_ADDR).
type shared struct {
	HTTPAddr string `help:"ops server address"`
}

type cleanerConfig struct {
	Shared      shared `conf:",inline"`
	NATS        struct{ URL string }
	Concurrency int           `help:"messages handled at once"`
	AckWait     time.Duration `conf:"ack_wait"`
}

func (c cleanerConfig) Validate() error {
	if c.Concurrency < 1 {
		return errors.New("concurrency must be at least 1")
	}
	return nil
}

func ExampleLoad() {
	cfg := cleanerConfig{Concurrency: 4, AckWait: 30 * time.Second} // defaults
	cfg.Shared.HTTPAddr = ":9090"
	// Normally os.Args[1:]; NEWSMILL_NATS_URL etc. are read too.
	err := config.Load("cleaner", []string{"-concurrency=8", "-nats_url", "nats://nats:4222"}, &cfg)
	fmt.Println(err, cfg.Concurrency, cfg.NATS.URL, cfg.Shared.HTTPAddr, cfg.AckWait)

	err = config.Load("cleaner", []string{"-concurrency=0"}, &cfg)
	fmt.Println(err)
	// Output:
	// <nil> 8 nats://nats:4222 :9090 30s
	// validating config: concurrency must be at least 1
}
