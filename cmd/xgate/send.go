package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/internal/escape"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
)

// sendOptions are the flags of xgate send.
type sendOptions struct {
	intake  string
	token   string
	to      string
	adapter string
	wait    time.Duration
	format  formatFlag
}

// newSendCmd is "xgate send FILE --to KENNUNG": hand one message to the
// running daemon's intake API, as local software does.
func newSendCmd(a *app) *cobra.Command {
	o := &sendOptions{}
	cmd := &cobra.Command{
		Use:   "send FILE|- --to KENNUNG",
		Short: "Hand a message to the running gateway's intake API",
		Long: `Send posts one XÖV message to the intake API of a running gateway
(POST /v1/messages), as local case-management software does. The gateway
validates it, checks that it may go to its leser, signs and encrypts it
for the recipient and stores it durably before it answers; then it
delivers it with retries. --to must name the message's leser: a message
addressed elsewhere is refused before it is sent.

The answer names the record's id and state; --wait D waits up to D for
the transport receipt (delivered) or the business answer (answered). A
refused message prints every finding as "CODE path line: text". The
intake API's bearer token, where it needs one, comes from
$XGATE_INTAKE_TOKEN (a secret: never a flag).`,
		Example: `  xgate send anmeldung.xml --to ags:08999001
  xgate send --intake http://127.0.0.1:8080 --wait 30s msg.xml --to dbs:499990020000
  XGATE_INTAKE_TOKEN=secret xgate send - --to opt:99901 < statusmitteilung.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.token, _ = a.getenv(envIntakeToken)
			return runSend(cmd.Context(), cmd, o, args[0])
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.intake, "intake", defaultIntake, "the gateway's intake API `URL`")
	bindEnv(fs, "intake", envIntake)
	fs.StringVar(&o.to, "to", "", "the recipient's `KENNUNG`; must equal the message's leser (required)")
	fs.StringVar(&o.adapter, "adapter", "", "translate the input with adapter `NAME` first (see xgate adapters list)")
	fs.DurationVar(&o.wait, "wait", 0, "wait up to `D` for delivery (0: do not wait)")
	addFormatFlag(fs, &o.format)
	return exits(cmd,
		code(exitOK, "accepted (and, with --wait, delivered or answered in time)"),
		code(exitError, "the gateway failed, or --wait ended with the message rejected or failed"),
		codeUsage(),
		code(exitFailed, "the gateway refused the message (findings printed), or its leser is not --to"),
		code(exitUnavailable, "the gateway does not answer, its store is full, or --wait ran out"))
}

func runSend(ctx context.Context, cmd *cobra.Command, o *sendOptions, name string) error {
	if o.to == "" {
		return usageError("--to is required: the recipient's kennung")
	}
	to, err := kennung.Parse(o.to)
	if err != nil {
		return usageError("--to: %v", err)
	}
	var data []byte
	if name == "-" {
		data, err = io.ReadAll(cmd.InOrStdin())
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return readError(err)
	}
	if o.adapter == "" {
		if m, perr := message.Parse(data, message.Limits{}); perr == nil {
			if l := m.Header().Leser.Kennung; l != string(to) {
				return withExit(exitFailed, fmt.Errorf("the message's leser is %s, not --to %s; nothing was sent", escape.Line(l), to))
			}
		}
	}
	base := strings.TrimRight(o.intake, "/")
	url := base + "/v1/messages"
	if o.adapter != "" {
		url += "?adapter=" + o.adapter
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return usageError("--intake: %v", err)
	}
	req.Header.Set("Content-Type", "application/xml")
	if o.token != "" {
		req.Header.Set("Authorization", "Bearer "+o.token)
	}
	client := &http.Client{Timeout: 2 * time.Minute}
	resp, err := client.Do(req)
	if err != nil {
		return withExit(exitUnavailable, fmt.Errorf("the gateway at %s does not answer: %w", base, err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	out := cmd.OutOrStdout()
	switch resp.StatusCode {
	case http.StatusAccepted, http.StatusOK:
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		if o.adapter != "" && bytes.Contains(body, []byte(`"accepted"`)) {
			return printBatch(cmd, o, body)
		}
		var p gateway.Problem
		_ = json.Unmarshal(body, &p)
		if o.format.json() {
			_, _ = out.Write(body)
		} else {
			for _, f := range p.Findings {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s %s line %d: %s\n", f.Code, f.Path, f.Line, escape.Line(f.Text))
			}
		}
		return withExit(exitFailed, fmt.Errorf("refused (%d): %s", resp.StatusCode, escape.Line(p.Detail)))
	case http.StatusServiceUnavailable:
		return withExit(exitUnavailable, fmt.Errorf("the gateway cannot accept now (%d): %s", resp.StatusCode, escape.Line(strings.TrimSpace(string(body)))))
	case http.StatusUnauthorized:
		return usageError("the intake API wants a bearer token ($%s)", envIntakeToken)
	default:
		return fmt.Errorf("the gateway answered %d: %s", resp.StatusCode, escape.Line(strings.TrimSpace(string(body))))
	}
	if o.adapter != "" && bytes.Contains(body, []byte(`"accepted"`)) {
		return printBatch(cmd, o, body)
	}
	var acc gateway.Accepted
	if err := json.Unmarshal(body, &acc); err != nil {
		return fmt.Errorf("the gateway's answer is not JSON: %w", err)
	}
	if o.wait > 0 {
		st, err := waitDelivered(ctx, client, base, o.token, acc.ID, o.wait)
		if err != nil {
			return err
		}
		acc.State = st
	}
	if o.format.json() {
		b, _ := json.MarshalIndent(acc, "", "  ")
		fmt.Fprintf(out, "%s\n", b)
	} else {
		exist := ""
		if acc.Existing {
			exist = " (already known: nothing new was stored)"
		}
		fmt.Fprintf(out, "%s %s%s\n", acc.ID, acc.State, exist)
	}
	switch acc.State {
	case "rejected", "failed", "cancelled":
		return withExit(exitError, fmt.Errorf("message %s ended %s", acc.ID, acc.State))
	}
	return nil
}

// waitDelivered polls the record until it is delivered or beyond.
func waitDelivered(ctx context.Context, c *http.Client, base, token, id string, d time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/messages/"+id, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err == nil {
			var st gateway.Status
			err = json.NewDecoder(resp.Body).Decode(&st)
			_ = resp.Body.Close()
			if err == nil {
				switch st.State {
				case "delivered", "answered", "rejected", "failed", "cancelled":
					return st.State, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return "", withExit(exitUnavailable, fmt.Errorf("message %s not delivered within %s", id, d))
			}
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// printBatch prints the answer to a batch input (a CSV export): one line
// per accepted message and per refused record; exit 3 if any was refused.
func printBatch(cmd *cobra.Command, o *sendOptions, body []byte) error {
	var res gateway.BatchResult
	if err := json.Unmarshal(body, &res); err != nil {
		return fmt.Errorf("the gateway's answer is not JSON: %w", err)
	}
	out := cmd.OutOrStdout()
	if o.format.json() {
		_, _ = out.Write(body)
	} else {
		for _, a := range res.Accepted {
			exist := ""
			if a.Existing {
				exist = " (already known: nothing new was stored)"
			}
			fmt.Fprintf(out, "%s %s%s\n", a.ID, a.State, exist)
		}
		for _, r := range res.Refused {
			fmt.Fprintf(cmd.ErrOrStderr(), "record %d %s: %s %s\n", r.Record, r.Field, r.Code, escape.Line(r.Text))
		}
	}
	if len(res.Refused) > 0 {
		return withExit(exitFailed, fmt.Errorf("%d accepted, %d records refused", len(res.Accepted), len(res.Refused)))
	}
	return nil
}
