// Command xgate is the interagency data-exchange gateway: one binary with
// cobra subcommands for the daemon, operators and vendors.
package main

import "os"

// Set by the linker: -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = "none"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
