// Package e2e holds the gateway's end-to-end tests across real processes:
// xgate serve and xgate peer started from a freshly built binary on a
// development network (gateway/devnet), talking over loopback mutual TLS,
// killed with SIGKILL and restarted. The package has no code of its own.
package e2e
