module github.com/xgate/xgate

go 1.26.8

require github.com/beevik/etree v1.8.1
