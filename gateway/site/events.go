package site

import (
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	wm "github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/xgate/xgate/gateway"
)

// eventPoll is how often a watermill-sql subscriber looks for new events
// when there were none.
const eventPoll = 100 * time.Millisecond

// sqlEvents carries the stage events of a site's instances through
// watermill-sql tables in the site's PostgreSQL database: one consumer
// group per handler and site, shared by all instances, so that each event
// (a message to hand over, a record to deliver) is handled by one of them,
// whichever published it. The records stay the durable hand-off (go doc
// ./gateway): an event lost between a commit and its publish is found by
// the sweep, so the publish need not share the record's transaction.
func sqlEvents(pool *pgxpool.Pool, site string, log watermill.LoggerAdapter) gateway.EventBus {
	db := wsql.BeginnerFromPgx(pool)
	var (
		once sync.Once
		pub  wm.Publisher
		perr error
	)
	return func(handler string) (wm.Publisher, wm.Subscriber, error) {
		once.Do(func() {
			pub, perr = wsql.NewPublisher(db, wsql.PublisherConfig{
				SchemaAdapter: wsql.DefaultPostgreSQLSchema{}, AutoInitializeSchema: true,
			}, log)
		})
		if perr != nil || handler == "" {
			return pub, nil, perr
		}
		sub, err := wsql.NewSubscriber(db, wsql.SubscriberConfig{
			ConsumerGroup:    "xgate-" + site + "-" + handler,
			PollInterval:     eventPoll,
			ResendInterval:   time.Second,
			RetryInterval:    time.Second,
			SchemaAdapter:    wsql.DefaultPostgreSQLSchema{},
			OffsetsAdapter:   wsql.DefaultPostgreSQLOffsetsAdapter{},
			InitializeSchema: true,
		}, log)
		return pub, sub, err
	}
}
