package jsonmsg

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xgate/xgate/xml/errcode"
)

// scanner is a strict JSON reader (RFC 8259) over UTF-8 input that
// builds jvalues directly: no comments, no trailing commas, no lone
// surrogates, no raw control characters in strings, nesting bounded.
type scanner struct {
	data     []byte
	pos      int
	maxDepth int
}

func (s *scanner) errf(at string, format string, args ...any) error {
	args = append(args, s.pos)
	return fail(errcode.NotWellFormed, at, "", "not JSON: "+format+" (offset %d)", args...)
}

func (s *scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// top reads the one value of the input and checks that nothing follows.
func (s *scanner) top() (jvalue, error) {
	s.space()
	if s.pos == len(s.data) {
		return jvalue{}, fail(errcode.NotWellFormed, "", "", "no JSON value: the input is empty")
	}
	v, err := s.value("", 1)
	if err != nil {
		return jvalue{}, err
	}
	s.space()
	if s.pos != len(s.data) {
		return jvalue{}, fail(errcode.NotWellFormed, "", "", "more than one JSON value (offset %d)", s.pos)
	}
	return v, nil
}

func (s *scanner) value(at string, depth int) (jvalue, error) {
	if depth > s.maxDepth {
		return jvalue{}, fail(errcode.NotWellFormed, at, "", "nested deeper than %d levels", s.maxDepth)
	}
	s.space()
	if s.pos >= len(s.data) {
		return jvalue{}, s.errf(at, "JSON ends too early")
	}
	v := jvalue{at: at}
	switch c := s.data[s.pos]; {
	case c == '{':
		s.pos++
		o := &jobject{}
		s.space()
		if s.pos < len(s.data) && s.data[s.pos] == '}' {
			s.pos++
			v.obj = o
			return v, nil
		}
		for {
			s.space()
			if s.pos >= len(s.data) || s.data[s.pos] != '"' {
				return jvalue{}, s.errf(at, "want a key")
			}
			key, err := s.str(at)
			if err != nil {
				return jvalue{}, err
			}
			kat := key
			if at != "" {
				kat = at + "." + key
			}
			for _, k := range o.keys {
				if k == key {
					return jvalue{}, fail(errcode.SchemaInvalid, kat, "", "key given twice")
				}
			}
			s.space()
			if s.pos >= len(s.data) || s.data[s.pos] != ':' {
				return jvalue{}, s.errf(kat, "want ':'")
			}
			s.pos++
			item, err := s.value(kat, depth+1)
			if err != nil {
				return jvalue{}, err
			}
			o.keys = append(o.keys, key)
			o.vals = append(o.vals, item)
			s.space()
			if s.pos < len(s.data) && s.data[s.pos] == ',' {
				s.pos++
				continue
			}
			if s.pos < len(s.data) && s.data[s.pos] == '}' {
				s.pos++
				v.obj = o
				return v, nil
			}
			return jvalue{}, s.errf(at, "want ',' or '}'")
		}
	case c == '[':
		s.pos++
		v.arr = []jvalue{}
		s.space()
		if s.pos < len(s.data) && s.data[s.pos] == ']' {
			s.pos++
			return v, nil
		}
		for i := 0; ; i++ {
			item, err := s.value(at+"["+strconv.Itoa(i)+"]", depth+1)
			if err != nil {
				return jvalue{}, err
			}
			v.arr = append(v.arr, item)
			s.space()
			if s.pos < len(s.data) && s.data[s.pos] == ',' {
				s.pos++
				continue
			}
			if s.pos < len(s.data) && s.data[s.pos] == ']' {
				s.pos++
				return v, nil
			}
			return jvalue{}, s.errf(at, "want ',' or ']'")
		}
	case c == '"':
		str, err := s.str(at)
		if err != nil {
			return jvalue{}, err
		}
		v.str = &str
		return v, nil
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if strings.HasPrefix(string(s.data[s.pos:min(len(s.data), s.pos+5)]), lit) {
				s.pos += len(lit)
				switch lit {
				case "true", "false":
					b := lit == "true"
					v.bool = &b
				default:
					v.null = true
				}
				return v, nil
			}
		}
		return jvalue{}, s.errf(at, "unknown literal")
	case c == '-' || c >= '0' && c <= '9':
		start := s.pos
		for s.pos < len(s.data) && strings.IndexByte("+-0123456789.eE", s.data[s.pos]) >= 0 {
			s.pos++
		}
		num := string(s.data[start:s.pos])
		if _, err := strconv.ParseFloat(num, 64); err != nil {
			return jvalue{}, s.errf(at, "bad number %q", num)
		}
		v.num = num
		return v, nil
	}
	return jvalue{}, s.errf(at, "unexpected character %q", s.data[s.pos])
}

// str reads a string starting at the opening quote.
func (s *scanner) str(at string) (string, error) {
	s.pos++ // opening quote
	start := s.pos
	// Fast path: no escapes.
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		if c == '"' {
			out := string(s.data[start:s.pos])
			s.pos++
			return out, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", s.errf(at, "control character 0x%02X in a string", c)
		}
		s.pos++
	}
	var b strings.Builder
	b.Write(s.data[start:s.pos])
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return b.String(), nil
		case c < 0x20:
			return "", s.errf(at, "control character 0x%02X in a string", c)
		case c != '\\':
			b.WriteByte(c)
			s.pos++
			continue
		}
		if s.pos+1 >= len(s.data) {
			break
		}
		e := s.data[s.pos+1]
		s.pos += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return "", s.errf(at, "bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				if s.pos+1 < len(s.data) && s.data[s.pos] == '\\' && s.data[s.pos+1] == 'u' {
					s.pos += 2
					r2, ok := s.hex4()
					if ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							b.WriteRune(d)
							continue
						}
					}
				}
				return "", s.errf(at, "lone surrogate \\u%04X", r)
			}
			b.WriteRune(r)
		default:
			return "", s.errf(at, "bad escape \\%c", e)
		}
	}
	return "", s.errf(at, "string not closed")
}

func (s *scanner) hex4() (rune, bool) {
	if s.pos+4 > len(s.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(s.data[s.pos:s.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	s.pos += 4
	return rune(n), true
}
