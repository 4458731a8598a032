package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/internal/escape"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/xml/errcode"
)

type outboxShowOptions struct{ format formatFlag }

func newOutboxShowCmd(g *storeFlags) *cobra.Command {
	o := &outboxShowOptions{}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one record: fields, last error explained, evidence, full history",
		Long: `Show prints a record (outbound first if an inbound one has the same ID):
its fields, its last error with the code and a plain-language reason, the
size and SHA-256 of the sealed message and of the evidence (the partner's
receipt or rejection, with its root element), and its full history from
the audit chain. Message content is never printed.`,
		Example: `  xgate outbox show 4f9a1c2e-6d1b-4c1e-9a57-0f3b8e2d7c11
  xgate outbox show --format json 4f9a1c2e-6d1b-4c1e-9a57-0f3b8e2d7c11`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOutboxShow(cmd.Context(), cmd, g, o, args[0])
		},
	}
	addFormatFlag(cmd.Flags(), &o.format)
	return exits(cmd,
		code(exitOK, "shown"),
		code(exitError, "no such record, the store could not be read, interrupted"),
		codeUsage(),
		codeStoreBusy())
}

// showJSON is the JSON shape of show.
type showJSON struct {
	Record   recordJSON  `json:"record"`
	Sealed   *bodyJSON   `json:"sealed,omitempty"`
	Evidence *bodyJSON   `json:"evidence,omitempty"`
	Opened   *bodyJSON   `json:"opened,omitempty"`
	Receipt  *bodyJSON   `json:"receipt,omitempty"`
	History  []entryJSON `json:"history"`
}

type bodyJSON struct {
	Bytes  int    `json:"bytes"`
	SHA256 string `json:"sha256"`
	Root   string `json:"root_element,omitempty"`
}

type entryJSON struct {
	Seq     uint64 `json:"seq"`
	Time    string `json:"time"`
	From    string `json:"from,omitempty"`
	To      string `json:"to"`
	Actor   string `json:"actor"`
	Attempt int    `json:"attempt,omitempty"`
	Code    string `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

func runOutboxShow(ctx context.Context, cmd *cobra.Command, g *storeFlags, o *outboxShowOptions, id string) error {
	stdout := cmd.OutOrStdout()
	s, err := g.open(ctx, cmd, readOnly)
	if err != nil {
		return err
	}
	defer s.Close()
	r, err := s.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("outbox show %s: %w", id, err)
	}
	hist, err := s.History(ctx, id)
	if err != nil {
		return err
	}
	out := showJSON{Record: toRecordJSON(r), Sealed: summarizeBody(r.Sealed), Evidence: summarizeBody(r.Evidence),
		Opened: summarizeBody(r.Opened), Receipt: summarizeBody(r.Receipt), History: []entryJSON{}}
	for _, e := range hist {
		if e.Direction != string(r.Direction) {
			continue
		}
		out.History = append(out.History, toEntryJSON(e))
	}
	if o.format.json() {
		return writeJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 1, ' ', 0)
	// Values may come from a message (partner, type, ausloeser) or a
	// partner's answer (the last error): escaped, so that a line break in
	// one cannot forge a row.
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, escape.Line(v))
		}
	}
	line("ID", r.ID)
	line("Direction", string(r.Direction))
	line("State", string(r.State))
	line("Partner", r.Partner)
	line("Type", r.Type)
	if r.OrderingKey != r.ID {
		line("Ordering key", r.OrderingKey)
	}
	line("Seq", fmt.Sprint(r.Seq))
	if r.Direction == outbox.DirOut {
		line("Attempts", fmt.Sprint(r.Attempts))
	}
	line("Created", outboxTS(r.Created))
	line("Updated", outboxTS(r.Updated))
	if r.State == outbox.StateQueued {
		line("Next attempt", outboxTS(r.NextAttempt))
	}
	if r.Lease != nil {
		line("Lease", fmt.Sprintf("%s until %s", r.Lease.Owner, outboxTS(r.Lease.Until)))
	}
	line("Ausloeser", r.AusloeserUUID)
	if !r.AnswerDeadline.IsZero() {
		line("Answer due", outboxTS(r.AnswerDeadline))
	}
	if r.LastError != nil {
		line("Last error", r.LastError.Code+" "+r.LastError.Text)
		line("  Reason", outboxErrorReason(r.LastError.Code))
	}
	for _, b := range []struct {
		name string
		b    *bodyJSON
	}{{"Sealed", out.Sealed}, {"Evidence", out.Evidence}, {"Opened", out.Opened}, {"Receipt", out.Receipt}} {
		if b.b != nil {
			line(b.name, b.b.String())
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nHistory (%d):\n", len(out.History))
	tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SEQ\tTIME\tTRANSITION\tACTOR\tATTEMPT\tCODE\tREASON")
	for _, e := range out.History {
		from := e.From
		if from == "" {
			from = "(new)"
		}
		attempt := "-"
		if e.Attempt > 0 {
			attempt = fmt.Sprint(e.Attempt)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s → %s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time, from, e.To, e.Actor, attempt, outboxDash(e.Code), outboxDash(e.Reason))
	}
	return tw.Flush()
}

func (b *bodyJSON) String() string {
	s := fmt.Sprintf("%d bytes, sha256 %s", b.Bytes, b.SHA256[:16])
	if b.Root != "" {
		s += ", <" + b.Root + ">"
	}
	return s
}

// summarize describes a body without its content: size, hash and, for
// XML, the root element's local name.
func summarizeBody(b []byte) *bodyJSON {
	if b == nil {
		return nil
	}
	sum := sha256.Sum256(b)
	out := &bodyJSON{Bytes: len(b), SHA256: hex.EncodeToString(sum[:])}
	d := xml.NewDecoder(strings.NewReader(string(b[:min(len(b), 64<<10)])))
	d.Strict = false
	for range 64 {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			out.Root = se.Name.Local
			break
		}
	}
	return out
}

// errorReason explains a last-error code: XÖV codes from the code table,
// the transport codes the delivery worker writes by their form.
func outboxErrorReason(code string) string {
	if c := errcode.Code(code); c.Valid() {
		return c.Reason()
	}
	switch {
	case code == "transport":
		return "the partner could not be reached (connection, TLS handshake or timeout); retried"
	case code == "http-429":
		return "the partner asked us to slow down (HTTP 429); retried"
	case strings.HasPrefix(code, "http-5"):
		return "the partner's server failed (HTTP " + code[5:] + "); retried"
	case strings.HasPrefix(code, "http-4"):
		return "the partner refused the request (HTTP " + code[5:] + "); not retried"
	}
	return "no explanation known for this code"
}
