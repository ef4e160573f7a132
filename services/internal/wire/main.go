package wire

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/newsmill/newsmill/pkg/config"
)

// Main runs a binary's run function with the process arguments and exits:
// 0 on success or -h, 1 with the error on standard error otherwise.
func Main(name string, run func(ctx context.Context, args []string) error) {
	err := run(context.Background(), os.Args[1:])
	if err == nil || errors.Is(err, config.ErrHelp) {
		os.Exit(0)
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	os.Exit(1)
}
