// Package pgstore is the outbox.Store on PostgreSQL (15 or later, with
// pgx): the store for several gateway instances sharing one database.
package pgstore
