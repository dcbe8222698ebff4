package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/modeltrace/soroban-datasource/pkg/plugintest"
)

// runOptions are the flags of `modeltrace-bench run`.
type runOptions struct {
	root   string
	out    string
	only   []string
	plugin string
	node   string
	scale  scaleOptions
	stream streamOptions
}

// benchmarks lists the benchmarks in run order, each with its time limit.
var benchmarks = []struct {
	id      string
	timeout time.Duration
	run     func(ctx context.Context, env *benchEnv) error
}{
	{"P1", 2 * time.Minute, benchDecode},
	{"P2", 2 * time.Minute, benchDashboard},
	{"P3", 5 * time.Minute, benchScale},
	{"P4", time.Minute, benchWindow},
	{"P5", time.Minute, benchStream},
}

// benchEnv is the context of every benchmark: the options, the plugin binary and the report.
type benchEnv struct {
	opts   runOptions
	plugin string
	report *report
	log    io.Writer
}

func parseRunFlags(args []string, output io.Writer) (runOptions, error) {
	var opts runOptions
	var only string
	flags := flag.NewFlagSet("run", flag.ContinueOnError)
	flags.SetOutput(output)

	flags.StringVar(&opts.root, "root", "", "repository root (the directory holding go.mod); default: found above the working directory")
	flags.StringVar(&opts.out, "out", "", "markdown file to write the results to; default ROOT/bench/results.md, \"-\" for none")
	flags.StringVar(&only, "only", "", "comma-separated benchmark ids to run, e.g. P1,P3; default all")
	flags.StringVar(&opts.plugin, "plugin", "", "plugin binary to run; default: build ./pkg into a temporary directory")
	flags.StringVar(&opts.node, "node", "node", "Node.js executable for the P1 Node side")
	flags.IntVar(&opts.scale.ledgers, "p3-ledgers", 17_281, "P3: ledgers in the generated day")
	flags.IntVar(&opts.scale.perLedger, "p3-events-per-ledger", 174, "P3: contract calls per generated ledger")
	flags.IntVar(&opts.stream.ledgers, "p5-ledgers", 20, "P5: ledgers to publish while the stream runs")
	flags.DurationVar(&opts.stream.poll, "p5-poll", time.Second, "P5: the datasource's livePollMs setting, as a duration")
	if err := flags.Parse(args); err != nil {
		return opts, err
	}
	if flags.NArg() > 0 {
		return opts, fmt.Errorf("unexpected arguments %q: run takes only flags", flags.Args())
	}

	for _, id := range strings.Split(only, ",") {
		if id = strings.ToUpper(strings.TrimSpace(id)); id != "" {
			opts.only = append(opts.only, id)
		}
	}

	switch {
	case opts.scale.ledgers < 2 || opts.scale.perLedger < 1:
		return opts, fmt.Errorf("invalid --p3-ledgers %d or --p3-events-per-ledger %d: use at least 2 ledgers and 1 call",
			opts.scale.ledgers, opts.scale.perLedger)
	case opts.stream.ledgers < 1 || opts.stream.poll < 10*time.Millisecond:
		return opts, fmt.Errorf("invalid --p5-ledgers %d or --p5-poll %s: use at least 1 ledger and 10ms",
			opts.stream.ledgers, opts.stream.poll)
	}
	return opts, nil
}

// runAll runs the selected benchmarks, prints the table and writes the markdown file.
func runAll(ctx context.Context, args []string, stdout io.Writer) error {
	opts, err := parseRunFlags(args, stdout)
	if err != nil {
		return err
	}
	if opts.root == "" {
		wd, _ := os.Getwd()
		if opts.root, err = plugintest.ModuleRoot(wd); err != nil {
			return fmt.Errorf("find the repository root: %w: run from the repository or pass --root", err)
		}
	}
	if opts.out == "" {
		opts.out = filepath.Join(opts.root, "bench", "results.md")
	}

	env := &benchEnv{opts: opts, report: newReport(), log: stdout}
	cleanup, err := env.preparePlugin()
	if err != nil {
		return err
	}
	defer cleanup()

	start := time.Now()
	for _, b := range benchmarks {
		if len(opts.only) > 0 && !slices.Contains(opts.only, b.id) {
			continue
		}
		env.report.section(b.id)
		fmt.Fprintf(stdout, "==> %s (at most %s)\n", b.id, b.timeout)
		bctx, cancel := context.WithTimeout(ctx, b.timeout)
		benchStart := time.Now()
		err := b.run(bctx, env)
		cancel()
		if err != nil {
			env.report.fail(b.id, err)
			fmt.Fprintf(stdout, "    %s failed after %s: %v\n", b.id, time.Since(benchStart).Round(time.Second), err)
		} else {
			fmt.Fprintf(stdout, "    %s done in %s\n", b.id, time.Since(benchStart).Round(time.Second))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}

	machine := describeMachine()
	fmt.Fprintf(stdout, "\nResults (%s, %s in total):\n\n", machine, time.Since(start).Round(time.Second))
	env.report.writeText(stdout)
	if opts.out != "-" {
		if err := env.writeMarkdown(machine); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nWrote %s\n", opts.out)
	}
	if !env.report.allMet() {
		return errTargetsMissed
	}
	return nil
}

func (env *benchEnv) writeMarkdown(machine string) error {
	f, err := os.Create(env.opts.out)
	if err != nil {
		return fmt.Errorf("write results: %w: pass --out PATH or --out -", err)
	}
	env.report.writeMarkdown(f, machine, "scripts/bench.sh")
	return f.Close()
}

// preparePlugin builds the plugin binary unless --plugin names one, and returns a function
// that removes the build directory.
func (env *benchEnv) preparePlugin() (func(), error) {
	if env.opts.plugin != "" {
		env.plugin = env.opts.plugin
		return func() {}, nil
	}
	dir, err := os.MkdirTemp("", "modeltrace-bench")
	if err != nil {
		return nil, fmt.Errorf("create a build directory: %w", err)
	}
	fmt.Fprintln(env.log, "==> building the plugin binary")
	if env.plugin, err = plugintest.Build(env.opts.root, dir); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return func() { _ = os.RemoveAll(dir) }, nil
}

// describeMachine returns the CPU model, the cores and the Go version.
func describeMachine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		scanner := bufio.NewScanner(f)
		for scanner.Scan() {
			if name, value, ok := strings.Cut(scanner.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
				model = strings.TrimSpace(value)
				break
			}
		}
		_ = f.Close()
	}
	return fmt.Sprintf("%s, %d cores, %s %s/%s", model, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
