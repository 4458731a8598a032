// Package jsonmsg is the JSON form of xgate messages that the JSON
// adapters (jobcenter-json, ba-json) speak: one JSON object per message,
// derived from the message's schema by fixed rules, so that the
// translation is lossless both ways and the JSON Schema can be generated
// from the same schema.
//
// The rules:
//
//   - the object has "nachricht": the root element name
//     ("ABHJC.Statusmitteilung.920001"), the root's attributes and its
//     child elements;
//   - an element's key is its name with each ".x" written "X"
//     ("nachrichtenkopf.g2g" → "nachrichtenkopfG2g", "referenz.id" →
//     "referenzId"); an attribute's key is its name;
//   - an element with child elements is an object; a code element is an
//     object {"code", "name", "listURI", "listVersionID"} (the optional
//     ones only when present in the message);
//   - text is a JSON string, exactly as in the message; an xs:boolean
//     is a JSON boolean;
//   - an element that may occur more than once is an array, also with one
//     item;
//   - keys the schema does not know, null, a value of the wrong JSON
//     type, a key given twice, nesting deeper than the schema, and text
//     longer than its maxLength are refused with the key path.
package jsonmsg

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/xml/errcode"
)

// MessageKey is the key of the root element name.
const MessageKey = "nachricht"

// Key returns the JSON key of an element name.
func Key(name string) string {
	parts := strings.Split(name, ".")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			r, n := utf8.DecodeRuneInString(parts[i])
			parts[i] = string(unicode.ToUpper(r)) + parts[i][n:]
		}
	}
	return strings.Join(parts, "")
}

// Codec reads and writes the JSON form of the types of one schema.
type Codec struct {
	schema *xtree.Schema
	keys   map[*xtree.Type]map[string]map[string]string // type → element path → JSON key → child name ("@attr" for attributes)
	// MaxBytes bounds the input of Decode; MaxDepth its nesting.
	MaxBytes, MaxDepth int
}

// New returns a codec for every type of schema. It fails if two children
// of an element map to the same key.
func New(schema *xtree.Schema, maxBytes int) (*Codec, error) {
	c := &Codec{schema: schema, keys: map[*xtree.Type]map[string]map[string]string{}, MaxBytes: maxBytes, MaxDepth: 24}
	for _, root := range schema.Roots() {
		t, _ := schema.Type(root)
		m := map[string]map[string]string{}
		for _, p := range append([]string{""}, t.Paths()...) {
			in, _ := t.Info(p)
			if in.Attribute || in.Leaf {
				continue
			}
			km := map[string]string{}
			if p == "" {
				km[MessageKey] = ""
			}
			for _, a := range in.Attrs {
				if _, dup := km[a]; dup {
					return nil, fmt.Errorf("jsonmsg: %s %s: key %q twice", root, p, a)
				}
				km[a] = "@" + a
			}
			for _, k := range in.Kids {
				key := Key(k)
				if _, dup := km[key]; dup {
					return nil, fmt.Errorf("jsonmsg: %s %s: key %q twice", root, p, key)
				}
				km[key] = k
			}
			m[p] = km
		}
		c.keys[t] = m
	}
	return c, nil
}

func fail(code errcode.Code, field, value, format string, args ...any) *adapters.MappingError {
	return &adapters.MappingError{Code: code, Field: field, Value: value, Reason: fmt.Sprintf(format, args...)}
}

// Encode writes the JSON form of message n of type t, indented by two
// spaces, keys in schema order.
func (c *Codec) Encode(t *xtree.Type, n *xtree.Node) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\n  ")
	writeString(&b, MessageKey)
	b.WriteString(": ")
	writeString(&b, t.Root)
	if err := c.members(&b, t, n, "", 1, true); err != nil {
		return nil, err
	}
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}

// members writes the attributes and children of n as object members; the
// object is open and has members already when more is set.
func (c *Codec) members(b *bytes.Buffer, t *xtree.Type, n *xtree.Node, path string, depth int, more bool) error {
	in, _ := t.Info(path)
	ind := strings.Repeat("  ", depth)
	sep := func() {
		if more {
			b.WriteString(",\n")
		} else {
			b.WriteString("\n")
		}
		more = true
		b.WriteString(ind)
	}
	for _, a := range in.Attrs {
		if v, ok := n.Attr(a); ok {
			sep()
			writeString(b, a)
			b.WriteString(": ")
			writeString(b, v)
		}
	}
	for _, k := range in.Kids {
		kp := join(path, k)
		kin, _ := t.Info(kp)
		var items []*xtree.Node
		for _, kid := range n.Kids {
			if kid.Name == k {
				items = append(items, kid)
			}
		}
		if len(items) == 0 {
			continue
		}
		if !kin.Repeat && len(items) > 1 {
			return fail(errcode.SchemaInvalid, kp, "", "element occurs %d times, at most once allowed", len(items))
		}
		sep()
		writeString(b, Key(k))
		b.WriteString(": ")
		if kin.Repeat {
			b.WriteString("[")
			for i, it := range items {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString("\n" + ind + "  ")
				if err := c.value(b, t, it, kp, depth+1); err != nil {
					return err
				}
			}
			b.WriteString("\n" + ind + "]")
			continue
		}
		if err := c.value(b, t, items[0], kp, depth); err != nil {
			return err
		}
	}
	return nil
}

func (c *Codec) value(b *bytes.Buffer, t *xtree.Type, n *xtree.Node, path string, depth int) error {
	in, _ := t.Info(path)
	if in.Leaf {
		if in.Field.Simple.Base == "boolean" {
			switch strings.Trim(n.Text, " \t\r\n") {
			case "true", "1":
				b.WriteString("true")
			case "false", "0":
				b.WriteString("false")
			default:
				return fail(errcode.SchemaInvalid, path, n.Text, "not a boolean")
			}
			return nil
		}
		writeString(b, n.Text)
		return nil
	}
	b.WriteString("{")
	mark := b.Len()
	if err := c.members(b, t, n, path, depth+1, false); err != nil {
		return err
	}
	if b.Len() == mark {
		b.WriteString("}")
		return nil
	}
	b.WriteString("\n" + strings.Repeat("  ", depth) + "}")
	return nil
}

// writeString writes s as a JSON string: quote, backslash and control
// characters escaped, U+2028 and U+2029 too (JavaScript line ends),
// everything else as it is (valid UTF-8 only reaches here).
func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i, r := range s {
		var esc string
		switch {
		case r == '"':
			esc = `\"`
		case r == '\\':
			esc = `\\`
		case r == '\n':
			esc = `\n`
		case r == '\r':
			esc = `\r`
		case r == '\t':
			esc = `\t`
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			esc = `\u` + string([]byte{hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF]})
		default:
			continue
		}
		b.WriteString(s[start:i])
		b.WriteString(esc)
		start = i + utf8.RuneLen(r)
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

// Decode reads the JSON form of a message into its tree. data must be
// UTF-8 without a byte-order mark (S001), at most MaxBytes long, one JSON
// object and nothing after it; the rules of the package doc apply.
func (c *Codec) Decode(data []byte) (*xtree.Node, *xtree.Type, error) {
	if c.MaxBytes > 0 && len(data) > c.MaxBytes {
		return nil, nil, fail(errcode.NotWellFormed, "", "", "input is %d bytes, the limit is %d", len(data), c.MaxBytes)
	}
	if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		return nil, nil, fail(errcode.NotUTF8, "", "", "input starts with a byte-order mark; send UTF-8 without one")
	}
	if !utf8.Valid(data) {
		i := invalidAt(data)
		return nil, nil, fail(errcode.NotUTF8, "", "", "input is not UTF-8 (invalid byte 0x%02X at offset %d)", data[i], i)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, nil, fail(errcode.NotUTF8, "", "", "input contains a NUL byte (UTF-16?)")
	}
	sc := &scanner{data: data, maxDepth: c.MaxDepth}
	top, err := sc.top()
	if err != nil {
		return nil, nil, err
	}
	obj := top.obj
	if obj == nil {
		return nil, nil, fail(errcode.SchemaInvalid, "", "", "want a JSON object, got %s", top.kind())
	}
	rootName, ok := obj.get(MessageKey)
	if !ok || rootName.str == nil {
		return nil, nil, fail(errcode.SchemaInvalid, MessageKey, "", "missing: the message's root element name, e.g. %q", c.schema.Roots()[0])
	}
	t, ok := c.schema.Type(*rootName.str)
	if !ok {
		return nil, nil, fail(errcode.SchemaInvalid, MessageKey, *rootName.str, "not a message this adapter translates (known: %s)", strings.Join(c.schema.Roots(), ", "))
	}
	n := &xtree.Node{Name: t.Root}
	if err := c.fill(t, n, "", obj, ""); err != nil {
		return nil, nil, err
	}
	return n, t, nil
}

func invalidAt(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return 0
}

// jvalue is a decoded JSON value.
type jvalue struct {
	obj  *jobject
	arr  []jvalue
	str  *string
	bool *bool
	num  string
	null bool
	at   string // key path, for errors
}

type jobject struct {
	keys []string
	vals []jvalue
}

func (o *jobject) get(k string) (jvalue, bool) {
	for i, key := range o.keys {
		if key == k {
			return o.vals[i], true
		}
	}
	return jvalue{}, false
}

func (v jvalue) kind() string {
	switch {
	case v.obj != nil:
		return "an object"
	case v.arr != nil:
		return "an array"
	case v.str != nil:
		return "a string"
	case v.bool != nil:
		return "a boolean"
	case v.null:
		return "null"
	}
	return "a number"
}

// fill sets n (an element of path) from object o.
func (c *Codec) fill(t *xtree.Type, n *xtree.Node, path string, o *jobject, at string) error {
	km := c.keys[t][path]
	for i, key := range o.keys {
		v := o.vals[i]
		child, ok := km[key]
		if !ok {
			return fail(errcode.SchemaInvalid, v.at, "", "unknown key (known here: %s)", knownKeys(km))
		}
		if child == "" {
			continue // "nachricht" at the top
		}
		if strings.HasPrefix(child, "@") {
			if v.str == nil {
				return fail(errcode.SchemaInvalid, v.at, "", "want a string, got %s", v.kind())
			}
			ap := join(path, child)
			if err := t.CheckValue(ap, nil, *v.str); err != nil {
				return relabel(err, v.at)
			}
			n.Attrs = append(n.Attrs, xtree.Attr{Name: child[1:], Value: *v.str})
			continue
		}
		kp := join(path, child)
		kin, _ := t.Info(kp)
		items := []jvalue{v}
		if kin.Repeat {
			if v.arr == nil {
				return fail(errcode.SchemaInvalid, v.at, "", "want an array (the element may repeat), got %s", v.kind())
			}
			items = v.arr
			if max := kin.Field.Max; max > 0 && len(items) > max {
				return fail(errcode.SchemaInvalid, v.at, "", "%d items, at most %d allowed", len(items), max)
			}
		}
		for _, it := range items {
			kid := &xtree.Node{Name: child}
			if err := c.element(t, kid, kp, kin, it); err != nil {
				return err
			}
			n.Kids = append(n.Kids, kid)
		}
	}
	return nil
}

func (c *Codec) element(t *xtree.Type, n *xtree.Node, path string, in *xtree.Info, v jvalue) error {
	if in.Leaf {
		if in.Field.Simple.Base == "boolean" {
			if v.bool == nil {
				return fail(errcode.SchemaInvalid, v.at, "", "want true or false, got %s", v.kind())
			}
			n.Text = strconv.FormatBool(*v.bool)
			return nil
		}
		if v.str == nil {
			return fail(errcode.SchemaInvalid, v.at, "", "want a string, got %s", v.kind())
		}
		if err := t.CheckValue(path, nil, *v.str); err != nil {
			return relabel(err, v.at)
		}
		n.Text = *v.str
		return nil
	}
	if v.obj == nil {
		return fail(errcode.SchemaInvalid, v.at, "", "want an object, got %s", v.kind())
	}
	return c.fill(t, n, path, v.obj, v.at)
}

// relabel puts the JSON key path into a MappingError from xtree.
func relabel(err error, at string) error {
	var me *adapters.MappingError
	if errors.As(err, &me) {
		me.Field = at
	}
	return err
}

func knownKeys(km map[string]string) string {
	var ks []string
	for k := range km {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return strings.Join(ks, ", ")
}

func sortStrings(s []string) { slices.Sort(s) }
