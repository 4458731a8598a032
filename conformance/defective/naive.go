package defective

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/message"
)

// naiveOpen decrypts a sealed message with key and parses what comes out,
// without looking at the signature: how an endpoint that accepts bad
// signatures reads a message. Only the default and the compatibility
// profile (RSA-OAEP, AES-256-GCM) are understood.
func naiveOpen(sealed []byte, keys []*rsa.PrivateKey) (*message.Message, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(sealed); err != nil {
		return nil, err
	}
	root := doc.Root()
	if root == nil || root.Tag != "EncryptedData" {
		return nil, errors.New("no EncryptedData")
	}
	ek := root.FindElement("./KeyInfo/EncryptedKey")
	if ek == nil {
		return nil, errors.New("no EncryptedKey")
	}
	hash := crypto.SHA256
	if dm := ek.FindElement("./EncryptionMethod/DigestMethod"); dm != nil && strings.HasSuffix(dm.SelectAttrValue("Algorithm", ""), "#sha1") {
		hash = crypto.SHA1
	}
	mgf := hash
	if m := ek.FindElement("./EncryptionMethod/MGF"); m != nil && strings.HasSuffix(m.SelectAttrValue("Algorithm", ""), "mgf1sha1") {
		mgf = crypto.SHA1
	}
	wrapped, err := cipherValue(ek.FindElement("./CipherData/CipherValue"))
	if err != nil {
		return nil, err
	}
	data, err := cipherValue(root.FindElement("./CipherData/CipherValue"))
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		sk, err := k.Decrypt(rand.Reader, wrapped, &rsa.OAEPOptions{Hash: hash, MGFHash: mgf})
		if err != nil || len(sk) != 32 {
			continue
		}
		block, err := aes.NewCipher(sk)
		if err != nil {
			continue
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil || len(data) < gcm.NonceSize()+gcm.Overhead() {
			continue
		}
		plain, err := gcm.Open(nil, data[:gcm.NonceSize()], data[gcm.NonceSize():], nil)
		if err != nil {
			continue
		}
		return message.Parse(plain, message.Limits{})
	}
	return nil, errors.New("cannot decrypt")
}

func cipherValue(e *etree.Element) ([]byte, error) {
	if e == nil {
		return nil, errors.New("no CipherValue")
	}
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(e.Text()), ""))
}
