//go:build race

package e2e

// raceBuild: this test binary has the race detector, and so does the
// xgate binary TestMain builds for the gateways' processes.
const raceBuild = true
