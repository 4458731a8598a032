package live

import (
	"slices"

	"github.com/xgate/xgate/xml/errcode"
)

// The kinds of case. Every kind runs once per message type the target
// receives (Config.Types narrows them).
const (
	// KindReceipt: a valid message, sealed for the target; its answer must
	// be a Transportquittung signed with one of the target's signing
	// certificates, naming the message's nachrichtenUUID and the SHA-256
	// of the bytes sent.
	KindReceipt = "receipt"
	// KindAnswer: as KindReceipt, then a business answer of a type the
	// catalogue allows must arrive at the runner's gateway within
	// Config.AnswerTimeout, signed by the target and valid (only with
	// Config.Answers, and for types that expect an answer).
	KindAnswer = "answer"
	// KindTamperedCiphertext: one byte of the ciphertext flipped: T020.
	KindTamperedCiphertext = "tampered-ciphertext"
	// KindTamperedSignature: the signed message changed after signing
	// (its erstellungszeitpunkt), then encrypted: T011.
	KindTamperedSignature = "tampered-signature"
	// KindWrongKey: signed with another key than the one of the
	// certificate in KeyInfo (the runner's own, valid certificate): T011.
	KindWrongKey = "wrong-key"
	// KindUntrustedCertificate: signed with a self-signed certificate
	// naming the runner's kennung: T002.
	KindUntrustedCertificate = "untrusted-certificate"
	// KindExpiredCertificate: signed with a certificate of the trusted CA
	// naming the runner's kennung that expired yesterday: T000 (only with
	// Config.CA).
	KindExpiredCertificate = "expired-certificate"
	// KindWrongRecipient: the header's leser is another participant, the
	// message sealed for and delivered to the target: T080.
	KindWrongRecipient = "wrong-recipient"
	// KindUnauthorised: sent by a participant the directory does not allow
	// to send the type to the target: T070.
	KindUnauthorised = "unauthorised"
	// KindSchemaInvalid: an X001 vector of the type with the header
	// rewritten for the delivery: X001.
	KindSchemaInvalid = "schema-invalid"
	// KindDuplicate: the same sealed bytes delivered twice: the second
	// answer must be the first receipt again, and (with
	// Config.Inspector) the message handed over once.
	KindDuplicate = "duplicate"
	// KindDuplicateResealed: the same message (same nachrichtenUUID)
	// sealed again, as a sender resends it: the first receipt again, its
	// hashwert that of the first delivery.
	KindDuplicateResealed = "duplicate-resealed"
)

// KindInfo describes a kind of case.
type KindInfo struct {
	Kind string
	// Code is the fehlercode the target's Rückweisung must carry; "" for
	// the kinds that expect a receipt.
	Code errcode.Code
	// Title is one line for people.
	Title string
}

var kinds = []KindInfo{
	{KindReceipt, "", "valid message: a signed transport receipt for it"},
	{KindAnswer, "", "valid message: a valid business answer in time"},
	{KindTamperedCiphertext, errcode.DecryptFailed, "ciphertext altered: Rückweisung T020"},
	{KindTamperedSignature, errcode.SignatureInvalid, "signed content altered after signing: Rückweisung T011"},
	{KindWrongKey, errcode.SignatureInvalid, "signature by another key than the certificate's: Rückweisung T011"},
	{KindUntrustedCertificate, errcode.CertInvalid, "self-signed signing certificate: Rückweisung T002"},
	{KindExpiredCertificate, errcode.CertExpired, "expired signing certificate: Rückweisung T000"},
	{KindWrongRecipient, errcode.WrongRecipient, "leser is another participant: Rückweisung T080"},
	{KindUnauthorised, errcode.SenderNotAuthorised, "sender not allowed this type: Rückweisung T070"},
	{KindSchemaInvalid, errcode.SchemaInvalid, "schema-invalid message: Rückweisung X001"},
	{KindDuplicate, "", "the same bytes again: the original receipt again, handed over once"},
	{KindDuplicateResealed, "", "the same message sealed again: the original receipt again, handed over once"},
}

// Kinds returns the kinds of case in the order the report lists them.
func Kinds() []KindInfo { return slices.Clone(kinds) }

func kindInfo(k string) KindInfo {
	for _, i := range kinds {
		if i.Kind == k {
			return i
		}
	}
	return KindInfo{Kind: k}
}

func validKind(k string) bool { return kindInfo(k).Title != "" }
