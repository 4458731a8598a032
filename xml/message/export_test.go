package message

// Hooks for the external tests (fuzz_test.go, differential_test.go).
var (
	CompareWithReference = compareWithReference
	ReferenceParse       = referenceParse
	NormaliseAttrValues  = normaliseAttrValues
)
