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
	"sort"
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

// CodeTypesXSD renders one Code.X complex type per code list, in the manner
// of the XÖV code types: a restriction of xgc:Code whose listURI is fixed
// to the list and optional (a sender may omit it, as in xoev-code:Code).
// For code type kind 1 the schema also enumerates the values and fixes the
// version (listVersionID optional); for kind 3 the version is required in
// the instance and checked at run time (S010). The appinfo names the list,
// its version, validity start, kind and real counterpart.
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
	lists := cl.Lists()
	sort.Slice(lists, func(i, j int) bool { return lists[i].Type < lists[j].Type })
	for _, l := range lists {
		if seen[l.Type] {
			continue
		}
		seen[l.Type] = true
		l, _ = cl.Latest(l.URI)
		fmt.Fprintf(&b, `
  <xs:complexType name="%s">
    <xs:annotation>
      <xs:documentation xml:lang="de">%s</xs:documentation>
      <xs:documentation xml:lang="en">%s</xs:documentation>
      <xs:appinfo><xg:codeliste uri="%s" version="%s" gueltigAb="%s" codetyp="%s" gegenstueck="%s"/></xs:appinfo>
    </xs:annotation>
    <xs:complexContent>
      <xs:restriction base="xgc:Code">
        <xs:sequence>
`, l.Type, xmlEscape(l.DE), xmlEscape(l.EN), l.URI, l.Version, l.ValidFrom, l.CodeTypeKind, l.Kind)
		if l.CodeTypeKind == "1" {
			b.WriteString(`          <xs:element name="code">
            <xs:annotation>
              <xs:documentation xml:lang="de">Schlüssel aus der Codeliste (im Schema aufgezählt).</xs:documentation>
              <xs:documentation xml:lang="en">Key from the code list (enumerated in the schema).</xs:documentation>
            </xs:annotation>
            <xs:simpleType>
              <xs:restriction base="xs:token">
`)
			for _, v := range l.Values {
				fmt.Fprintf(&b, "                <xs:enumeration value=\"%s\"/>\n", xmlEscape(v.Code))
			}
			b.WriteString(`              </xs:restriction>
            </xs:simpleType>
          </xs:element>
`)
		} else {
			b.WriteString(`          <xs:element name="code" type="xs:token">
            <xs:annotation>
              <xs:documentation xml:lang="de">Schlüssel aus der Codeliste.</xs:documentation>
              <xs:documentation xml:lang="en">Key from the code list.</xs:documentation>
            </xs:annotation>
          </xs:element>
`)
		}
		b.WriteString(`          <xs:element name="name" type="xs:normalizedString" minOccurs="0">
            <xs:annotation>
              <xs:documentation xml:lang="de">Beschreibung des Schlüssels (informativ).</xs:documentation>
              <xs:documentation xml:lang="en">Description of the key (informative).</xs:documentation>
            </xs:annotation>
          </xs:element>
        </xs:sequence>
`)
		fmt.Fprintf(&b, `        <xs:attribute name="listURI" type="xs:anyURI" use="optional" fixed="%s">
          <xs:annotation>
            <xs:documentation xml:lang="de">Kennung der Codeliste (fest; darf fehlen).</xs:documentation>
            <xs:documentation xml:lang="en">URI of the code list (fixed; may be omitted).</xs:documentation>
          </xs:annotation>
        </xs:attribute>
`, l.URI)
		if l.CodeTypeKind == "1" {
			fmt.Fprintf(&b, `        <xs:attribute name="listVersionID" type="xs:normalizedString" use="optional" fixed="%s">
          <xs:annotation>
            <xs:documentation xml:lang="de">Version der Codeliste (fest; darf fehlen).</xs:documentation>
            <xs:documentation xml:lang="en">Version of the code list (fixed; may be omitted).</xs:documentation>
          </xs:annotation>
        </xs:attribute>
`, l.Version)
		} else {
			b.WriteString(`        <xs:attribute name="listVersionID" type="xs:normalizedString" use="required">
          <xs:annotation>
            <xs:documentation xml:lang="de">Version der Codeliste; unbekannte Versionen führen zu S010.</xs:documentation>
            <xs:documentation xml:lang="en">Version of the code list; unknown versions are answered with S010.</xs:documentation>
          </xs:annotation>
        </xs:attribute>
`)
		}
		b.WriteString(`      </xs:restriction>
    </xs:complexContent>
  </xs:complexType>
`)
	}
	b.WriteString("</xs:schema>\n")
	return []byte(b.String())
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
