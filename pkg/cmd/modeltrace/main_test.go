package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRunDispatch(t *testing.T) {
	var got []string
	commands["echo-test"] = command{summary: "test command", run: func(_ context.Context, args []string, stdout io.Writer) error {
		got = args
		_, err := io.WriteString(stdout, "ran\n")
		return err
	}}
	commands["fail-test"] = command{summary: "failing command", run: func(context.Context, []string, io.Writer) error {
		return errors.New("no luck")
	}}
	commands["help-test"] = command{summary: "asks for help", run: func(context.Context, []string, io.Writer) error {
		return flag.ErrHelp
	}}
	t.Cleanup(func() {
		delete(commands, "echo-test")
		delete(commands, "fail-test")
		delete(commands, "help-test")
	})

	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"runs command", []string{"echo-test", "--x=1", "y"}, 0, "ran\n", ""},
		{"command error", []string{"fail-test"}, 1, "", "modeltrace fail-test: no luck\n"},
		{"command help", []string{"help-test", "-h"}, 0, "", ""},
		{"unknown command", []string{"nope"}, 2, "", "modeltrace: unknown command \"nope\": use one of [echo-test fail-test help-test"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.stdout, stdout.String())
			assert.Contains(t, stderr.String(), tc.stderr)
		})
	}
	assert.Equal(t, []string{"--x=1", "y"}, got)

	t.Run("usage", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(context.Background(), nil, &stdout, &stderr))
		assert.Contains(t, stderr.String(), "usage: modeltrace <command> [flags]")
		assert.Contains(t, stderr.String(), "  echo-test  test command\n")

		stderr.Reset()
		assert.Equal(t, 0, run(context.Background(), []string{"help"}, &stdout, &stderr))
		assert.Contains(t, stdout.String(), "  fail-test  failing command\n")
	})
}
