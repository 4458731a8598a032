// Package schemas embeds xgate's XML schemas and generates the code types
// from the code lists.
//
// # Overview
//
// The schemas are layered like XÖV: xgate-code.xsd (the Code type),
// xgate-basis.xsd (data types, header, message base) with its includes
// xgate-bausteine.xsd (person, address, …) and xgate-codetypes.xsd (one
// Code.X type per code list, generated), and one file per message group,
// all included by the driver xauslaender.xsd.
//
// xgate-codetypes.xsd is generated from the code lists of package
// catalogue by CodeTypesXSD; TestCodeTypesUpToDate fails when it is stale
// and rewrites it with -update.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/xgate/xgate/xml/catalogue"
)

//go:embed *.xsd
var files embed.FS

// Namespaces.
const (
	NSMessages = "urn:xgate:de:xauslaender:1"
	NSBasis    = "urn:xgate:de:basis:1"
	NSCode     = "urn:xgate:de:xoev-code:1"
	NSAppinfo  = "urn:xgate:de:appinfo:1"
)

// Standard and Version are the values of the root attributes standard and
// version that these schemas implement.
const (
	Standard = "XAuslaender-xgate"
	Version  = "1.0"
)

// Driver is the file that includes every group.
const Driver = "xauslaender.xsd"

// CodeTypesFile is the generated file of code types.
const CodeTypesFile = "xgate-codetypes.xsd"

// FS returns the embedded schema files.
func FS() fs.FS { return files }

// WriteDir writes every schema file into dir (which must exist) and
// returns the path of the driver. libxml2 resolves xs:include and
// xs:import relative to that path.
func WriteDir(dir string) (string, error) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		data, err := files.ReadFile(e.Name())
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o600); err != nil {
			return "", fmt.Errorf("schemas: %w", err)
		}
	}
	return filepath.Join(dir, Driver), nil
}

// CodeTypesXSD renders one Code.X complex type per code-list type: a
// restriction of xgc:Code whose listURI is fixed to the list. The version
// stays free in the schema and is checked at run time (S010).
func CodeTypesXSD(cl *catalogue.CodeLists) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated from xml/catalogue/codelists by schemas.CodeTypesXSD; do not edit.
     Regenerate: go test ./xml/schemas -run TestCodeTypesUpToDate -update -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xgc="urn:xgate:de:xoev-code:1"
           xmlns:bas="urn:xgate:de:basis:1"
           xmlns:xg="urn:xgate:de:appinfo:1"
           targetNamespace="urn:xgate:de:basis:1"
           elementFormDefault="unqualified" attributeFormDefault="unqualified"
           version="1.0">
  <xs:annotation>
    <xs:documentation xml:lang="de">Codetypen, je einer pro Codeliste.</xs:documentation>
    <xs:documentation xml:lang="en">Code types, one per code list.</xs:documentation>
  </xs:annotation>
  <xs:import namespace="urn:xgate:de:xoev-code:1" schemaLocation="xgate-code.xsd"/>
`)
	seen := map[string]bool{}
	for _, l := range cl.Lists() {
		if seen[l.Type] {
			continue
		}
		seen[l.Type] = true
		fmt.Fprintf(&b, `
  <xs:complexType name="%s">
    <xs:annotation>
      <xs:documentation xml:lang="de">%s</xs:documentation>
      <xs:documentation xml:lang="en">%s</xs:documentation>
      <xs:appinfo><xg:codeliste uri="%s"/></xs:appinfo>
    </xs:annotation>
    <xs:complexContent>
      <xs:restriction base="xgc:Code">
        <xs:sequence>
          <xs:element name="code" type="xs:token">
            <xs:annotation>
              <xs:documentation xml:lang="de">Schlüssel aus der Codeliste.</xs:documentation>
              <xs:documentation xml:lang="en">Key from the code list.</xs:documentation>
            </xs:annotation>
          </xs:element>
          <xs:element name="name" type="xs:normalizedString" minOccurs="0">
            <xs:annotation>
              <xs:documentation xml:lang="de">Beschreibung des Schlüssels (informativ).</xs:documentation>
              <xs:documentation xml:lang="en">Description of the key (informative).</xs:documentation>
            </xs:annotation>
          </xs:element>
        </xs:sequence>
        <xs:attribute name="listURI" type="xs:anyURI" use="required" fixed="%s">
          <xs:annotation>
            <xs:documentation xml:lang="de">Kennung der Codeliste (fest).</xs:documentation>
            <xs:documentation xml:lang="en">URI of the code list (fixed).</xs:documentation>
          </xs:annotation>
        </xs:attribute>
        <xs:attribute name="listVersionID" type="xs:normalizedString" use="required">
          <xs:annotation>
            <xs:documentation xml:lang="de">Version der Codeliste; unbekannte Versionen führen zu S010.</xs:documentation>
            <xs:documentation xml:lang="en">Version of the code list; unknown versions are answered with S010.</xs:documentation>
          </xs:annotation>
        </xs:attribute>
      </xs:restriction>
    </xs:complexContent>
  </xs:complexType>
`, l.Type, xmlEscape(l.DE), xmlEscape(l.EN), l.URI, l.URI)
	}
	b.WriteString("</xs:schema>\n")
	return []byte(b.String())
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
