package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
)

// caseRun is one case as it runs.
type caseRun struct {
	r   *Runner
	t   catalogue.Type
	res report.Result
}

// run does the case's work and fills res (verdict, reasons, evidence, and
// Outcome where the verdict alone does not decide). An error means no
// verdict (or, wrapping errSkip, not applicable).
func (c *caseRun) run(ctx context.Context) error {
	r := c.r
	self := r.cfg.Self
	target := r.cfg.Target.Identity
	kind := c.res.Kind
	if kind != KindUnauthorised && !r.maySend(self.Identity, c.t.Code) {
		return fmt.Errorf("%w: %s may not send %s to %s (directory); run as the conformance test participant", errSkip, self.Identity.Kennung, c.t.Code, target.Kennung)
	}
	switch kind {
	case KindReceipt, KindAnswer:
		return c.valid(ctx, kind == KindAnswer)
	case KindDuplicate, KindDuplicateResealed:
		return c.duplicate(ctx, kind == KindDuplicateResealed)
	case KindUnauthorised:
		return c.unauthorised(ctx)
	}
	var b built
	var err error
	switch kind {
	case KindSchemaInvalid:
		b, err = r.schemaInvalid(ctx, c.t.Code, self.Identity, target)
	case KindWrongRecipient:
		other, ok := r.otherRecipient()
		if !ok {
			return fmt.Errorf("%w: no other participant to address the message to", errSkip)
		}
		b, err = r.valid(ctx, c.t.Code, self.Identity, other)
	default:
		b, err = r.valid(ctx, c.t.Code, self.Identity, target)
	}
	if err != nil {
		return err
	}
	sealed, note, err := c.broken(ctx, b)
	if err != nil {
		return err
	}
	c.sent(b, sealed, note)
	a, err := c.deliver(ctx, self, sealed, b.UUID)
	c.judge(a, err)
	return nil
}

// broken seals b as the case's kind demands.
func (c *caseRun) broken(ctx context.Context, b built) ([]byte, string, error) {
	r := c.r
	self := r.cfg.Self
	switch c.res.Kind {
	case KindTamperedCiphertext:
		sealed, err := r.seal(ctx, b.XML, self.Signing)
		if err != nil {
			return nil, "", err
		}
		out, err := flipCiphertext(sealed)
		return out, "one bit of the ciphertext flipped after sealing", err
	case KindTamperedSignature:
		signed, err := r.sign(ctx, b.XML, self.Signing)
		if err != nil {
			return nil, "", err
		}
		if signed, err = alterSigned(signed); err != nil {
			return nil, "", err
		}
		out, err := r.encrypt(ctx, signed)
		return out, "erstellungszeitpunkt changed after signing, then encrypted", err
	case KindWrongKey, KindUntrustedCertificate, KindExpiredCertificate:
		st, err := r.standIns()
		if err != nil {
			return nil, "", err
		}
		switch c.res.Kind {
		case KindUntrustedCertificate:
			out, err := r.seal(ctx, b.XML, st.untrusted)
			return out, "signed with a self-signed certificate naming " + string(self.Identity.Kennung), err
		case KindExpiredCertificate:
			if st.expired.Cert == nil {
				return nil, "", fmt.Errorf("%w: no CA key to issue an expired certificate (give the development PKI)", errSkip)
			}
			out, err := r.seal(ctx, b.XML, st.expired)
			return out, "signed with a certificate of the trusted CA that expired " + st.expired.Cert.NotAfter.UTC().Format(time.DateOnly), err
		}
		signed, err := r.sign(ctx, b.XML, st.untrusted)
		if err != nil {
			return nil, "", err
		}
		if signed, err = swapCertificate(signed, self.Signing.Cert); err != nil {
			return nil, "", err
		}
		out, err := r.encrypt(ctx, signed)
		return out, "signed with another key; KeyInfo carries " + string(self.Identity.Kennung) + "'s own signing certificate", err
	}
	out, err := r.seal(ctx, b.XML, self.Signing)
	return out, "", err
}

// valid sends a valid message and, for the answer kind, waits for the
// business answer.
func (c *caseRun) valid(ctx context.Context, answer bool) error {
	r := c.r
	b, err := r.valid(ctx, c.t.Code, r.cfg.Self.Identity, r.cfg.Target.Identity)
	if err != nil {
		return err
	}
	sealed, err := r.seal(ctx, b.XML, r.cfg.Self.Signing)
	if err != nil {
		return err
	}
	c.sent(b, sealed, "")
	a, err := c.deliver(ctx, r.cfg.Self, sealed, b.UUID)
	c.judge(a, err)
	if !answer || a == nil || !a.Receipt {
		if answer && c.res.Outcome == "" {
			c.res.Outcome, c.res.Problem = report.Fail, "no transport receipt, so no business answer is due: "+c.problemOf()
		}
		return nil
	}
	// The receipt was fine; now the business answer decides.
	c.res.Verdict, c.res.Reasons = "", nil
	actx, cancel := context.WithTimeout(ctx, r.cfg.AnswerTimeout)
	defer cancel()
	got, err := r.cfg.Answers.Wait(actx, b.UUID)
	if err != nil {
		c.res.Verdict = report.NoVerdict
		c.res.Reasons = []report.Reason{{Severity: report.SevInfo, Text: fmt.Sprintf("no business answer within %s: %v", r.cfg.AnswerTimeout, err)}}
		return nil
	}
	c.res.Evidence = append(c.res.Evidence, evidence("answer", got.Type, got.UUID, got.XML, fmt.Sprintf("business answer from %s after %s", got.From, got.At.Sub(c.res.Started).Round(time.Millisecond))))
	ch := r.checker.Check(ctx, got.XML)
	c.res.Verdict, c.res.Reasons = ch.Verdict, ch.Reasons()
	if got.From != r.cfg.Target.Identity.Kennung {
		c.res.Verdict = report.Reject
		c.res.Reasons = append(c.res.Reasons, report.Reason{Severity: report.SevReject, Text: fmt.Sprintf("the answer comes from %s, not from the target %s", got.From, r.cfg.Target.Identity.Kennung)})
	}
	if !slices.Contains(c.t.Answers, got.Type) {
		c.res.Verdict = report.Reject
		c.res.Reasons = append(c.res.Reasons, report.Reason{Severity: report.SevReject,
			Text: fmt.Sprintf("an answer of type %s; %s is answered with %s", got.Type, c.t.Code, strings.Join(c.t.Answers, ", "))})
	}
	return nil
}

// duplicate delivers a message, then the same bytes (or the same message
// sealed again) once more: the second answer must be the first receipt.
func (c *caseRun) duplicate(ctx context.Context, reseal bool) error {
	r := c.r
	self := r.cfg.Self
	b, err := r.valid(ctx, c.t.Code, self.Identity, r.cfg.Target.Identity)
	if err != nil {
		return err
	}
	sealed, err := r.seal(ctx, b.XML, self.Signing)
	if err != nil {
		return err
	}
	c.sent(b, sealed, "first delivery")
	first, err := c.deliver(ctx, self, sealed, b.UUID)
	c.judge(first, err)
	if first == nil || !first.Receipt {
		c.res.Outcome, c.res.Problem = report.Fail, "the first delivery drew no transport receipt: "+c.problemOf()
		return nil
	}
	second := sealed
	note := "the same bytes again"
	if reseal {
		if second, err = r.seal(ctx, b.XML, self.Signing); err != nil {
			return err
		}
		note = "the same message (same nachrichtenUUID) sealed again"
	}
	c.res.Evidence = append(c.res.Evidence, evidence("sent", b.Type, b.UUID, second, note+" (sealed bytes)"))
	body, err := r.deliverBody(ctx, self, second)
	var a *wire.Answer
	if err == nil {
		// The original receipt covers the first delivery's bytes.
		a, err = r.verify(ctx, body, sealed, b.UUID, self.Identity.Kennung)
		var ae *wire.AnswerError
		if reseal && errors.As(err, &ae) && ae.Problem == wire.ProblemDigest {
			if again, err2 := r.verify(ctx, body, second, b.UUID, self.Identity.Kennung); err2 == nil && again.Receipt {
				a, err = again, nil // a receipt of the second delivery: judged below
			}
		}
	}
	c.res.Reasons = nil
	c.answerEvidence(body, a, err)
	c.judge(a, err)
	switch {
	case a == nil || !a.Receipt:
		return nil // judged by the verdict: not a receipt
	case a.UUID != first.UUID:
		c.res.Outcome, c.res.Problem = report.Fail,
			fmt.Sprintf("the duplicate drew a new receipt %s, not the original %s: it was processed again", a.UUID, first.UUID)
		return nil
	}
	if r.cfg.Inspector != nil {
		if problem, hist := c.handedOverOnce(ctx, b.UUID); problem != "" {
			c.res.Evidence = append(c.res.Evidence, report.Evidence{Label: "history", UUID: b.UUID, Body: hist, MediaType: "text/plain"})
			c.res.Outcome, c.res.Problem = report.Fail, problem
		}
	}
	return nil
}

// settle is how long the duplicate cases give a target to hand a message
// over (again) before they read its history.
const settle = 250 * time.Millisecond

// handedOverOnce reads the inbound record's history at the target: it
// must have been received once and handed over at most once. It waits up
// to settle for a hand-over in progress to show (a gateway whose local
// software pulls from the inbox hands over only when asked).
func (c *caseRun) handedOverOnce(ctx context.Context, id string) (problem, history string) {
	deadline := time.Now().Add(settle)
	for {
		hist, err := c.r.cfg.Inspector.History(ctx, id)
		if err != nil {
			return "the target's admin API: " + err.Error(), ""
		}
		received, handed := 0, 0
		var b strings.Builder
		for _, e := range hist {
			fmt.Fprintf(&b, "%s %s → %s %s\n", e.Time.UTC().Format(time.RFC3339Nano), e.From, e.To, e.Actor)
			switch outbox.State(e.To) {
			case outbox.StateReceived:
				received++
			case outbox.StateHandedOver:
				handed++
			}
		}
		switch {
		case received != 1:
			return fmt.Sprintf("the target's store received the message %d times", received), b.String()
		case handed > 1:
			return fmt.Sprintf("the target handed the message over %d times", handed), b.String()
		case handed == 1 || time.Now().After(deadline) || ctx.Err() != nil:
			return "", b.String()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// unauthorised sends a valid message as a participant that may not send
// its type to the target.
func (c *caseRun) unauthorised(ctx context.Context) error {
	r := c.r
	var from *Party
	for _, p := range append([]Party{r.cfg.Self}, r.cfg.Others...) {
		if p.Identity.Kennung != r.cfg.Target.Identity.Kennung && !r.maySend(p.Identity, c.t.Code) {
			from = &p
			break
		}
	}
	if from == nil {
		return fmt.Errorf("%w: every participant whose keys the runner holds may send %s to %s", errSkip, c.t.Code, r.cfg.Target.Identity.Kennung)
	}
	b, err := r.valid(ctx, c.t.Code, from.Identity, r.cfg.Target.Identity)
	if err != nil {
		return err
	}
	sealed, err := r.seal(ctx, b.XML, from.Signing)
	if err != nil {
		return err
	}
	c.sent(b, sealed, fmt.Sprintf("sent by %s (role %s), which may not send %s to %s", from.Identity.Kennung, from.Identity.Role, c.t.Code, r.cfg.Target.Identity.Kennung))
	a, err := c.deliver(ctx, *from, sealed, b.UUID)
	c.judge(a, err)
	return nil
}

// maySend reports whether p may send typ to the target: by the directory
// when there is one, else by the catalogue's roles.
func (r *Runner) maySend(p kennung.Identity, typ string) bool {
	if d := r.cfg.Directory; d != nil {
		from, ok1 := d.Lookup(p.Kennung)
		to, ok2 := d.Lookup(r.cfg.Target.Identity.Kennung)
		return ok1 && ok2 && from.MaySend(typ, to)
	}
	t, ok := r.cat.Lookup(typ)
	return ok && (p.Role == kennung.RoleTest || t.SentBy(p.Role))
}

// otherRecipient is a participant other than the target and Self: one of
// the target's role if the directory has one.
func (r *Runner) otherRecipient() (kennung.Identity, bool) {
	skip := func(k kennung.Kennung) bool {
		return k == r.cfg.Target.Identity.Kennung || k == r.cfg.Self.Identity.Kennung
	}
	var cands []kennung.Identity
	if d := r.cfg.Directory; d != nil {
		for _, p := range d.Participants {
			cands = append(cands, kennung.Identity{Kennung: p.Kennung, Role: p.Role, Name: p.Name})
		}
	}
	for _, p := range r.cfg.Others {
		cands = append(cands, p.Identity)
	}
	var first *kennung.Identity
	for _, id := range cands {
		if skip(id.Kennung) {
			continue
		}
		if id.Role == r.cfg.Target.Identity.Role {
			return id, true
		}
		if first == nil {
			first = &id
		}
	}
	if first != nil {
		return *first, true
	}
	return kennung.Identity{}, false
}

func (r *Runner) standIns() (*standIns, error) {
	r.standOnce.Do(func() { r.stand, r.standErr = r.makeStandIns() })
	return r.stand, r.standErr
}

// client returns the wire client presenting p's TLS certificate.
func (r *Runner) client(p Party) (*wire.Client, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.clients[p.Identity.Kennung]; ok {
		return c, nil
	}
	c, err := wire.NewClient(wire.ClientConfig{TLS: p.TLS, Roots: r.cfg.Verifier.Roots(), Timeout: r.cfg.Timeout, MaxIdlePerHost: r.cfg.Parallel})
	if err != nil {
		return nil, err
	}
	r.clients[p.Identity.Kennung] = c
	return c, nil
}

// deliverBody posts sealed as p and returns the answer's body.
func (r *Runner) deliverBody(ctx context.Context, p Party, sealed []byte) ([]byte, error) {
	cl, err := r.client(p)
	if err != nil {
		return nil, err
	}
	return cl.Deliver(ctx, r.cfg.Target.Endpoint, sealed)
}

// verify checks an answer body against the delivery of sent.
func (r *Runner) verify(ctx context.Context, body, sent []byte, uuid string, self kennung.Kennung) (*wire.Answer, error) {
	return wire.VerifyAnswer(ctx, body, wire.Expect{
		Sent: sent, UUID: uuid, Recipient: r.cfg.Target.Identity.Kennung, SigningCerts: r.cfg.Target.Signing,
		Verifier: r.cfg.Verifier, Self: self, Clock: r.cfg.Clock,
	})
}

// deliver posts sealed as p, verifies the answer and keeps it as
// evidence.
func (c *caseRun) deliver(ctx context.Context, p Party, sealed []byte, uuid string) (*wire.Answer, error) {
	body, err := c.r.deliverBody(ctx, p, sealed)
	if err != nil {
		return nil, err
	}
	a, err := c.r.verify(ctx, body, sealed, uuid, p.Identity.Kennung)
	c.answerEvidence(body, a, err)
	return a, err
}

// sent records the message sent.
func (c *caseRun) sent(b built, sealed []byte, note string) {
	c.res.UUID = b.UUID
	n := fmt.Sprintf("sealed: %d bytes", len(sealed))
	if note != "" {
		n = note + "; " + n
	}
	c.res.Evidence = append(c.res.Evidence, evidence("sent", b.Type, b.UUID, b.XML, n))
}

func (c *caseRun) answerEvidence(body []byte, a *wire.Answer, err error) {
	if body == nil {
		return
	}
	switch {
	case err != nil:
		c.res.Evidence = append(c.res.Evidence, evidence("answer-refused", "", "", body, "the runner refused this answer: "+err.Error()))
	case a.Receipt:
		c.res.Evidence = append(c.res.Evidence, evidence("receipt", a.Type, a.UUID, body, "signed by "+certs.Label(a.Signer)))
	default:
		c.res.Evidence = append(c.res.Evidence, evidence("rueckweisung", a.Type, a.UUID, body, "signed by "+certs.Label(a.Signer)))
	}
}

// judge sets the verdict from a delivery's answer.
func (c *caseRun) judge(a *wire.Answer, err error) {
	var te *wire.TransportError
	var ae *wire.AnswerError
	switch {
	case errors.As(err, &te):
		c.res.Verdict = report.NoVerdict
		c.res.Reasons = append(c.res.Reasons, report.Reason{Severity: report.SevInfo, Text: "no usable answer: " + te.Error()})
	case errors.As(err, &ae):
		c.res.Verdict = report.NoVerdict
		c.res.Reasons = append(c.res.Reasons, report.Reason{Severity: report.SevInfo, Text: "the answer is no valid receipt or Rückweisung (" + ae.Problem.String() + "): " + ae.Error()})
	case err != nil:
		c.res.Verdict = report.NoVerdict
		c.res.Reasons = append(c.res.Reasons, report.Reason{Severity: report.SevInfo, Text: err.Error()})
	case a.Receipt:
		c.res.Verdict = report.Accept
	default:
		c.res.Verdict = report.Reject
		for _, e := range a.Errors {
			c.res.Reasons = append(c.res.Reasons, report.ReasonOf(e, report.SevReject))
		}
	}
}

// problemOf says in a line what the verdict so far is.
func (c *caseRun) problemOf() string {
	var parts []string
	for _, x := range c.res.Reasons {
		parts = append(parts, x.String())
	}
	if len(parts) == 0 {
		return string(c.res.Verdict)
	}
	return strings.Join(parts, "; ")
}
