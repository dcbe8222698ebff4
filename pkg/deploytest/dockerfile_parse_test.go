package deploytest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDockerfile(t *testing.T) {
	text := `# syntax comment
ARG VERSION=1
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod \
    # comment lines inside a continuation are dropped
    go.sum ./
RUN go build \

    -o /out/app ./cmd

FROM debian:bookworm-slim
COPY --from=build --chmod=0755 /out/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app", "serve"]
`
	stages, err := ParseDockerfile(text)
	require.NoError(t, err)
	require.Len(t, stages, 2)

	assert.Equal(t, DockerfileStage{
		Name: "build",
		Base: "golang:1.26",
		Instructions: []DockerInstruction{
			{Line: 4, Keyword: "WORKDIR", Args: []string{"/src"}},
			{Line: 5, Keyword: "COPY", Args: []string{"go.mod", "go.sum", "./"}},
			{Line: 8, Keyword: "RUN", Args: []string{"go build -o /out/app ./cmd"}},
		},
	}, stages[0])
	assert.Equal(t, DockerfileStage{
		Base: "debian:bookworm-slim",
		Instructions: []DockerInstruction{
			{Line: 13, Keyword: "COPY", Flags: []string{"--from=build", "--chmod=0755"}, Args: []string{"/out/app", "/usr/local/bin/app"}},
			{Line: 14, Keyword: "ENTRYPOINT", Args: []string{"/usr/local/bin/app", "serve"}},
		},
	}, stages[1])

	from, ok := stages[1].Instructions[0].Flag("from")
	assert.True(t, ok)
	assert.Equal(t, "build", from)
	_, ok = stages[1].Instructions[0].Flag("chown")
	assert.False(t, ok)
}

func TestParseDockerfileErrors(t *testing.T) {
	cases := []struct {
		name string
		text string
		want string
	}{
		{"no from", "ARG A=1\n", "no FROM instruction: a Dockerfile needs at least one stage"},
		{"run first", "RUN true\nFROM scratch\n", "line 1: RUN before the first FROM: only ARG may come first"},
		{"bad from", "FROM a b\n", `line 1: invalid FROM "a b": expected FROM image [AS name]`},
		{"open continuation", "FROM scratch\nRUN true \\\n", "line 2: the instruction ends with a backslash but no line follows"},
		{"heredoc", "FROM scratch\nRUN <<EOF\ntrue\nEOF\n", "line 2: heredoc in RUN is not supported: write the command on continuation lines"},
		{"escape", "# escape=`\nFROM scratch\n", "line 1: escape directive \"# escape=`\" is not supported: use the default backslash"},
		{"bad json", "FROM scratch\nCMD [\"a\"\n", `line 2: invalid JSON array in CMD ["a": unexpected end of JSON input`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDockerfile(tc.text)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

func TestDockerIgnoreExcludes(t *testing.T) {
	ignore, err := ParseDockerIgnore(`# allow list
*
!src/
!/go.mod
!docs/images
**/node_modules/
src/**/*.snap
*.log
!keep.log
src/?.tmp
`)
	require.NoError(t, err)

	cases := []struct {
		name     string
		excluded bool
	}{
		{"README.md", true},
		{".git/HEAD", true},
		{"src", false},
		{"src/module.ts", false},
		{"src/img/logo.svg", false},
		{"go.mod", false},
		{"go.sum", true},
		{"docs/images/a.png", false},
		{"docs/dashboard.md", true},
		{"node_modules/react/index.js", true},
		{"src/node_modules/x.js", true},
		{"src/__snapshots__/a.snap", true},
		{"src/a.snap", true},
		{"keep.log", false},
		{"other.log", true},
		{"src/a.tmp", true},
		{"src/ab.tmp", false},
		{"./src/module.ts", false},
	}
	for _, tc := range cases {
		assert.Equalf(t, tc.excluded, ignore.Excludes(tc.name), "Excludes(%q)", tc.name)
	}
}

func TestParseDockerIgnoreErrors(t *testing.T) {
	cases := []struct {
		name string
		text string
		want string
	}{
		{"bare bang", "*\n!\n", `line 2: "!" without a pattern: write the path to re-include after it`},
		{"class", "[ab].txt\n", `line 1: pattern "[ab].txt" uses a character class or escape, which this parser does not support`},
		{"escape", `a\*b` + "\n", `line 1: pattern "a\\*b" uses a character class or escape, which this parser does not support`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDockerIgnore(tc.text)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}
