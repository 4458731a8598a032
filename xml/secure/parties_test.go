package secure_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/secure"
)

// TestCheckParties: the header's autor is tied to the signer and to the
// expected sender (T070), its leser to the expected recipient (T080);
// kennungen compare exactly.
func TestCheckParties(t *testing.T) {
	p := getPKI(t)
	const signer, me = "azr:abh-musterstadt", "dbs:499990020000"
	// The sample is from the AZR to an ABH; make it from the test signer
	// to me.
	withParties := func(autor, leser string) string {
		msg := string(sampleMessage(t))
		for party, k := range map[string]string{"autor": autor, "leser": leser} {
			re := regexp.MustCompile(`(?s)(<` + party + `>.*?<kennung>)[^<]*(</kennung>)`)
			m := re.FindStringSubmatchIndex(msg)
			if m == nil {
				t.Fatalf("no %s kennung in the sample", party)
			}
			msg = msg[:m[3]] + k + msg[m[4]:]
		}
		return msg
	}
	cases := []struct {
		name              string
		msg               string
		signer            func(*testPKI) party
		sender, recipient kennung.Kennung
		want              errcode.Code
	}{
		{name: "autor is the signer", msg: withParties(signer, me)},
		{name: "autor is the signer and the expected sender, leser is me", msg: withParties(signer, me), sender: signer, recipient: me},
		{name: "XML white space around the kennungen", msg: withParties("\n  "+signer+"\t", " "+me+"\r\n"), sender: signer, recipient: me},
		{name: "autor is another authority than the signer", msg: withParties("dbs:499990030000", me), want: errcode.SenderNotAuthorised},
		{name: "autor is not the expected sender", msg: withParties(signer, me), sender: "azr:999902", want: errcode.SenderNotAuthorised},
		{name: "autor with a trailing no-break space", msg: withParties(signer+"\u00a0", me), want: errcode.SenderNotAuthorised},
		{name: "autor with a line feed inside", msg: withParties("azr:abh-\nmusterstadt", me), want: errcode.SenderNotAuthorised},
		{name: "autor in upper case", msg: withParties(strings.ToUpper(signer[:3])+signer[3:], me), want: errcode.SenderNotAuthorised},
		{name: "signer without kennung", msg: withParties(signer, me), signer: func(p *testPKI) party { return p.NoKennung }, want: errcode.SenderNotAuthorised},
		{name: "two autor elements", msg: strings.Replace(withParties(signer, me), "</autor>", "</autor><autor><kennung>"+signer+"</kennung></autor>", 1),
			want: errcode.SenderNotAuthorised},
		{name: "leser is someone else", msg: withParties(signer, "dbs:499990030000"), recipient: me, want: errcode.WrongRecipient},
		{name: "leser with a no-break space", msg: withParties(signer, me+"\u00a0"), recipient: me, want: errcode.WrongRecipient},
		{name: "leser not checked without a recipient", msg: withParties(signer, "not a kennung")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := p.sealOpts(secure.ProfileDefault)
			if tc.signer != nil {
				s := tc.signer(p)
				o.SigningKey, o.SigningCert = s.Key, s.Cert
			}
			sealed, err := secure.Seal(context.Background(), []byte(tc.msg), o)
			if err != nil {
				t.Fatal(err)
			}
			op, err := secure.Open(context.Background(), sealed, p.openOpts())
			if err != nil {
				t.Fatal(err)
			}
			err = secure.CheckParties(op, tc.sender, tc.recipient)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if c := codeOf(t, err); c != tc.want {
				t.Fatalf("code %s, want %s: %v", c, tc.want, err)
			}
			if strings.ContainsAny(err.Error(), "\n\u00a0") {
				t.Errorf("the error carries a raw value from the message: %q", err.Error())
			}
			t.Log(err)
		})
	}
}
