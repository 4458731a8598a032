package gateway

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/validate"
)

// maxReminderLevel is the schema's highest erinnerungsstufe.
const maxReminderLevel = 3

// remind sends the Erinnerungen that are due for rec: level k once the
// answer deadline has passed k times its length, up to Reminders. Each
// reminder's nachrichtenUUID is derived from the record and the level, so
// a sweep after a crash cannot send one twice.
func (g *Gateway) remind(ctx context.Context, rec outbox.Record, now time.Time) error {
	interval := rec.AnswerDeadline.Sub(rec.Created)
	if interval <= 0 {
		interval = time.Hour
	}
	due := int(now.Sub(rec.AnswerDeadline)/interval) + 1
	due = min(due, g.o.Reminders, maxReminderLevel)
	g.mu.Lock()
	sent := g.reminded[rec.ID]
	g.mu.Unlock()
	for level := sent + 1; level <= due; level++ {
		data, err := g.reminder(rec, level, now)
		if err != nil {
			return err
		}
		sub, err := g.Submit(ctx, data, "reminder")
		if err != nil {
			return fmt.Errorf("reminder %d: %w", level, err)
		}
		g.mu.Lock()
		g.reminded[rec.ID] = level
		g.mu.Unlock()
		if !sub.Existing {
			g.metrics.reminders.Inc()
			g.log.Info("reminded", "id", rec.ID, "reminder", sub.Record.ID, "level", level)
			g.event(Event{Stage: "reminded", ID: rec.ID, Type: rec.Type, Peer: rec.Partner})
		}
	}
	return nil
}

// reminder builds the Erinnerung of level for rec from the catalogue's
// sample: header, bezug, erinnerungsstufe and fristende filled in.
func (g *Gateway) reminder(rec outbox.Record, level int, now time.Time) ([]byte, error) {
	tmpl, err := template(catalogue.TypeErinnerung)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(tmpl); err != nil {
		return nil, err
	}
	root := doc.Root()
	partner := g.identity(kennung.Kennung(rec.Partner))
	set := func(path, v string) error {
		e := root.FindElement(path)
		if e == nil {
			return fmt.Errorf("reminder template has no %s", path)
		}
		e.SetText(v)
		return nil
	}
	ts := func(t time.Time) string { return t.Format(validate.TimestampLayout) }
	for _, f := range [][2]string{
		{"./nachrichtenkopf.g2g/identifikation.nachricht/nachrichtenUUID", derivedUUID(rec.ID, "reminder-"+strconv.Itoa(level))},
		{"./nachrichtenkopf.g2g/identifikation.nachricht/erstellungszeitpunkt", ts(now)},
		{"./nachrichtenkopf.g2g/leser/kennung", string(partner.Kennung)},
		{"./nachrichtenkopf.g2g/leser/name", nameOr(partner)},
		{"./nachrichtenkopf.g2g/autor/kennung", string(g.o.Self.Kennung)},
		{"./nachrichtenkopf.g2g/autor/name", nameOr(g.o.Self)},
		{"./ausloeserUUID", rec.ID},
		{"./bezug/nachrichtenUUID", rec.ID},
		{"./bezug/nachrichtentyp/code", rec.Type},
		{"./bezug/zeitpunkt", ts(rec.Created)},
		{"./erinnerungsstufe", strconv.Itoa(level)},
		{"./fristende", ts(rec.AnswerDeadline)},
	} {
		if err := set(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	if _, err := doc.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func nameOr(id kennung.Identity) string {
	if id.Name != "" {
		return id.Name
	}
	return string(id.Kennung)
}

// template returns the first plain valid sample of a type (no warnings).
func template(typ string) ([]byte, error) {
	vs, err := conformance.Vectors()
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Type == typ && v.Valid && v.WantWarning == "" {
			return v.Data, nil
		}
	}
	return nil, fmt.Errorf("no sample of type %s", typ)
}
