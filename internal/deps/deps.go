//go:build tools

package deps

import (
	_ "github.com/HdrHistogram/hdrhistogram-go"
	_ "github.com/goccy/go-yaml"
	_ "github.com/moby/moby/client"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/spf13/cobra"
	_ "github.com/testcontainers/testcontainers-go"
	_ "github.com/testcontainers/testcontainers-go/network"
	_ "github.com/tsenart/vegeta/v12/lib"
	_ "github.com/vbauerster/mpb/v8"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/term"
)
