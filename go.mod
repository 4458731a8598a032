module github.com/xgate/xgate

go 1.26.8

require (
	github.com/beevik/etree v1.8.1
	github.com/lestrrat-go/libxml2 v0.0.0-20260709020957-3f0f7bd60b63
	golang.org/x/text v0.41.0
)

require github.com/pkg/errors v0.9.1 // indirect
