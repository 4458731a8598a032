package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/gateway/wire"
)

// processCPU is the CPU time this process has used (user and system).
func processCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// transportFloor measures the two HTTP exchanges every message makes, as
// little as they can be: the local software's POST to the intake (plain
// HTTP on loopback, a short JSON answer) and the delivery to the
// receiving gateway (wire.Client over mutual TLS 1.3 on loopback, on a
// kept-alive connection, the receipt as the answer). The handlers only
// read the body and answer. Both ends run in this process, one exchange
// after the other; the result is this process's CPU time (client and
// server together) per exchange, in ms, over n exchanges after a few to
// warm up (the handshake among them).
func transportFloor(ctx context.Context, m *devpki.Manifest, a, b floorParty, msg, sealed, receipt []byte, n int) (intakeMs, deliveryMs float64, err error) {
	aTLS, err := m.KeyPair(a.TLS)
	if err != nil {
		return 0, 0, err
	}
	bTLS, err := m.KeyPair(b.TLS)
	if err != nil {
		return 0, 0, err
	}
	root, err := m.Certificate(m.Root)
	if err != nil {
		return 0, 0, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)

	accepted := []byte(`{"id":"00000000-0000-4000-8000-000000000000","state":"queued","status":"/v1/messages/00000000-0000-4000-8000-000000000000"}`)
	intakeURL, stopIntake, err := serveFloor(nil, func(w http.ResponseWriter, r *http.Request) {
		answer(w, r, http.StatusAccepted, "application/json", accepted)
	})
	if err != nil {
		return 0, 0, err
	}
	defer stopIntake()
	transportURL, stopTransport, err := serveFloor(wire.ServerTLSConfig(bTLS, roots), func(w http.ResponseWriter, r *http.Request) {
		if wire.ClientCert(r) == nil {
			http.Error(w, "no client certificate", http.StatusUnauthorized)
			return
		}
		answer(w, r, http.StatusOK, wire.ContentType, receipt)
	})
	if err != nil {
		return 0, 0, err
	}
	defer stopTransport()

	local := &http.Client{Timeout: time.Minute}
	defer local.CloseIdleConnections()
	post := func() error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, intakeURL+"/v1/messages", bytes.NewReader(msg))
		req.Header.Set("Content-Type", "application/xml")
		resp, err := local.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.ReadAll(resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("intake answered %d", resp.StatusCode)
		}
		return nil
	}
	client, err := wire.NewClient(wire.ClientConfig{TLS: aTLS, Roots: roots})
	if err != nil {
		return 0, 0, err
	}
	defer client.Close()
	deliver := func() error {
		body, err := client.Deliver(ctx, transportURL, sealed)
		if err == nil && !bytes.Equal(body, receipt) {
			err = errors.New("the answer is not the receipt")
		}
		return err
	}
	if intakeMs, err = cpuPer(post, n); err != nil {
		return 0, 0, fmt.Errorf("bench: floor, intake: %w", err)
	}
	if deliveryMs, err = cpuPer(deliver, n); err != nil {
		return 0, 0, fmt.Errorf("bench: floor, delivery: %w", err)
	}
	return intakeMs, deliveryMs, nil
}

// cpuPer runs f a few times to warm up, then n times, and returns this
// process's CPU time per run of f in ms.
func cpuPer(f func() error, n int) (float64, error) {
	for range 5 {
		if err := f(); err != nil {
			return 0, err
		}
	}
	t0, err := processCPU()
	if err != nil {
		return 0, err
	}
	for range n {
		if err := f(); err != nil {
			return 0, err
		}
	}
	t1, err := processCPU()
	if err != nil {
		return 0, err
	}
	return float64((t1 - t0).Microseconds()) / 1000 / float64(n), nil
}

// serveFloor serves h on a loopback port, with TLS if tc is set, and
// returns its base URL and a function that stops it.
func serveFloor(tc *tls.Config, h http.HandlerFunc) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, TLSConfig: tc}
	scheme := "http"
	if tc != nil {
		scheme = "https"
		go func() { _ = srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { _ = srv.Serve(ln) }()
	}
	return scheme + "://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// answer reads the request body and answers with body.
func answer(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	if _, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<20)); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// storeFloor measures the durable writes every message needs, as few as
// they can be: the sealed message into the sender's bbolt file and the
// opened one into the receiver's, about n of each (after a few batches to
// warm up), batch messages to a transaction (each commit fsync'd). The
// gateways' stores keep indexes, states and an audit chain besides; this
// keeps the bytes alone. The result is this process's CPU time per
// message, in ms.
func storeFloor(dir string, sealed, opened []byte, n, batch int) (ms float64, err error) {
	if batch < 1 {
		batch = 1
	}
	type side struct {
		db   *bolt.DB
		data []byte
	}
	var sides []side
	defer func() {
		for _, sd := range sides {
			err = errors.Join(err, sd.db.Close())
		}
	}()
	for _, f := range []struct {
		name string
		data []byte
	}{{"sender.db", sealed}, {"receiver.db", opened}} {
		db, err := bolt.Open(filepath.Join(dir, f.name), 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			return 0, err
		}
		sides = append(sides, side{db, f.data})
	}
	next := 0 // the key of the batch's first message
	writeBatch := func() error {
		first := next
		next += batch
		for _, sd := range sides {
			err := sd.db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("messages"))
				if err != nil {
					return err
				}
				for k := first; k < next; k++ {
					if err := b.Put(binary.BigEndian.AppendUint64(nil, uint64(k)), sd.data); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	perBatch, err := cpuPer(writeBatch, max(1, n/batch))
	return perBatch / float64(batch), err
}
