package validate

/*
#cgo pkg-config: libxml-2.0
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlschemas.h>

#define XG_MAX_ERRS 32

typedef struct {
	int n;
	int truncated;
	int line[XG_MAX_ERRS];
	char *msg[XG_MAX_ERRS];
	char *path[XG_MAX_ERRS];
} xg_errs;

static void xg_structured(void *ctx, xmlErrorPtr err) {
	xg_errs *e = (xg_errs *)ctx;
	if (err == NULL || err->level < XML_ERR_ERROR) {
		return;
	}
	if (e->n >= XG_MAX_ERRS) {
		e->truncated = 1;
		return;
	}
	int i = e->n++;
	e->line[i] = err->line;
	e->msg[i] = err->message ? strdup(err->message) : NULL;
	e->path[i] = NULL;
	if (err->node != NULL) {
		xmlNodePtr node = (xmlNodePtr)err->node;
		xmlChar *p = xmlGetNodePath(node);
		if (p != NULL) {
			e->path[i] = strdup((const char *)p);
			xmlFree(p);
		}
		if (e->line[i] == 0) {
			e->line[i] = (int)xmlGetLineNo(node);
		}
	}
}

// Pointers arrive as uintptr_t: lestrrat-go/libxml2 hands them out as uintptr.
static int xg_validate(uintptr_t schemaPtr, uintptr_t docPtr, xg_errs *out) {
	xmlSchemaPtr schema = (xmlSchemaPtr)schemaPtr;
	xmlDocPtr doc = (xmlDocPtr)docPtr;
	xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(schema);
	if (v == NULL) {
		return -1;
	}
	xmlSchemaSetValidStructuredErrors(v, xg_structured, out);
	int rc = xmlSchemaValidateDoc(v, doc);
	xmlSchemaFreeValidCtxt(v);
	return rc;
}

static void xg_free_errs(xg_errs *e) {
	for (int i = 0; i < e->n; i++) {
		free(e->msg[i]);
		free(e->path[i]);
	}
	free(e);
}

// Process-wide: libxml2 never fetches http:// or ftp:// resources.
static void xg_no_network(void) {
	xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
}
*/
import "C"

import (
	"strings"
	"unsafe"

	"github.com/lestrrat-go/libxml2/parser"
	"github.com/lestrrat-go/libxml2/types"
	"github.com/lestrrat-go/libxml2/xsd"
)

// libxmlParseOptions: no network, no entity substitution, no DTD loading,
// no XInclude, no error printing to stderr, line numbers above 65535.
const libxmlParseOptions = parser.XMLParseNoNet | parser.XMLParseNoError | parser.XMLParseNoWarning | parser.XMLParseBigLines

func disableNetwork() { C.xg_no_network() }

// schemaError is one finding of libxml2's schema validation.
type schemaError struct {
	Line int
	Path string // libxml2 node path with prefixes removed
	Msg  string
}

// parseLibxml parses data with libxml2. The caller must Free the document.
func parseLibxml(data []byte) (types.Document, error) {
	return parser.New(libxmlParseOptions).Parse(data)
}

// validateSchema validates doc against schema and returns libxml2's
// findings (at most 32; truncated reports whether more were dropped).
func validateSchema(schema *xsd.Schema, doc types.Document) (errs []schemaError, truncated bool, ok bool) {
	out := (*C.xg_errs)(C.calloc(1, C.size_t(unsafe.Sizeof(C.xg_errs{}))))
	defer C.xg_free_errs(out)
	rc := C.xg_validate(C.uintptr_t(schema.Pointer()), C.uintptr_t(doc.Pointer()), out)
	for i := 0; i < int(out.n); i++ {
		e := schemaError{Line: int(out.line[i])}
		if out.msg[i] != nil {
			e.Msg = strings.TrimSpace(C.GoString(out.msg[i]))
		}
		if out.path[i] != nil {
			e.Path = stripPrefixes(C.GoString(out.path[i]))
		}
		errs = append(errs, e)
	}
	if rc != 0 && len(errs) == 0 {
		errs = append(errs, schemaError{Msg: "schema validation failed"})
	}
	return errs, out.truncated != 0, rc == 0
}

// stripPrefixes turns "/xaus:A.B.900001/kopf/x[2]" into "/A.B.900001/kopf/x[2]".
func stripPrefixes(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if j := strings.IndexByte(s, ':'); j >= 0 {
			parts[i] = s[j+1:]
		}
	}
	return strings.Join(parts, "/")
}
