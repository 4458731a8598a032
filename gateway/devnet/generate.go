package devnet

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/validate"
)

// Generator makes load messages from the shipped samples: valid messages
// with their own nachrichtenUUIDs, spread over persons so that each
// person's messages form one ordering chain.
type Generator struct {
	set *sample.Set
	now time.Time
}

// NewGenerator loads the samples.
func NewGenerator() (*Generator, error) {
	set, err := sample.Load(catalogue.New())
	if err != nil {
		return nil, err
	}
	return &Generator{set: set, now: time.Now()}, nil
}

// Anmeldung is message i of a load run: an ABH → MB Anmeldung (020101)
// with a fresh nachrichtenUUID about person i mod persons (its AZR
// number, the ordering key). It returns the message, its id and its key.
func (g *Generator) Anmeldung(i, persons int, from, to kennung.Identity) (data []byte, id, key string, err error) {
	doc, err := g.set.Doc(catalogue.TypeABHMBAnmeldung, "")
	if err != nil {
		return nil, "", "", err
	}
	id = uuid.NewString()
	h := sample.Header{UUID: id, Created: g.now.Add(time.Duration(i) * time.Millisecond), Autor: from, Leser: to}
	if err := g.set.SetHeader(doc, h); err != nil {
		return nil, "", "", err
	}
	key = fmt.Sprintf("260101%06d", i%max(persons, 1))
	if !validate.ValidAZRNumber(key) {
		return nil, "", "", fmt.Errorf("devnet: AZR number %s is not valid", key)
	}
	for _, e := range doc.Root().FindElements(".//azrNummer") {
		e.SetText(key)
	}
	data, err = sample.Bytes(doc)
	return data, id, key, err
}
