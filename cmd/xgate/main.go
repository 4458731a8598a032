package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Set by the linker: -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = "none"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
		if context.Cause(ctx) != context.Canceled {
			fmt.Fprintf(os.Stderr, "xgate: %v: stopping (send it again to stop at once)\n", context.Cause(ctx))
		}
	}()
	code := run(ctx, newApp(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
