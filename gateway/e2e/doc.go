// Package e2e holds the gateway's end-to-end tests across real processes:
// xgate serve and xgate peer started from a freshly built binary on a
// development network (gateway/devnet), talking over loopback mutual TLS,
// killed with SIGKILL and restarted. The package has no code of its own.
//
// TestScaleOut and BenchmarkScaleOut run an ABH site of several serve
// instances on one PostgreSQL database, which internal/pgtest starts for
// the test binary (they skip without PostgreSQL unless it is required):
//
//	go test -run TestScaleOut ./gateway/e2e/                 # 3,000 messages, 2 kills; -short: 300
//	go test -run '^$' -bench BenchmarkScaleOut -benchtime 1000x ./gateway/e2e/
package e2e
