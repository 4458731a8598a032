// Package adapters will translate between the formats partners speak: the
// XMeld-style dialect of most Meldebehörden, Jobcenter JSON, BA JSON, AZR
// legacy fixed-width records and Fachverfahren CSV.
//
// # Overview
//
// Not built yet. Adapters will register into an explicit Registry value
// (never through init) and implement one verb, Translate(ctx, in) (out,
// err), returning *errcode.Error for permanent failures.
package adapters
