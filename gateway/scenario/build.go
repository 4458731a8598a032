package scenario

import (
	"context"
	"fmt"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

// step returns a step that builds its message from the plain sample name
// of typ, changed by ed.
func step(name string, from, to kennung.Role, typ, sampleName string, expect []string, ed edit) Step {
	return Step{Name: name, From: from, To: to, Type: typ, Expect: expect,
		Build: func(ctx context.Context, env *Env) ([]byte, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b, err := env.compose(from, to, typ, sampleName, ed)
			if err != nil {
				return nil, fmt.Errorf("scenario: step %s: %w", name, err)
			}
			return b, nil
		}}
}

// sent returns the element at path of the message sent in step.
func (e *Env) sent(step, path string) (*etree.Element, error) {
	m, err := e.Message(step)
	if err != nil {
		return nil, err
	}
	return find(m.Root, path, step)
}

// answered returns the element at path of the answer typ to step.
func (e *Env) answered(step, typ, path string) (*etree.Element, error) {
	m, err := e.Answer(step, typ)
	if err != nil {
		return nil, err
	}
	return find(m.Root, path, step+" "+typ)
}

func find(root *etree.Element, path, what string) (*etree.Element, error) {
	el := root.FindElement(path)
	if el == nil {
		return nil, fmt.Errorf("scenario: %s has no %s", what, path)
	}
	return el, nil
}

// put replaces the element at path below root with a copy of src (keeping
// the tag at path).
func put(root *etree.Element, path string, src *etree.Element) error {
	old, err := find(root, path, root.Tag)
	if err != nil {
		return err
	}
	sample.Replace(old, src)
	return nil
}

// set sets the text of the element at path below root.
func set(root *etree.Element, path, text string) error { return sample.SetText(root, path, text) }

// removeAll removes the children of root named tag.
func removeAll(root *etree.Element, tag string) {
	for _, e := range root.SelectElements(tag) {
		root.RemoveChild(e)
	}
}

// personWith returns a copy of the bas:Person p with AZR number n ("":
// without one).
func personWith(p *etree.Element, n string) *etree.Element {
	c := p.Copy()
	if old := c.SelectElement("azrNummer"); old != nil {
		c.RemoveChild(old)
	}
	if n != "" {
		e := etree.NewElement("azrNummer")
		e.SetText(n)
		c.InsertChildAt(0, e)
	}
	return c
}

// textOf is the token text of e.
func textOf(e *etree.Element) string { return message.TokenText(e) }

// checkText returns an AfterAnswer that checks, for answers of type typ,
// that the text at path equals want(env), or is a valid AZR number when
// want is nil.
func checkText(typ, path string, want func(env *Env) (string, error)) func(context.Context, *Env, Answer) error {
	return func(_ context.Context, env *Env, a Answer) error {
		if a.Type != typ {
			return nil
		}
		m, err := message.Parse(a.XML, message.Limits{})
		if err != nil {
			return err
		}
		got := message.TokenText(m.Root.FindElement(path))
		if want == nil {
			if !validate.ValidAZRNumber(got) {
				return fmt.Errorf("scenario: %s %s: %q is not an AZR number", typ, path, got)
			}
			return nil
		}
		w, err := want(env)
		if err != nil {
			return err
		}
		if got != w {
			return fmt.Errorf("scenario: %s %s is %q, want %q", typ, path, got, w)
		}
		return nil
	}
}

// sentText returns a function giving the text at path of step's message.
func sentText(step, path string) func(env *Env) (string, error) {
	return func(env *Env) (string, error) {
		e, err := env.sent(step, path)
		if err != nil {
			return "", err
		}
		return textOf(e), nil
	}
}

// answerText returns a function giving the text at path of the answer typ
// to step.
func answerText(step, typ, path string) func(env *Env) (string, error) {
	return func(env *Env) (string, error) {
		e, err := env.answered(step, typ, path)
		if err != nil {
			return "", err
		}
		return textOf(e), nil
	}
}
