package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// errTargetsMissed is returned by runAll when at least one figure misses its target.
var errTargetsMissed = errors.New("some figures miss their targets: see the table")

// figure is one measured value and its target.
type figure struct {
	ID       string  // benchmark id, e.g. "P1"
	Name     string  // description of the measured quantity
	Measured float64 // the measured value, in Unit
	Target   float64 // the target, in Unit
	AtMost   bool    // the target is an upper bound; otherwise a lower bound
	Unit     string  // "×", "calls", "ms" or "MB"
}

// ratio returns Measured / Target, or 0 for a zero target.
func (f figure) ratio() float64 {
	if f.Target == 0 {
		return 0
	}
	return f.Measured / f.Target
}

func (f figure) met() bool {
	if f.AtMost {
		return f.Measured <= f.Target
	}
	return f.Measured >= f.Target
}

// status returns "met", or by how much the figure misses its target.
func (f figure) status() string {
	switch {
	case f.met():
		return "met"
	case f.AtMost:
		return fmt.Sprintf("missed: %s over (%.0f %% above)", formatValue(f.Measured-f.Target, f.Unit), 100*(f.ratio()-1))
	}
	return fmt.Sprintf("missed: %s short (%.0f %% below)", formatValue(f.Target-f.Measured, f.Unit), 100*(1-f.ratio()))
}

func (f figure) targetText() string {
	if f.AtMost {
		return "≤ " + formatValue(f.Target, f.Unit)
	}
	return "≥ " + formatValue(f.Target, f.Unit)
}

func formatValue(v float64, unit string) string {
	switch unit {
	case "×":
		return fmt.Sprintf("%.2f×", v)
	case "ms", "MB":
		return fmt.Sprintf("%.0f %s", v, unit)
	}
	if v == 1 {
		unit = strings.TrimSuffix(unit, "s") // "1 call", "1 scan"
	}
	return fmt.Sprintf("%.4g %s", v, unit)
}

// report collects the figures and the detail lines of a run.
type report struct {
	figures []figure
	details map[string][]string // by benchmark id
	failed  map[string]string   // benchmark id → error of a benchmark that could not run
	order   []string
}

func newReport() *report {
	return &report{details: map[string][]string{}, failed: map[string]string{}}
}

func (r *report) section(id string) {
	r.order = append(r.order, id)
}

func (r *report) add(f figure) { r.figures = append(r.figures, f) }

// note adds a detail line to benchmark id.
func (r *report) note(id, format string, args ...any) {
	r.details[id] = append(r.details[id], fmt.Sprintf(format, args...))
}

func (r *report) fail(id string, err error) { r.failed[id] = err.Error() }

// allMet reports whether every figure meets its target and every benchmark ran.
func (r *report) allMet() bool {
	if len(r.failed) > 0 {
		return false
	}
	for _, f := range r.figures {
		if !f.met() {
			return false
		}
	}
	return true
}

// writeText prints the figures as an aligned table, then the details.
func (r *report) writeText(w io.Writer) {
	rows := [][]string{{"id", "benchmark", "measured", "target", "measured/target", "result"}}
	for _, f := range r.figures {
		rows = append(rows, []string{f.ID, f.Name, formatValue(f.Measured, f.Unit), f.targetText(),
			fmt.Sprintf("%.2f", f.ratio()), f.status()})
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(cell))+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
	for _, id := range r.order {
		if msg, ok := r.failed[id]; ok {
			fmt.Fprintf(w, "\n%s failed: %s\n", id, msg)
		}
		if len(r.details[id]) > 0 {
			fmt.Fprintf(w, "\n%s details:\n", id)
			for _, line := range r.details[id] {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}
}

// writeMarkdown writes the same figures and details as a markdown page.
func (r *report) writeMarkdown(w io.Writer, machine, command string) {
	fmt.Fprintf(w, "# Benchmark results\n\nProduced by `%s` on %s.\n\n", command, machine)
	fmt.Fprintln(w, "| id | benchmark | measured | target | measured/target | result |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, f := range r.figures {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.2f | %s |\n", f.ID, f.Name, formatValue(f.Measured, f.Unit),
			f.targetText(), f.ratio(), f.status())
	}
	for _, id := range r.order {
		if msg, ok := r.failed[id]; ok {
			fmt.Fprintf(w, "\n**%s failed:** %s\n", id, msg)
		}
		if len(r.details[id]) > 0 {
			fmt.Fprintf(w, "\n## %s\n\n", id)
			for _, line := range r.details[id] {
				fmt.Fprintf(w, "- %s\n", line)
			}
		}
	}
}
