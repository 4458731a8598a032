package bajson

import (
	"embed"
	"io/fs"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/internal/jsonadapter"
	"github.com/xgate/xgate/xml/catalogue"
)

// Name is the adapter's name in a registry.
const Name = "ba-json"

// SchemaID is the $id of the JSON Schema of type code: SchemaID + code.
const SchemaID = "urn:xgate:de:json:ba:1:"

//go:embed schema/*.schema.json
var schemaFiles embed.FS

// Schemas returns the JSON Schemas, one file per type: "910001.schema.json".
func Schemas() fs.FS {
	sub, _ := fs.Sub(schemaFiles, "schema")
	return sub
}

// types are the message types of the adapter, all both ways: the
// mapping is a bijection. At the Bundesagentur's gateway forward hands
// over the approval request (910001); reverse takes in the BA's
// decisions: approval, refusal, request for more data, no approval
// needed (910002 to 910005).
var types = []string{
	catalogue.TypeABHBAZustimmungsanfrage,
	catalogue.TypeBAABHZustimmung,
	catalogue.TypeBAABHVersagung,
	catalogue.TypeBAABHNachforderung,
	catalogue.TypeBAABHZustimmungsfreiMitteilung,
}

// Spec describes the adapter.
func Spec() adapters.Spec {
	return jsonadapter.NewSpec(Name,
		"BA JSON: the ABH's approval request (§ 39 AufenthG) to JSON, the BA's JSON decisions back to answer messages",
		"Bundesagentur für Arbeit (ZAV systems at its gateway)", types)
}

// New builds the adapter.
func New(cfg adapters.Config, _ adapters.Deps) (adapters.Adapter, error) {
	return jsonadapter.New(Spec(), cfg)
}

// Register adds the adapter to r.
func Register(r *adapters.Registry) error { return r.Register(Spec(), New) }
