package message_test

import (
	"testing"

	"github.com/xgate/xgate/xml/message"
)

// lookAlikeSpaces are the Unicode space and invisible characters that are
// not XML white space and so must never be trimmed.
var lookAlikeSpaces = []rune{0x00A0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
	0x2007, 0x2008, 0x2009, 0x200A, 0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF, 0x0085}

func TestXMLSpaceOnly(t *testing.T) {
	for _, s := range []string{" a ", "\ta\n", "\r\n a \r\n"} {
		if got := message.TrimXMLSpace(s); got != "a" {
			t.Errorf("TrimXMLSpace(%q) = %q", s, got)
		}
	}
	if got := message.CollapseXMLSpace("  a \t\n b  "); got != "a b" {
		t.Errorf("CollapseXMLSpace = %q", got)
	}
	for _, r := range lookAlikeSpaces {
		s := string(r) + "DVDV" + string(r)
		if got := message.TrimXMLSpace(s); got != s {
			t.Errorf("TrimXMLSpace trims U+%04X: %q", r, got)
		}
		if got := message.CollapseXMLSpace(" " + s + " "); got != s {
			t.Errorf("CollapseXMLSpace trims U+%04X: %q", r, got)
		}
		if message.IsXMLSpace(r) {
			t.Errorf("IsXMLSpace(U+%04X) = true", r)
		}
	}
}

func TestCanonicalUUID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"5E6F7A8B-9C0D-4E1F-B203-4C5D6E7F8091", "5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f8091"},
		{"5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f8091", "5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f8091"},
		{"\n 5E6F7A8B-9C0D-4E1F-B203-4C5D6E7F8091\t", "5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f8091"},
		// Not XML white space: kept, so the value never equals the UUID.
		{"5E6F7A8B-9C0D-4E1F-B203-4C5D6E7F8091\u00a0", "5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f8091\u00a0"},
		// Only A-F are folded: a look-alike letter stays.
		{"5E6F7A8B-9C0D-4E1F-B203-4C5D6E7F809Ｆ", "5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f809Ｆ"},
	}
	for _, tc := range tests {
		if got := message.CanonicalUUID(tc.in); got != tc.want {
			t.Errorf("CanonicalUUID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if message.CanonicalUUID("A") == message.CanonicalUUID("a\u00a0") {
		t.Error("a value with a no-break space equals one without")
	}
}

func TestValidUUID(t *testing.T) {
	good := []string{"5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f8091", "5E6F7A8B-9C0D-4E1F-B203-4C5D6E7F8091"}
	bad := []string{"", "5e6f7a8b9c0d4e1fb2034c5d6e7f8091", " 5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f8091",
		"5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f8091\u00a0", "5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f809g", "5e6f7a8b_9c0d-4e1f-b203-4c5d6e7f8091"}
	for _, s := range good {
		if !message.ValidUUID(s) {
			t.Errorf("ValidUUID(%q) = false", s)
		}
	}
	for _, s := range bad {
		if message.ValidUUID(s) {
			t.Errorf("ValidUUID(%q) = true", s)
		}
	}
}
