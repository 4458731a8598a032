package catalogue

import (
	_ "embed"
	"io/fs"
)

//go:embed mapping.md
var mappingMarkdown []byte

// MappingMarkdown returns mapping.md: every message type and code list
// with its real counterpart (XAusländer / XInneres 26.11, DESTATIS) or
// "own design". TestMappingTable keeps the file current; the vendor
// package ships it.
func MappingMarkdown() []byte { return append([]byte(nil), mappingMarkdown...) }

// BuiltinCodeListFS returns the genericode files of the built-in code
// lists (the files BuiltinCodeLists reads), at the root of the FS.
func BuiltinCodeListFS() fs.FS {
	sub, err := fs.Sub(builtinLists, "codelists")
	if err != nil {
		panic(err) // the embedded tree has the folder: programmer error
	}
	return sub
}
