// Package catalogue is the one source of truth about xgate's message types:
// for every type code its root element, group, sender and receiver roles,
// legal basis, the answers it expects and the default deadline before a
// reminder (Prozess.Erinnerung.900021) goes out. Validation, the
// gateway and the conformance suite all read it from here.
//
// # Overview
//
// A Catalogue is immutable: New returns the built-in catalogue of
// catalogue.md §4/§5, built once and shared; Lookup and ByRoot find a type.
//
//	cat := catalogue.New()
//	t, ok := cat.Lookup("090009") // AnAZR.AZRErstmeldung.090009, abh → azr
package catalogue

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/xgate/xgate/xml/kennung"
)

// Role is a participant role: xgate's one role type, kennung.Role.
type Role = kennung.Role

// The roles of the catalogue.
const (
	RoleABH  = kennung.RoleABH
	RoleMB   = kennung.RoleMB
	RoleAZR  = kennung.RoleAZR
	RoleBAMF = kennung.RoleBAMF
	RoleBA   = kennung.RoleBA
	RoleJC   = kennung.RoleJC
)

// AllRoles lists every role, in a stable order.
func AllRoles() []Role { return kennung.Roles() }

// KennungPrefixes returns the DVDV directory-key prefixes that participants
// of role r usually have: ABH "azr", MB "ags", AZR/BAMF/BA "dbs", JC
// "opt" (Optionskommune). It is documentation (the "Ausländerbehörde
// (azr)" of the real schemas' appinfo), never a decision: one prefix serves
// several roles ("dbs"; "azr" is also used by other bodies), so the role of
// a participant comes from its entry in the signed directory only.
func KennungPrefixes(r Role) []string {
	switch r {
	case RoleABH:
		return []string{"azr"}
	case RoleMB:
		return []string{"ags"}
	case RoleAZR, RoleBAMF, RoleBA:
		return []string{"dbs"}
	case RoleJC:
		return []string{"opt"}
	}
	return nil
}

// Group is a message group: one schema file, one number range.
type Group struct {
	Number     string // "09"
	Name       string // "AZR"
	SchemaFile string // "xauslaender-azr.xsd"
}

// Deadline is how long an expected answer may take before a reminder.
type Deadline struct {
	// WorkingDays counts Monday to Friday; if zero, Duration applies.
	WorkingDays int
	Duration    time.Duration
}

// IsZero reports whether no deadline is set.
func (d Deadline) IsZero() bool { return d.WorkingDays == 0 && d.Duration == 0 }

// After returns the moment the deadline expires for a message sent at t.
// Working days skip Saturdays and Sundays (public holidays are not known to
// the catalogue; configuration may lengthen deadlines).
func (d Deadline) After(t time.Time) time.Time {
	if d.WorkingDays == 0 {
		return t.Add(d.Duration)
	}
	n := d.WorkingDays
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

// String renders "5 working days" or "1h0m0s".
func (d Deadline) String() string {
	switch {
	case d.WorkingDays == 1:
		return "1 working day"
	case d.WorkingDays > 1:
		return fmt.Sprintf("%d working days", d.WorkingDays)
	case d.Duration > 0:
		return d.Duration.String()
	}
	return "none"
}

// Type describes one message type.
type Type struct {
	Code       string // six digits, "090009"
	Group      string // group number, "09"
	Prefix     string // first part of the root element, "AnAZR"
	Name       string // middle part of the root element, "AZRErstmeldung"
	From       []Role // sender roles; nil means any role
	To         []Role // receiver roles; nil means any role
	Purpose    string // English, one line
	LegalBasis string // German citation, e.g. "§ 6 AZRG"
	// Counterpart names the real XAusländer 26.11 message of the same
	// number, or says "own design" and why.
	Counterpart string
	Answers     []string // type codes that answer this one (TypeRueckweisung is always possible and not listed)
	Deadline    Deadline // default time until the answer is due; zero if no answer is expected
	// IsAnswer marks types that answer an earlier, known message and so
	// must carry ausloeserUUID in their header.
	IsAnswer bool
}

// Root returns the root element name, "AnAZR.AZRErstmeldung.090009".
func (t Type) Root() string { return t.Prefix + "." + t.Name + "." + t.Code }

// SentBy reports whether role r may send t.
func (t Type) SentBy(r Role) bool { return t.From == nil || slices.Contains(t.From, r) }

// ReceivedBy reports whether role r may receive t.
func (t Type) ReceivedBy(r Role) bool { return t.To == nil || slices.Contains(t.To, r) }

// ExpectsAnswer reports whether t expects a business answer.
func (t Type) ExpectsAnswer() bool { return len(t.Answers) > 0 }

// Catalogue is the set of message types and groups. It is immutable and
// safe for concurrent use.
type Catalogue struct {
	types  []Type
	byCode map[string]int
	byRoot map[string]int
	groups []Group
}

// New returns the built-in catalogue (catalogue.md §4 and §5). It is built
// once and shared: a Catalogue is immutable, and the receipt and validation
// paths ask for it on every message. Callers must not modify the slices of
// the Types it returns.
func New() *Catalogue { return builtin() }

var builtin = sync.OnceValue(build)

func build() *Catalogue {
	c := &Catalogue{types: builtinTypes(), groups: builtinGroups(),
		byCode: map[string]int{}, byRoot: map[string]int{}}
	for i, t := range c.types {
		c.byCode[t.Code] = i
		c.byRoot[t.Root()] = i
	}
	return c
}

// Types returns all types ordered by code.
func (c *Catalogue) Types() []Type { return slices.Clone(c.types) }

// Groups returns all groups ordered by number.
func (c *Catalogue) Groups() []Group { return slices.Clone(c.groups) }

// Group returns the group with number n.
func (c *Catalogue) Group(n string) (Group, bool) {
	for _, g := range c.groups {
		if g.Number == n {
			return g, true
		}
	}
	return Group{}, false
}

// Lookup finds a type by its six-digit code.
func (c *Catalogue) Lookup(code string) (Type, bool) {
	i, ok := c.byCode[code]
	if !ok {
		return Type{}, false
	}
	return c.types[i], true
}

// ByRoot finds a type by its root element's local name.
func (c *Catalogue) ByRoot(root string) (Type, bool) {
	i, ok := c.byRoot[root]
	if !ok {
		return Type{}, false
	}
	return c.types[i], true
}

// CodeOfRoot returns the type code embedded in a root element name
// ("AnAZR.AZRErstmeldung.090009" → "090009"), whether or not it is known.
func CodeOfRoot(root string) string {
	i := strings.LastIndexByte(root, '.')
	if i < 0 {
		return ""
	}
	return root[i+1:]
}
