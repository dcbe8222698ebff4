package deploytest

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const grafanaPluginDir = "/var/lib/grafana/plugins/modeltrace-soroban-datasource/"

func readRepoFile(t *testing.T, relativePath string) string {
	t.Helper()
	content, err := os.ReadFile(filepath.Join(repoRoot(t), relativePath))
	require.NoError(t, err)
	return string(content)
}

func grafanaDockerfile(t *testing.T) []DockerfileStage {
	t.Helper()
	stages, err := ParseDockerfile(readRepoFile(t, "docker/grafana/Dockerfile"))
	require.NoError(t, err)
	return stages
}

func grafanaDockerIgnore(t *testing.T) DockerIgnore {
	t.Helper()
	ignore, err := ParseDockerIgnore(readRepoFile(t, "docker/grafana/Dockerfile.dockerignore"))
	require.NoError(t, err)
	return ignore
}

// pluginJSON holds the plugin.json fields that the image build depends on.
type pluginJSON struct {
	ID         string `json:"id"`
	Executable string `json:"executable"`
	Info       struct {
		Logos       map[string]string `json:"logos"`
		Screenshots []struct {
			Path string `json:"path"`
		} `json:"screenshots"`
	} `json:"info"`
	Dependencies struct {
		GrafanaDependency string `json:"grafanaDependency"`
	} `json:"dependencies"`
}

func readPluginJSON(t *testing.T) pluginJSON {
	t.Helper()
	var plugin pluginJSON
	require.NoError(t, json.Unmarshal([]byte(readRepoFile(t, "plugin.json")), &plugin))
	return plugin
}

func keywordArgs(stage DockerfileStage, keyword string) []string {
	var args []string
	for _, instruction := range stage.Instructions {
		if instruction.Keyword == keyword {
			args = append(args, strings.Join(instruction.Args, " "))
		}
	}
	return args
}

func TestGrafanaDockerfileStages(t *testing.T) {
	stages := grafanaDockerfile(t)
	require.Len(t, stages, 3)

	assert.Equal(t, "frontend", stages[0].Name)
	assert.True(t, strings.HasPrefix(stages[0].Base, "node:20"), stages[0].Base)
	assert.Equal(t, "backend", stages[1].Name)
	assert.True(t, strings.HasPrefix(stages[1].Base, "golang:1.26"), stages[1].Base)
	assert.Equal(t, "", stages[2].Name)
	assert.Equal(t, "grafana/grafana:12.4.10", stages[2].Base)
}

// parseVersion returns the major, minor and patch numbers of an exact "X.Y.Z" version.
func parseVersion(t *testing.T, version string) [3]int {
	t.Helper()
	parts := strings.Split(version, ".")
	require.Lenf(t, parts, 3, "version %q is not X.Y.Z", version)
	var numbers [3]int
	for i, part := range parts {
		number, err := strconv.Atoi(part)
		require.NoErrorf(t, err, "version %q is not X.Y.Z", version)
		numbers[i] = number
	}
	return numbers
}

func TestGrafanaDockerfileVersions(t *testing.T) {
	base := grafanaDockerfile(t)[2].Base
	tag := strings.TrimPrefix(base, "grafana/grafana:")
	version := parseVersion(t, tag)

	var packageJSON struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	require.NoError(t, json.Unmarshal([]byte(readRepoFile(t, "package.json")), &packageJSON))
	assert.Equal(t, tag, packageJSON.Dependencies["@grafana/data"], "the frontend is built against the Grafana it runs in")

	dependency := readPluginJSON(t).Dependencies.GrafanaDependency
	minimum, ok := strings.CutPrefix(dependency, ">=")
	require.Truef(t, ok, "plugin.json grafanaDependency %q is not >=X.Y.Z", dependency)
	least := parseVersion(t, minimum)
	assert.GreaterOrEqualf(t, slices.Compare(version[:], least[:]), 0, "%s is older than plugin.json grafanaDependency %s", base, dependency)
}

func TestGrafanaDockerfileBuildSteps(t *testing.T) {
	stages := grafanaDockerfile(t)
	frontend, ok := Stage(stages, "frontend")
	require.True(t, ok)
	backend, ok := Stage(stages, "backend")
	require.True(t, ok)

	assert.Equal(t, []string{
		"npm install -g npm@11.19.1",
		"npm ci --no-audit --no-fund",
		"npm run build",
	}, keywordArgs(frontend, "RUN"))
	assert.Equal(t, []string{"/src"}, keywordArgs(frontend, "WORKDIR"))
	assert.Equal(t, []string{
		"go install github.com/magefile/mage@v1.17.2",
		"go mod download",
		"mage -v build:linux build:linuxARM64",
	}, keywordArgs(backend, "RUN"))
	assert.Equal(t, []string{"/src"}, keywordArgs(backend, "WORKDIR"))
}

func TestGrafanaDockerfileNPMMatchesPackageJSON(t *testing.T) {
	var packageJSON struct {
		PackageManager string `json:"packageManager"`
	}
	require.NoError(t, json.Unmarshal([]byte(readRepoFile(t, "package.json")), &packageJSON))
	frontend, ok := Stage(grafanaDockerfile(t), "frontend")
	require.True(t, ok)
	assert.Contains(t, keywordArgs(frontend, "RUN"), "npm install -g "+packageJSON.PackageManager)
}

func TestGrafanaDockerfileCopySources(t *testing.T) {
	root := repoRoot(t)
	ignore := grafanaDockerIgnore(t)
	count := 0
	for _, stage := range grafanaDockerfile(t) {
		for _, instruction := range stage.Instructions {
			if _, fromStage := instruction.Flag("from"); instruction.Keyword != "COPY" || fromStage {
				continue
			}
			require.GreaterOrEqualf(t, len(instruction.Args), 2, "line %d: COPY needs a source and a destination", instruction.Line)
			for _, source := range instruction.Args[:len(instruction.Args)-1] {
				count++
				_, err := os.Stat(filepath.Join(root, filepath.FromSlash(source)))
				assert.NoErrorf(t, err, "line %d: COPY source %s is missing from the repository", instruction.Line, source)
				assert.Falsef(t, ignore.Excludes(source), "line %d: Dockerfile.dockerignore excludes COPY source %s", instruction.Line, source)
			}
		}
	}
	assert.Equal(t, 14, count, "COPY sources checked")
}

// TestGrafanaDockerIgnoreKeepsBuildInputs checks single files inside copied folders, which a
// narrower pattern could exclude even where the folder itself is in the build context.
func TestGrafanaDockerIgnoreKeepsBuildInputs(t *testing.T) {
	ignore := grafanaDockerIgnore(t)
	plugin := readPluginJSON(t)
	inputs := []string{
		".config/webpack/webpack.config.ts",
		".config/bundler/copyFiles.ts",
		".config/tsconfig.json",
		"src/module.ts",
		"pkg/main.go",
	}
	// The webpack build copies logos from src/ and screenshots from docs/images/.
	for _, logo := range plugin.Info.Logos {
		inputs = append(inputs, path.Join("src", logo))
	}
	for _, screenshot := range plugin.Info.Screenshots {
		inputs = append(inputs, path.Join("docs/images", path.Base(screenshot.Path)))
	}
	slices.Sort(inputs)
	for _, input := range slices.Compact(inputs) {
		_, err := os.Stat(filepath.Join(repoRoot(t), filepath.FromSlash(input)))
		assert.NoErrorf(t, err, "build input %s is missing", input)
		assert.Falsef(t, ignore.Excludes(input), "Dockerfile.dockerignore excludes build input %s", input)
	}
}

func TestGrafanaDockerIgnoreDropsBuildOutput(t *testing.T) {
	ignore := grafanaDockerIgnore(t)
	for _, name := range []string{
		"node_modules/react/index.js",
		"dist/module.js",
		"contracts/target/wasm32v1-none/release/audit_registry.wasm",
		".git/HEAD",
		".cache/go-build/README",
		"coverage/lcov.info",
		".eslintcache",
		"src/node_modules/x.js",
		"pkg/dist/x",
		"modeltrace-bench.test",
		"pkg/cmd/modeltrace/modeltrace.test",
	} {
		assert.Truef(t, ignore.Excludes(name), "Dockerfile.dockerignore keeps %s in the build context", name)
	}
}

func TestGrafanaDockerfilePluginCopy(t *testing.T) {
	plugin := readPluginJSON(t)
	final := grafanaDockerfile(t)[2]
	require.Equal(t, plugin.ID, path.Base(grafanaPluginDir), "Grafana finds the plugin by its folder")

	copies := map[string][]string{}
	for _, instruction := range final.Instructions {
		require.Equalf(t, "COPY", instruction.Keyword, "line %d: the final stage only copies the build output", instruction.Line)
		from, ok := instruction.Flag("from")
		require.Truef(t, ok, "line %d: COPY without --from", instruction.Line)
		last := len(instruction.Args) - 1
		assert.Equalf(t, grafanaPluginDir, instruction.Args[last], "line %d: COPY destination", instruction.Line)
		copies[from] = append(copies[from], instruction.Args[:last]...)
	}
	assert.Equal(t, map[string][]string{
		"frontend": {"/src/dist/"},
		"backend": {
			"/src/dist/" + plugin.Executable + "_linux_amd64",
			"/src/dist/" + plugin.Executable + "_linux_arm64",
		},
	}, copies)
}
