package deploytest

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// DockerfileStage is one build stage of a Dockerfile: a FROM line and the instructions after it.
type DockerfileStage struct {
	// Name is the stage name after AS, empty for an unnamed stage.
	Name string
	// Base is the image reference after FROM.
	Base         string
	Instructions []DockerInstruction
}

// DockerInstruction is one Dockerfile instruction with its continuation lines joined.
type DockerInstruction struct {
	// Line is the 1-based line number where the instruction starts.
	Line int
	// Keyword is the instruction name in upper case, such as "RUN" or "COPY".
	Keyword string
	// Flags are the leading --name=value words, such as "--from=frontend".
	Flags []string
	// Args are the words after the flags. A JSON array form yields its elements, and RUN, CMD
	// and ENTRYPOINT in shell form yield the whole command as one word.
	Args []string
}

// Flag returns the value of the --name=value flag and whether the instruction has it.
func (i DockerInstruction) Flag(name string) (string, bool) {
	for _, flag := range i.Flags {
		if value, ok := strings.CutPrefix(flag, "--"+name+"="); ok {
			return value, true
		}
	}
	return "", false
}

// Stage finds the stage called name and reports whether stages contains it.
func Stage(stages []DockerfileStage, name string) (DockerfileStage, bool) {
	for _, stage := range stages {
		if stage.Name == name {
			return stage, true
		}
	}
	return DockerfileStage{}, false
}

// ParseDockerfile splits a Dockerfile into stages. It handles comments, backslash line
// continuations and the JSON array form. It rejects heredocs, escape directives and
// instructions other than ARG before the first FROM, because it cannot read them correctly.
func ParseDockerfile(text string) ([]DockerfileStage, error) {
	instructions, err := joinDockerfileLines(text)
	if err != nil {
		return nil, err
	}

	var stages []DockerfileStage
	for _, instruction := range instructions {
		if instruction.Keyword == "FROM" {
			stage, err := parseFrom(instruction)
			if err != nil {
				return nil, err
			}
			stages = append(stages, stage)
			continue
		}
		if len(stages) == 0 {
			if instruction.Keyword == "ARG" {
				continue
			}
			return nil, fmt.Errorf("line %d: %s before the first FROM: only ARG may come first", instruction.Line, instruction.Keyword)
		}
		last := &stages[len(stages)-1]
		last.Instructions = append(last.Instructions, instruction)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("no FROM instruction: a Dockerfile needs at least one stage")
	}
	return stages, nil
}

// joinDockerfileLines returns the instructions of a Dockerfile, each with its continuation lines
// joined and its words split.
func joinDockerfileLines(text string) ([]DockerInstruction, error) {
	var instructions []DockerInstruction
	var pending strings.Builder
	start := 0
	for index, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			if strings.HasPrefix(strings.ToLower(strings.ReplaceAll(trimmed, " ", "")), "#escape=") {
				return nil, fmt.Errorf("line %d: escape directive %q is not supported: use the default backslash", index+1, trimmed)
			}
			continue
		}
		// Docker also skips blank lines inside a continuation.
		if trimmed == "" {
			continue
		}
		if pending.Len() == 0 {
			start = index + 1
		}
		body, continued := strings.CutSuffix(trimmed, `\`)
		pending.WriteString(body)
		pending.WriteString(" ")
		if continued {
			continue
		}
		instruction, err := splitInstruction(start, strings.TrimSpace(pending.String()))
		if err != nil {
			return nil, err
		}
		instructions = append(instructions, instruction)
		pending.Reset()
	}
	if pending.Len() > 0 {
		return nil, fmt.Errorf("line %d: the instruction ends with a backslash but no line follows", start)
	}
	return instructions, nil
}

func splitInstruction(line int, text string) (DockerInstruction, error) {
	keyword, rest, _ := strings.Cut(text, " ")
	instruction := DockerInstruction{Line: line, Keyword: strings.ToUpper(keyword)}
	rest = strings.TrimSpace(rest)
	if strings.Contains(rest, "<<") {
		return instruction, fmt.Errorf("line %d: heredoc in %s is not supported: write the command on continuation lines", line, instruction.Keyword)
	}

	for strings.HasPrefix(rest, "--") {
		flag, after, _ := strings.Cut(rest, " ")
		instruction.Flags = append(instruction.Flags, flag)
		rest = strings.TrimSpace(after)
	}

	switch {
	case strings.HasPrefix(rest, "["):
		if err := json.Unmarshal([]byte(rest), &instruction.Args); err != nil {
			return instruction, fmt.Errorf("line %d: invalid JSON array in %s %s: %w", line, instruction.Keyword, rest, err)
		}
	case instruction.Keyword == "RUN" || instruction.Keyword == "CMD" || instruction.Keyword == "ENTRYPOINT":
		instruction.Args = []string{strings.Join(strings.Fields(rest), " ")}
	default:
		instruction.Args = strings.Fields(rest)
	}
	return instruction, nil
}

func parseFrom(instruction DockerInstruction) (DockerfileStage, error) {
	args := instruction.Args
	switch {
	case len(args) == 1:
		return DockerfileStage{Base: args[0]}, nil
	case len(args) == 3 && strings.EqualFold(args[1], "AS"):
		return DockerfileStage{Base: args[0], Name: args[2]}, nil
	}
	return DockerfileStage{}, fmt.Errorf("line %d: invalid FROM %q: expected FROM image [AS name]", instruction.Line, strings.Join(args, " "))
}

// DockerIgnore is a parsed .dockerignore file.
type DockerIgnore struct {
	rules []ignoreRule
}

type ignoreRule struct {
	pattern string
	regexp  *regexp.Regexp
	// include marks a "!" rule, which puts matching paths back into the build context.
	include bool
}

// ParseDockerIgnore reads .dockerignore rules with the syntax of moby/patternmatcher, which
// Docker uses: one pattern a line, "#" comments, "!" to re-include, "*" and "?" within one path
// segment and "**" across segments. It rejects character classes and backslash escapes, which it
// does not implement.
func ParseDockerIgnore(text string) (DockerIgnore, error) {
	var ignore DockerIgnore
	for index, line := range strings.Split(text, "\n") {
		pattern := strings.TrimSpace(line)
		if pattern == "" || strings.HasPrefix(pattern, "#") {
			continue
		}
		rule := ignoreRule{}
		if after, ok := strings.CutPrefix(pattern, "!"); ok {
			rule.include = true
			pattern = strings.TrimSpace(after)
			if pattern == "" {
				return DockerIgnore{}, fmt.Errorf("line %d: \"!\" without a pattern: write the path to re-include after it", index+1)
			}
		}
		if strings.ContainsAny(pattern, `[\`) {
			return DockerIgnore{}, fmt.Errorf("line %d: pattern %q uses a character class or escape, which this parser does not support", index+1, pattern)
		}
		rule.pattern = strings.TrimPrefix(path.Clean(pattern), "/")
		compiled, err := regexp.Compile(ignorePatternRegexp(rule.pattern))
		if err != nil {
			return DockerIgnore{}, fmt.Errorf("line %d: invalid pattern %q: %w", index+1, pattern, err)
		}
		rule.regexp = compiled
		ignore.rules = append(ignore.rules, rule)
	}
	return ignore, nil
}

func ignorePatternRegexp(pattern string) string {
	var out strings.Builder
	out.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch {
		case strings.HasPrefix(pattern[i:], "**"):
			// Docker reads "**/" as "**". A trailing "**" matches everything below, and one
			// inside the pattern matches any number of folders, also none.
			i++
			if strings.HasPrefix(pattern[i+1:], "/") {
				i++
			}
			if i+1 == len(pattern) {
				out.WriteString(".*")
			} else {
				out.WriteString("(.*/)?")
			}
		case pattern[i] == '*':
			out.WriteString("[^/]*")
		case pattern[i] == '?':
			out.WriteString("[^/]")
		default:
			out.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		}
	}
	out.WriteString("$")
	return out.String()
}

// Excludes reports whether the file or folder at the slash-separated path, relative to the build
// context, stays out of the context. A rule matches a path when it matches the path itself or one
// of its parent folders, and the last matching rule decides, as in moby/patternmatcher's
// MatchesOrParentMatches.
func (d DockerIgnore) Excludes(name string) bool {
	name = strings.TrimPrefix(path.Clean(name), "/")
	excluded := false
	for _, rule := range d.rules {
		if rule.matches(name) {
			excluded = !rule.include
		}
	}
	return excluded
}

func (r ignoreRule) matches(name string) bool {
	for candidate := name; candidate != "." && candidate != "/"; candidate = path.Dir(candidate) {
		if r.regexp.MatchString(candidate) {
			return true
		}
	}
	return false
}
