package main

import (
	"context"
	"io"

	"github.com/modeltrace/soroban-datasource/pkg/traffic"
)

func init() {
	commands["traffic"] = command{
		summary: "submit audit-registry transactions (models, inferences, bias flags) to a network",
		run:     runTraffic,
	}
}

// runTraffic runs `modeltrace traffic`. pkg/traffic defines its flags and the call flow.
func runTraffic(ctx context.Context, args []string, stdout io.Writer) error {
	return traffic.Command(ctx, args, stdout)
}
