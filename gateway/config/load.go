package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxFileBytes is the largest configuration file Load reads.
const MaxFileBytes = 1 << 20

// Environment variables that override the file (secrets and addresses).
const (
	EnvIntakeToken     = "XGATE_INTAKE_TOKEN"     // intake.token
	EnvListenTransport = "XGATE_LISTEN_TRANSPORT" // listen.transport
	EnvListenIntake    = "XGATE_LISTEN_INTAKE"    // listen.intake
	EnvStoreDSN        = "XGATE_STORE_DSN"        // store.dsn
	EnvWebhookToken    = "XGATE_WEBHOOK_TOKEN"    // inbox.webhook.token
)

// Override is an environment variable that sets a key of the file.
type Override struct {
	Env string // "XGATE_STORE_DSN"
	Key string // "store.dsn"
}

// Overrides lists the environment variables Load reads, in a stable order.
func Overrides() []Override {
	return []Override{
		{EnvListenTransport, "listen.transport"},
		{EnvListenIntake, "listen.intake"},
		{EnvIntakeToken, "intake.token"},
		{EnvStoreDSN, "store.dsn"},
		{EnvWebhookToken, "inbox.webhook.token"},
	}
}

// FieldError is a problem with one key of the configuration. Load,
// Validate and CheckFiles return them in an *Error, one per problem.
type FieldError struct {
	// Key is the key path, "directory.reload" or "keys.encryption[1].cert".
	Key string
	// Origin is where the value came from: "line 12", "$XGATE_LISTEN_INTAKE",
	// or "" (default or unset).
	Origin string
	// Problem says what is wrong, e.g. `"1x" is not a duration`.
	Problem string
}

// Error reads `directory.reload: "1x" is not a duration (line 12)`.
func (e *FieldError) Error() string {
	if e.Origin == "" {
		return e.Key + ": " + e.Problem
	}
	return e.Key + ": " + e.Problem + " (" + e.Origin + ")"
}

// Error is what Load, Validate and CheckFiles return: the file and every
// problem found (*FieldError values, or one YAML syntax error).
// errors.As finds each *FieldError in it.
type Error struct {
	File     string // the configuration file, "" for a Config built in code
	Problems []error
}

// Error reads "config FILE: PROBLEM" for one problem, and for several
// "config FILE: N problems:" followed by one indented line per problem.
func (e *Error) Error() string {
	head := "config"
	if e.File != "" {
		head += " " + e.File
	}
	if len(e.Problems) == 1 {
		return head + ": " + e.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problems:", head, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.Error())
	}
	return b.String()
}

// Unwrap returns the problems.
func (e *Error) Unwrap() []error { return e.Problems }

// asError returns nil for no problems, else an *Error.
func asError(file string, problems []error) error {
	if len(problems) == 0 {
		return nil
	}
	return &Error{File: file, Problems: problems}
}

// Load reads the configuration file at path: YAML, every key known (an
// unknown or repeated key is an error naming it and its line), over the
// defaults (SetDefaults), then the environment overrides through getenv
// (nil means none; os.LookupEnv for the real environment; an empty
// variable counts as unset), then relative paths resolved against the
// folder of path. Errors name the key and the line, all problems at once.
//
// Load does not validate: call Validate (and CheckFiles before starting).
func Load(path string, getenv func(string) (string, bool)) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err) // names the file
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("config: %s is larger than %d bytes", path, MaxFileBytes)
	}
	cfg, err := Parse(data, filepath.Dir(abs), getenv)
	if err != nil {
		err.(*Error).File = path
		return nil, err
	}
	cfg.File = abs
	return cfg, nil
}

// Parse is Load on data already read; relative paths resolve against dir.
// Its errors are an *Error without File.
func Parse(data []byte, dir string, getenv func(string) (string, bool)) (*Config, error) {
	cfg, err := parse(data, dir, getenv)
	var ce *Error
	if err != nil && !errors.As(err, &ce) {
		err = &Error{Problems: []error{err}}
	}
	return cfg, err
}

func parse(data []byte, dir string, getenv func(string) (string, bool)) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("a second YAML document at line %d: one file holds one configuration", extra.Line)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	cfg := &Config{}
	cfg.SetDefaults()
	cfg.Listen.AdminSocket = "" // derived from the store below unless given
	d := &decoder{cfg: cfg}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the configuration must be a mapping of sections (site:, listen:, …), not %s", root.Line, kindName(root))
	}
	d.value("", root, reflect.ValueOf(cfg).Elem())
	if getenv != nil {
		cfg.applyEnv(getenv)
	}
	if cfg.Listen.AdminSocket == "" && cfg.Origin("listen.admin_socket") == "" {
		cfg.Listen.AdminSocket = DefaultAdminSocket
		if cfg.Store.Kind == StoreBolt && cfg.Store.Path != "" {
			cfg.Listen.AdminSocket = filepath.Join(filepath.Dir(cfg.Store.Path), DefaultAdminSocket)
		}
	}
	if cfg.Store.Kind != StoreBolt && cfg.Origin("store.path") == "" {
		cfg.Store.Path = ""
	}
	cfg.resolve(dir)
	if len(d.errs) > 0 {
		return nil, asError("", d.errs)
	}
	return cfg, nil
}

func (c *Config) applyEnv(getenv func(string) (string, bool)) {
	targets := map[string]*string{
		"listen.transport":    &c.Listen.Transport,
		"listen.intake":       &c.Listen.Intake,
		"intake.token":        &c.Intake.Token,
		"store.dsn":           &c.Store.DSN,
		"inbox.webhook.token": &c.Inbox.Webhook.Token,
	}
	for _, o := range Overrides() {
		if v, ok := getenv(o.Env); ok && v != "" {
			*targets[o.Key] = v
			c.setOrigin(o.Key, "$"+o.Env)
		}
	}
}

// paths returns the path fields with their keys.
func (c *Config) paths() map[string]*string {
	p := map[string]*string{
		"listen.admin_socket": &c.Listen.AdminSocket,
		"intake.token_file":   &c.Intake.TokenFile,
		"keys.signing.cert":   &c.Keys.Signing.Cert,
		"keys.signing.key":    &c.Keys.Signing.Key,
		"keys.tls.cert":       &c.Keys.TLS.Cert,
		"keys.tls.key":        &c.Keys.TLS.Key,
		"directory.file":      &c.Directory.File,
		"store.path":          &c.Store.Path,
		"store.dsn_file":      &c.Store.DSNFile,
	}
	for i := range c.Keys.Encryption {
		p[fmt.Sprintf("keys.encryption[%d].cert", i)] = &c.Keys.Encryption[i].Cert
		p[fmt.Sprintf("keys.encryption[%d].key", i)] = &c.Keys.Encryption[i].Key
	}
	for key, list := range map[string][]string{
		"intake.client_roots": c.Intake.ClientRoots, "trust.roots": c.Trust.Roots,
		"trust.intermediates": c.Trust.Intermediates, "trust.crls": c.Trust.CRLs,
	} {
		for i := range list {
			p[fmt.Sprintf("%s[%d]", key, i)] = &list[i]
		}
	}
	return p
}

// resolve makes every relative path absolute against dir.
func (c *Config) resolve(dir string) {
	for _, p := range c.paths() {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// decoder fills the Config from the YAML tree, key by key, so that every
// error names its key path and line. Every key must be known: a YAML key
// that matches no field is an error (yaml.v3's KnownFields, with the key
// path and the keys that would fit).
type decoder struct {
	cfg  *Config
	errs []error
}

func (d *decoder) fail(key string, n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{Key: key, Origin: "line " + strconv.Itoa(n.Line), Problem: fmt.Sprintf(format, args...)})
}

var (
	durationType = reflect.TypeFor[Duration]()
	sizeType     = reflect.TypeFor[Size]()
)

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "something else"
}

func join(key, name string) string {
	if key == "" {
		return name
	}
	return key + "." + name
}

// value decodes n into v; key is v's key path.
func (d *decoder) value(key string, n *yaml.Node, v reflect.Value) {
	for depth := 0; n.Kind == yaml.AliasNode; depth++ {
		if depth > 8 || n.Alias == nil {
			d.fail(key, n, "alias too deep")
			return
		}
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value keeps the default
	}
	if key != "" {
		d.cfg.setOrigin(key, "line "+strconv.Itoa(n.Line))
	}
	switch {
	case v.Type() == durationType:
		if n.Kind != yaml.ScalarNode {
			d.fail(key, n, "want a duration (30s, 5m, 72h, 3d), got %s", kindName(n))
			return
		}
		dur, err := ParseDuration(n.Value)
		if err != nil {
			d.fail(key, n, "%v", err)
			return
		}
		v.Set(reflect.ValueOf(dur))
	case v.Type() == sizeType:
		if n.Kind != yaml.ScalarNode {
			d.fail(key, n, "want a size (bytes, 64KiB, 20MiB), got %s", kindName(n))
			return
		}
		sz, err := ParseSize(n.Value)
		if err != nil {
			d.fail(key, n, "%v", err)
			return
		}
		v.Set(reflect.ValueOf(sz))
	case v.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(key, n, "want a text, got %s", kindName(n))
			return
		}
		v.SetString(n.Value)
	case v.Kind() == reflect.Int:
		if n.Kind != yaml.ScalarNode {
			d.fail(key, n, "want a whole number, got %s", kindName(n))
			return
		}
		i, err := strconv.Atoi(n.Value)
		if err != nil {
			d.fail(key, n, "%q is not a whole number", n.Value)
			return
		}
		v.SetInt(int64(i))
	case v.Kind() == reflect.Slice:
		items := []*yaml.Node{n}
		switch {
		case n.Kind == yaml.SequenceNode:
			items = n.Content
		case v.Type().Elem().Kind() != reflect.String:
			d.fail(key, n, "want a list, got %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, it := range items {
			d.value(fmt.Sprintf("%s[%d]", key, i), it, s.Index(i))
		}
		v.Set(s)
	case v.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.fail(key, n, "want a mapping, got %s", kindName(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				d.fail(key, k, "want a plain key, got %s", kindName(k))
				continue
			}
			sub := fmt.Sprintf("%s[%s]", key, strconv.Quote(k.Value))
			if line, ok := seen[k.Value]; ok {
				d.fail(sub, k, "given twice (first at line %d)", line)
				continue
			}
			seen[k.Value] = k.Line
			e := reflect.New(v.Type().Elem()).Elem()
			d.value(sub, val, e)
			m.SetMapIndex(reflect.ValueOf(k.Value), e)
		}
		v.Set(m)
	case v.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			what := "section"
			if key == "" {
				what = "configuration"
			}
			d.fail(key, n, "want a %s (a mapping of keys), got %s", what, kindName(n))
			return
		}
		d.fields(key, n, v)
	default:
		panic("config: no decoder for " + v.Type().String()) // programmer error
	}
}

// fields decodes the keys of mapping n into struct v.
func (d *decoder) fields(key string, n *yaml.Node, v reflect.Value) {
	byName := map[string]int{}
	var names []string
	for i := range v.NumField() {
		tag := v.Type().Field(i).Tag.Get("yaml")
		if tag == "" || tag == "-" {
			continue
		}
		byName[tag] = i
		names = append(names, tag)
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(key, k, "want a plain key, got %s", kindName(k))
			continue
		}
		sub := join(key, k.Value)
		if k.Value == "<<" {
			d.fail(sub, k, "merge keys are not supported: write the keys out")
			continue
		}
		idx, ok := byName[k.Value]
		if !ok {
			d.fail(sub, k, "unknown key%s; %s", suggest(k.Value, names), knownKeys(key, names))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.fail(sub, k, "given twice (first at line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		d.value(sub, val, v.Field(idx))
		if o := d.cfg.Origin(sub); o != "" {
			d.cfg.setOrigin(sub, "line "+strconv.Itoa(k.Line))
		}
	}
}

func knownKeys(key string, names []string) string {
	where := "the top level"
	if key != "" {
		where = key
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	return where + " has " + strings.Join(sorted, ", ")
}

// suggest names the known key closest to name, if one is close.
func suggest(name string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
