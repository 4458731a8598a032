package jobcenterjson

import (
	"embed"
	"io/fs"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/internal/jsonadapter"
	"github.com/xgate/xgate/xml/catalogue"
)

// Name is the adapter's name in a registry.
const Name = "jobcenter-json"

// SchemaID is the $id of the JSON Schema of type code: SchemaID + code.
const SchemaID = "urn:xgate:de:json:jobcenter:1:"

//go:embed schema/*.schema.json
var schemaFiles embed.FS

// Schemas returns the JSON Schemas, one file per type: "920001.schema.json".
func Schemas() fs.FS {
	sub, _ := fs.Sub(schemaFiles, "schema")
	return sub
}

// types are the message types of the adapter, all both ways: the
// mapping is a bijection. At a Jobcenter's gateway forward hands over
// what the Jobcenter receives (920001 from the ABH, 090030 from the AZR,
// 900020 receipts for its own messages); reverse takes in what it sends
// (920002, 920003, 900020 receipts for 920001).
var types = []string{
	catalogue.TypeABHJCStatusmitteilung,
	catalogue.TypeJCABHMitteilungLeistungsbezug,
	catalogue.TypeJCABHIntegrationsmassnahme,
	catalogue.TypeAZRMitteilungZuDatenaenderung,
	catalogue.TypeQuittung,
}

// Spec describes the adapter.
func Spec() adapters.Spec {
	return jsonadapter.NewSpec(Name,
		"Jobcenter JSON: ABH → Jobcenter status notices and AZR notices to JSON, the Jobcenter's JSON notices to the ABH back to messages",
		"Jobcenter (local systems at its gateway)", types)
}

// New builds the adapter.
func New(cfg adapters.Config, _ adapters.Deps) (adapters.Adapter, error) {
	return jsonadapter.New(Spec(), cfg)
}

// Register adds the adapter to r.
func Register(r *adapters.Registry) error { return r.Register(Spec(), New) }
