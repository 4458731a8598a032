package pgstore

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one versioned schema change.
type migration struct {
	version int
	name    string
	sql     string
	sum     string // hex SHA-256 of sql
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// migrations returns the embedded migrations in order; versions run
// 1, 2, 3, … without gaps.
func migrations() ([]migration, error) {
	ents, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range ents {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("pgstore: migration file %s is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		v, _ := strconv.Atoi(m[1])
		sum := sha256.Sum256(b)
		ms = append(ms, migration{version: v, name: m[2], sql: string(b), sum: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("pgstore: migration %d follows %d", m.version, i)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this build of pgstore migrates to.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Advisory lock keys (pg_advisory_xact_lock(int, int)): the first number
// is xgate's, the second says what is locked.
const (
	lockClass   = 0x78676174 // "xgat"
	lockMigrate = 1
)

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS xgate_schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)`

// MigrationError reports a database whose schema this build cannot use.
type MigrationError struct {
	Found, Want int // applied and known schema versions
	Detail      string
}

func (e *MigrationError) Error() string {
	return fmt.Sprintf("pgstore: database schema version %d, this xgate knows %d: %s", e.Found, e.Want, e.Detail)
}

// migrate brings the schema to the newest version in one transaction,
// holding an advisory lock so that instances starting at once migrate one
// after the other (the later ones find nothing to do). readOnly only
// checks that the schema is current.
func migrate(ctx context.Context, pool *pgxpool.Pool, readOnly bool) (applied []int, err error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	want := ms[len(ms)-1].version
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		applied = nil
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass('xgate_schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
			return err
		}
		if readOnly && !exists {
			return &MigrationError{Found: 0, Want: want, Detail: "no xgate schema (a read-write Open creates it)"}
		}
		if !readOnly {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockClass, lockMigrate); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, createMigrationsTable); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT version, checksum FROM xgate_schema_migrations ORDER BY version`)
		if err != nil {
			return err
		}
		defer rows.Close()
		done := map[int]string{}
		found := 0
		for rows.Next() {
			var (
				v   int
				sum string
			)
			if err := rows.Scan(&v, &sum); err != nil {
				return err
			}
			done[v] = sum
			found = max(found, v)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if found > want {
			return &MigrationError{Found: found, Want: want, Detail: "a newer xgate migrated this database; run that version"}
		}
		for _, m := range ms {
			sum, ok := done[m.version]
			switch {
			case ok && sum != m.sum:
				return &MigrationError{Found: found, Want: want,
					Detail: fmt.Sprintf("migration %04d_%s was applied with different content (checksum %.12s, this build %.12s)", m.version, m.name, sum, m.sum)}
			case ok:
				continue
			case readOnly:
				return &MigrationError{Found: found, Want: want, Detail: "the schema is not current (a read-write Open migrates it)"}
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO xgate_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
				m.version, m.name, m.sum); err != nil {
				return err
			}
			applied = append(applied, m.version)
		}
		return nil
	})
	return applied, err
}
