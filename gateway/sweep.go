package gateway

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/xgate/xgate/outbox"
)

// republishAfter is the least time between two hand-over events for one
// record: the router retries a failing hand-over itself meanwhile.
const republishAfter = 2 * time.Second

// webhookState is the back-off of one inbound message's push.
type webhookState struct {
	next    time.Time
	backoff time.Duration
}

// sweepLoop runs every SweepEvery: inbound records still waiting for
// hand-over go to the hand-over stage again (after a crash, a lost event
// or a poisoned one); due webhook retries are pushed; overdue answers get
// their Erinnerung.
func (g *Gateway) sweepLoop(ctx context.Context) {
	t := time.NewTicker(g.o.SweepEvery)
	defer t.Stop()
	g.sweep(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.sweep(ctx)
		}
	}
}

func (g *Gateway) sweep(ctx context.Context) {
	g.retryCorrelation(ctx)
	if err := g.sweepInbound(ctx); err != nil && ctx.Err() == nil {
		g.log.Warn("sweep inbound", "err", err)
	}
	if err := g.sweepReminders(ctx); err != nil && ctx.Err() == nil {
		g.log.Warn("sweep reminders", "err", err)
	}
	g.metrics.observeDirectory(g.o.Directory.Current(), g.o.Clock.Now())
}

// sweepInbound re-publishes received records (hand-over pending) and
// pushes due webhook retries. A record another instance received less
// than HandoverGrace ago is left to that instance.
func (g *Gateway) sweepInbound(ctx context.Context) error {
	var after uint64
	now := g.o.Clock.Now()
	for {
		recs, err := g.o.Store.List(ctx, outbox.Filter{Direction: outbox.DirIn, State: outbox.StateReceived, AfterSeq: after, Limit: 500})
		if err != nil {
			return err
		}
		for _, rec := range recs {
			after = rec.Seq
			g.mu.Lock()
			last, published := g.sent[rec.ID]
			g.mu.Unlock()
			if g.isInflight(rec.ID) || (published && now.Sub(last) < republishAfter) {
				continue
			}
			if !published && now.Sub(rec.Created) < g.o.HandoverGrace {
				continue // another instance received it just now: its own hand-over runs
			}
			if g.o.Webhook != nil {
				g.mu.Lock()
				st, waiting := g.webhook[rec.ID]
				g.mu.Unlock()
				if waiting && now.Before(st.next) {
					continue
				}
			}
			g.publish(topicReceived, rec.ID)
		}
		if len(recs) < 500 {
			return nil
		}
	}
}

// pushWebhook posts one inbound message to the webhook. A 2xx answer is
// the local software's acknowledgement; anything else is retried with
// back-off by the sweep.
func (g *Gateway) pushWebhook(ctx context.Context, rec outbox.Record) {
	wh := g.o.Webhook
	full, err := g.o.Store.Get(ctx, rec.ID)
	if err != nil {
		g.webhookFailed(rec.ID, err)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, wh.URL, bytes.NewReader(full.Opened))
	if err != nil {
		g.webhookFailed(rec.ID, err)
		return
	}
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("X-Xgate-Id", rec.ID)
	req.Header.Set("X-Xgate-Type", rec.Type)
	req.Header.Set("X-Xgate-From", rec.Partner)
	if wh.Token != "" {
		req.Header.Set("Authorization", "Bearer "+wh.Token)
	}
	resp, err := wh.Client.Do(req)
	if err != nil {
		g.webhookFailed(rec.ID, err)
		return
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		g.webhookFailed(rec.ID, fmt.Errorf("webhook answered %d", resp.StatusCode))
		return
	}
	if err := g.handedOver(ctx, rec.ID, "webhook", true); err != nil {
		g.webhookFailed(rec.ID, err)
		return
	}
	g.mu.Lock()
	delete(g.webhook, rec.ID)
	g.mu.Unlock()
	g.metrics.webhook.WithLabelValues("ok").Inc()
}

func (g *Gateway) webhookFailed(id string, err error) {
	g.metrics.webhook.WithLabelValues("error").Inc()
	g.mu.Lock()
	st := g.webhook[id]
	if st.backoff == 0 {
		st.backoff = g.o.Webhook.RetryInitial
	} else {
		st.backoff = min(2*st.backoff, g.o.Webhook.RetryMax)
	}
	st.next = g.o.Clock.Now().Add(st.backoff)
	g.webhook[id] = st
	g.mu.Unlock()
	g.log.Warn("webhook hand-over failed; will retry", "id", id, "retry_in", st.backoff.String(), "err", err.Error())
}

// sweepReminders sends an Erinnerung (900021) for each delivered record
// whose answer is overdue, at most Reminders per record: reminder k goes
// out once the deadline has passed k times over.
func (g *Gateway) sweepReminders(ctx context.Context) error {
	if g.o.Reminders < 0 {
		return nil
	}
	now := g.o.Clock.Now()
	var after uint64
	for {
		recs, err := g.o.Store.List(ctx, outbox.Filter{Direction: outbox.DirOut, State: outbox.StateDelivered, AnswerDueBefore: now, AfterSeq: after, Limit: 500})
		if err != nil {
			return err
		}
		for _, rec := range recs {
			after = rec.Seq
			if err := g.remind(ctx, rec, now); err != nil {
				g.log.Warn("reminder", "id", rec.ID, "err", err)
			}
		}
		if len(recs) < 500 {
			return nil
		}
	}
}
