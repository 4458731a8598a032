package jsonmsg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/xml/schemas"
)

// obj is a JSON object that keeps its keys in insertion order.
type obj struct {
	keys []string
	vals map[string]any
}

func newObj() *obj { return &obj{vals: map[string]any{}} }

func (o *obj) set(k string, v any) *obj {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

func (o *obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// JSONSchema returns the JSON Schema (draft 2020-12) of the JSON form of
// type t: the shape the rules of the package doc give, the cardinalities,
// the choices (oneOf), fixed values (const), enumerations, lengths and
// patterns of the message's XSD. id is the schema's $id; title and
// description document it.
func (c *Codec) JSONSchema(t *xtree.Type, id, title, description string) ([]byte, error) {
	root := newObj().
		set("$schema", "https://json-schema.org/draft/2020-12/schema").
		set("$id", id).
		set("title", title).
		set("description", description)
	body := c.object(t, "")
	props := body.vals["properties"].(*obj)
	props.keys = append([]string{MessageKey}, props.keys...)
	props.vals[MessageKey] = newObj().set("const", t.Root).set("description", "Root element name of the message.")
	body.vals["required"] = append([]string{MessageKey}, body.vals["required"].([]string)...)
	for _, k := range body.keys {
		root.set(k, body.vals[k])
	}
	out, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	// encoding/json's HTML escaping is not needed in a schema file.
	out = bytes.ReplaceAll(out, []byte(`\u003c`), []byte("<"))
	out = bytes.ReplaceAll(out, []byte(`\u003e`), []byte(">"))
	out = bytes.ReplaceAll(out, []byte(`\u0026`), []byte("&"))
	return append(out, '\n'), nil
}

// object is the schema of the object of element path.
func (c *Codec) object(t *xtree.Type, path string) *obj {
	in, _ := t.Info(path)
	props := newObj()
	required := []string{}
	for _, a := range in.Attrs {
		ain, _ := t.Info(join(path, "@"+a))
		props.set(a, c.leaf(ain))
		if ain.Field.Min > 0 {
			required = append(required, a)
		}
	}
	choices := map[string][]string{}
	var order []string
	for _, k := range in.Kids {
		kp := join(path, k)
		kin, _ := t.Info(kp)
		var s *obj
		switch {
		case kin.Code:
			s = c.object(t, kp)
		case kin.Leaf:
			s = c.leaf(kin)
		default:
			s = c.object(t, kp)
		}
		if d := doc(kin.Field); d != "" {
			s.set("description", d)
		}
		if kin.Repeat {
			arr := newObj().set("type", "array").set("items", s)
			min := kin.Field.Min
			arr.set("minItems", max(min, 1))
			if kin.Field.Max > 0 {
				arr.set("maxItems", kin.Field.Max)
			}
			s = arr
		}
		props.set(Key(k), s)
		if ch := kin.Field.Choice; ch != "" {
			if _, ok := choices[ch]; !ok {
				order = append(order, ch)
			}
			choices[ch] = append(choices[ch], Key(k))
			continue
		}
		if kin.Field.Min > 0 {
			required = append(required, Key(k))
		}
	}
	o := newObj().set("type", "object").set("properties", props).set("required", required).set("additionalProperties", false)
	var all []any
	for _, ch := range order {
		var one []any
		for _, k := range choices[ch] {
			one = append(one, newObj().set("required", []string{k}))
		}
		all = append(all, newObj().set("oneOf", one))
	}
	switch len(all) {
	case 0:
	case 1:
		o.set("oneOf", all[0].(*obj).vals["oneOf"])
	default:
		o.set("allOf", all)
	}
	return o
}

// leaf is the schema of a value: a string with the facets of its type,
// or a boolean.
func (c *Codec) leaf(in *xtree.Info) *obj {
	f := in.Field
	s := f.Simple
	if s.Base == "boolean" {
		o := newObj().set("type", "boolean")
		if f.Fixed != "" {
			o.set("const", f.Fixed == "true" || f.Fixed == "1")
		}
		return o
	}
	o := newObj().set("type", "string")
	if f.Fixed != "" {
		o.set("const", f.Fixed)
		return o
	}
	if len(s.Enumeration) > 0 {
		o.set("enum", s.Enumeration)
	}
	if s.MinLength > 0 {
		o.set("minLength", s.MinLength)
	}
	if s.MaxLength >= 0 && !in.Code {
		o.set("maxLength", s.MaxLength)
	}
	if p := pattern(s); p != "" {
		o.set("pattern", p)
	}
	return o
}

// pattern turns the XSD patterns (implicitly anchored) of s into one
// anchored JSON Schema pattern; "" if there are none. Several patterns
// must all match: each becomes a lookahead.
func pattern(s schemas.Simple) string {
	var ps []string
	if s.Base == "union" {
		var alts []string
		for _, m := range s.Members {
			if p := pattern(m); p != "" {
				alts = append(alts, strings.TrimSuffix(strings.TrimPrefix(p, "^"), "$"))
			} else {
				return ""
			}
		}
		return "^(?:" + strings.Join(alts, "|") + ")$"
	}
	for _, p := range s.Patterns {
		ps = append(ps, "(?:"+p+")")
	}
	switch len(ps) {
	case 0:
		return ""
	case 1:
		return "^" + ps[0] + "$"
	}
	return fmt.Sprintf("^%s$", ps[len(ps)-1]) // the most derived pattern; the others are its bases
}

func doc(f schemas.Field) string {
	switch {
	case f.EN != "" && f.DE != "":
		return f.DE + " / " + f.EN
	case f.DE != "":
		return f.DE
	}
	return f.EN
}
