// Package admin is the running daemon's admin API: the operator verbs
// (xgate outbox list|show|replay|cancel|stats|check, xgate audit
// verify|export) reach the outbox through it while the daemon holds the
// store's file lock.
//
// # Overview
//
// The daemon serves its open store:
//
//	h := admin.NewHandler(admin.StoreBackend(store), admin.HandlerConfig{
//		Store: absStorePath, Logger: log, // Token: for a loopback TCP listener
//	})
//	ln, _ := net.Listen("unix", filepath.Join(filepath.Dir(absStorePath), admin.DefaultSocket))
//	os.Chmod(ln.Addr().String(), 0o600)
//	go (&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
//
// and the CLI dials it:
//
//	c, err := admin.Dial(ctx, "unix:///var/lib/xgate/admin.sock", "")
//	defer c.Close()
//	rs, err := c.List(ctx, outbox.Filter{State: outbox.StateFailed})
//
// Backend is the one interface both sides share: StoreBackend (a bbolt
// store) and NewBackend (any store with an audit log, pgstore included)
// implement it on the store, Client implements it over the API. Errors
// cross the API as RFC 9457 problems with a code and come back as the
// outbox's own (outbox.ErrNotFound, *outbox.TransitionError,
// outbox.ErrReadOnly, outbox.ErrStoreFull, *audit.DecodeError) with the
// store's text, so a verb prints the same and exits the same whichever side
// answered.
//
// # Protocol
//
// HTTP/1.1 on a unix socket or on loopback TCP, JSON bodies, under
// /v1/admin:
//
//	GET  /v1/admin/info                       {"api":"xgate-admin/1","store":PATH}
//	GET  /v1/admin/records?state=&partner=&…  [record…]   (outbox.Filter as query)
//	GET  /v1/admin/records/{id}               record with its bodies (base64)
//	GET  /v1/admin/records/{id}/history       [audit entry…]
//	POST /v1/admin/records/{id}/actions       {"to":"queued|cancelled","actor":"operator:NAME","reason":…} → 204
//	GET  /v1/admin/stats                      counts by state
//	GET  /v1/admin/check                      {"problems":[…]}
//	GET  /v1/admin/audit/entries?from=N       JSON lines: {"entry":…}… then {"end":{"count":N}} or {"error":problem}
//	GET  /v1/admin/audit/checkpoints          [checkpoint…]
//
// Times are RFC 3339 with nanoseconds, so audit entries keep the exact
// text their hashes cover. The audit chain is streamed and flushed every
// thousand entries; neither side holds it whole. A stream that ends
// without its last line was cut off, and the client says so instead of
// returning a shorter chain.
//
// Operators may only replay (to queued) and cancel (to cancelled), with an
// actor "operator:NAME" and a reason; the daemon stamps the action with
// its own clock. The other transitions are the gateway's.
//
// # Security
//
// Anyone who can talk to the admin API can read every record, bodies
// included (the decrypted inbound messages), and replay or cancel: it
// grants what the store file grants. On a unix socket the file mode does
// the access control (0600 or 0660 for an operators' group, the daemon's
// user); HandlerConfig.Token adds a bearer token, which a TCP listener
// must have: without one the handler answers 403 to every request that
// arrives over TCP. The client talks TCP to loopback addresses only, so the token
// never crosses a network in clear, and never follows redirects or
// proxies.
//
// # Caveats
//
// Every client call is bounded by its context and ClientConfig.Timeout
// (30s; for the audit stream, the longest wait for the next bytes) and
// Dial by DialTimeout (5s): a daemon that hangs gives an error wrapping
// ErrUnavailable, never a hang. An action whose answer was lost may or may
// not have been done; "xgate outbox show" tells.
//
// The CLI uses the admin socket beside a store file only when Info.Store
// names that very file: the daemon must set HandlerConfig.Store to the
// absolute path of its bbolt file.
//
// pgstore's Check reports its findings as a *pgstore.CheckError: wrap the
// store with NewBackend and a CheckFunc that returns its Problems (the
// daemon's site.PostgresBackend does), or with a nil one (Check then
// answers ErrNoCheck). Info.Store then names the database
// (postgres://USER@HOST:PORT/DB, no password), which no store file
// matches: operators use --server.
//
// List has no cap of its own beyond Filter.Limit: the answer is one JSON
// array (ClientConfig.MaxResponseBytes, 256 MiB, bounds it). Get carries
// the record's bodies, up to four times the largest message.
package admin

// DefaultSocket is the admin socket's file name: beside the store file by
// default, where the CLI looks for it when the store is locked.
const DefaultSocket = "admin.sock"
