package deploytest

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
	"github.com/modeltrace/soroban-datasource/pkg/traffic"
)

// repoRoot returns the folder that contains go.mod, walking up from the test's folder.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "go.mod not found above the test folder")
		dir = parent
	}
}

// loadCompose parses docker-compose.yaml with compose-go as `docker compose` does, reading the
// committed .env but not the process environment, so the test does not depend on the shell.
func loadCompose(t *testing.T, env map[string]string) *types.Project {
	t.Helper()
	return loadComposeWithEnvFiles(t, env)
}

// loadComposeWithEnvFiles is loadCompose with `--env-file` arguments, relative to the
// repository root; none means the default .env.
func loadComposeWithEnvFiles(t *testing.T, env map[string]string, envFiles ...string) *types.Project {
	t.Helper()
	root := repoRoot(t)
	var paths []string
	for _, file := range envFiles {
		paths = append(paths, filepath.Join(root, file))
	}
	options, err := cli.NewProjectOptions(
		[]string{filepath.Join(root, "docker-compose.yaml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnvFiles(paths...),
		cli.WithDotEnv,
	)
	require.NoError(t, err)
	for name, value := range env {
		options.Environment[name] = value
	}
	project, err := options.LoadProject(context.Background())
	require.NoError(t, err)
	return project
}

func service(t *testing.T, project *types.Project, name string) types.ServiceConfig {
	t.Helper()
	for _, candidate := range project.AllServices() {
		if candidate.Name == name {
			return candidate
		}
	}
	require.Failf(t, "service missing", "docker-compose.yaml has no service %q", name)
	return types.ServiceConfig{}
}

func serviceNames(services types.Services) []string {
	var names []string
	for name := range services {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func env(t *testing.T, svc types.ServiceConfig, name string) string {
	t.Helper()
	value, ok := svc.Environment[name]
	require.Truef(t, ok, "service %s does not set %s", svc.Name, name)
	require.NotNilf(t, value, "service %s leaves %s unset", svc.Name, name)
	return *value
}

func TestComposeProfiles(t *testing.T) {
	project := loadCompose(t, nil)
	assert.Equal(t, []string{"deploy", "grafana", "sandbox", "stellar", "traffic"}, serviceNames(project.AllServices()))

	cases := []struct {
		profile string
		want    []string
	}{
		{"chain", []string{"deploy", "grafana", "stellar", "traffic"}},
		{"sandbox", []string{"grafana", "sandbox"}},
	}
	for _, tc := range cases {
		t.Run(tc.profile, func(t *testing.T) {
			selected, err := project.WithProfiles([]string{tc.profile})
			require.NoError(t, err)
			assert.Equal(t, tc.want, serviceNames(selected.Services))
		})
	}
}

func TestComposeDefaultProfileIsChain(t *testing.T) {
	dotenv := readDotEnv(t)
	assert.Equal(t, "chain", dotenv["COMPOSE_PROFILES"])
}

func TestComposeGrafana(t *testing.T) {
	project := loadCompose(t, nil)
	grafana := service(t, project, "grafana")

	t.Run("build", func(t *testing.T) {
		require.NotNil(t, grafana.Build, "the plugin is built into the Grafana image")
		assert.Equal(t, repoRoot(t), grafana.Build.Context)
		assert.Equal(t, "docker/grafana/Dockerfile", grafana.Build.Dockerfile)
		assert.Empty(t, grafana.Image, "an image name beside build would tag the built image with it")
	})
	t.Run("no feature toggles", func(t *testing.T) {
		_, set := grafana.Environment["GF_FEATURE_TOGGLES_ENABLE"]
		assert.False(t, set, "the provisioned rules and dashboard use only generally available features")
	})
	t.Run("unsigned plugin", func(t *testing.T) {
		assert.Equal(t, "modeltrace-soroban-datasource", env(t, grafana, "GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"))
	})
	t.Run("login", func(t *testing.T) {
		assert.Equal(t, "true", env(t, grafana, "GF_AUTH_ANONYMOUS_ENABLED"))
		assert.Equal(t, "Admin", env(t, grafana, "GF_AUTH_ANONYMOUS_ORG_ROLE"))
		assert.Equal(t, "admin", env(t, grafana, "GF_SECURITY_ADMIN_USER"))
		assert.Equal(t, "admin", env(t, grafana, "GF_SECURITY_ADMIN_PASSWORD"))
	})
	t.Run("port", func(t *testing.T) {
		require.Len(t, grafana.Ports, 1)
		assert.Equal(t, uint32(3000), grafana.Ports[0].Target)
		assert.Equal(t, "3000", grafana.Ports[0].Published)
	})
	t.Run("mounts", func(t *testing.T) {
		require.Len(t, grafana.Volumes, 1, "only provisioning/ is mounted, the plugin is in the image")
		mount := grafana.Volumes[0]
		assert.Equal(t, types.VolumeTypeBind, mount.Type)
		assert.Equal(t, filepath.Join(repoRoot(t), "provisioning"), mount.Source)
		assert.Equal(t, "/etc/grafana/provisioning", mount.Target)
		assert.True(t, mount.ReadOnly)
	})
	t.Run("depends on", func(t *testing.T) {
		deploy := grafana.DependsOn["deploy"]
		assert.Equal(t, types.ServiceConditionCompletedSuccessfully, deploy.Condition)
		assert.False(t, deploy.Required)
		sandbox := grafana.DependsOn["sandbox"]
		assert.Equal(t, types.ServiceConditionHealthy, sandbox.Condition)
		assert.False(t, sandbox.Required)
	})
}

func TestComposeStellar(t *testing.T) {
	stellar := service(t, loadCompose(t, nil), "stellar")

	tag := stellar.Image[strings.LastIndex(stellar.Image, ":")+1:]
	assert.True(t, strings.HasPrefix(stellar.Image, "stellar/quickstart:"), stellar.Image)
	assert.NotContains(t, []string{"latest", "testing", "future", "stellar/quickstart"}, tag, "pin the quickstart tag")
	assert.Equal(t, types.ShellCommand{"--local", "--enable", "core,horizon,rpc"}, stellar.Command, "friendbot needs horizon")
	assert.Equal(t, []string{"chain"}, stellar.Profiles)

	require.NotNil(t, stellar.HealthCheck)
	require.Len(t, stellar.HealthCheck.Test, 2)
	assert.Equal(t, "CMD-SHELL", stellar.HealthCheck.Test[0])
	probe := stellar.HealthCheck.Test[1]
	assert.Contains(t, probe, "curl")
	assert.Contains(t, probe, `"method":"getHealth"`)
	assert.Contains(t, probe, "http://localhost:8000/rpc")
	assert.Contains(t, probe, `"status":"healthy"`)
}

func TestComposeDeployJob(t *testing.T) {
	deploy := service(t, loadCompose(t, nil), "deploy")

	require.NotNil(t, deploy.Build)
	assert.Equal(t, "docker/deploy/Dockerfile", deploy.Build.Dockerfile)
	assert.Equal(t, types.ServiceConditionHealthy, deploy.DependsOn["stellar"].Condition)
	assert.Equal(t, "http://stellar:8000/rpc", env(t, deploy, "STELLAR_RPC_URL"))
	assert.Equal(t, "http://stellar:8000/friendbot", env(t, deploy, "FRIENDBOT_URL"))
	assert.Equal(t, "Standalone Network ; February 2017", env(t, deploy, "STELLAR_NETWORK_PASSPHRASE"))
	assert.Equal(t, "/out", env(t, deploy, "OUT_DIR"))
	require.Len(t, deploy.Volumes, 1)
	assert.Equal(t, "deploy-out", deploy.Volumes[0].Source)
	assert.Equal(t, "/out", deploy.Volumes[0].Target)
}

func TestComposeContractIDWiring(t *testing.T) {
	dotenv := readDotEnv(t)
	want := dotenv["MODELTRACE_REGISTRY_CONTRACT_ID"]
	require.NotEmpty(t, want)
	project := loadCompose(t, nil)

	assert.Equal(t, want, env(t, service(t, project, "grafana"), "MODELTRACE_REGISTRY_CONTRACT_ID"))
	assert.Equal(t, want, env(t, service(t, project, "deploy"), "EXPECTED_CONTRACT_ID"))
	assert.Equal(t, dotenv["MODELTRACE_DEPLOYER_SECRET"], env(t, service(t, project, "deploy"), "DEPLOYER_SECRET"))
	assert.Equal(t, dotenv["MODELTRACE_DEPLOY_SALT"], env(t, service(t, project, "deploy"), "DEPLOY_SALT"))
	assert.Equal(t, dotenv["MODELTRACE_TRAFFIC_ADDRESS"], env(t, service(t, project, "deploy"), "FUND_ADDRESSES"))
	assert.Contains(t, []string(service(t, project, "traffic").Command), "--contract="+want)
}

func TestComposeTraffic(t *testing.T) {
	project := loadCompose(t, nil)
	traffic := service(t, project, "traffic")

	require.NotNil(t, traffic.Build)
	assert.Equal(t, "docker/modeltrace/Dockerfile", traffic.Build.Dockerfile)
	assert.Equal(t, "traffic", traffic.Command[0])
	assert.Contains(t, []string(traffic.Command), "--rpc-url=http://stellar:8000/rpc")
	assert.Contains(t, []string(traffic.Command), "--secret-file=/run/secrets/traffic_secret")
	assert.Contains(t, []string(traffic.Command), "--duration=6h")
	assert.Contains(t, []string(traffic.Command), "--spike-every=30m")
	assert.Contains(t, []string(traffic.Command), "--spike-for=5m")
	assert.Equal(t, 1.0, highRiskPercent(t, traffic.Command, "--risk-mix="), "normal traffic stays below the 5 % alert")
	assert.Equal(t, 25.0, highRiskPercent(t, traffic.Command, "--spike-mix="), "a spike fires the 5 % alert")
	assert.Equal(t, types.ServiceConditionCompletedSuccessfully, traffic.DependsOn["deploy"].Condition)
	require.Len(t, traffic.Secrets, 1)
	assert.Equal(t, "traffic_secret", traffic.Secrets[0].Source)
	assert.Equal(t, "MODELTRACE_TRAFFIC_SECRET", project.Secrets["traffic_secret"].Environment)
	for _, arg := range traffic.Command {
		assert.NotContains(t, arg, readDotEnv(t)["MODELTRACE_TRAFFIC_SECRET"], "the secret must not appear in the command line")
	}
}

// highRiskPercent returns the high and critical share, in percent, of the risk mix given by the
// command argument that starts with prefix.
func highRiskPercent(t *testing.T, command types.ShellCommand, prefix string) float64 {
	t.Helper()
	index := slices.IndexFunc(command, func(arg string) bool { return strings.HasPrefix(arg, prefix) })
	require.GreaterOrEqualf(t, index, 0, "the traffic command has no %s", prefix)
	mix, err := traffic.ParseRiskMix(strings.TrimPrefix(command[index], prefix))
	require.NoError(t, err)
	share := 100 * (mix[traffic.RiskHigh] + mix[traffic.RiskCritical]) / (mix[0] + mix[1] + mix[2] + mix[3])
	return math.Round(share*1e6) / 1e6
}

func TestComposeSandboxEnvFile(t *testing.T) {
	project := loadComposeWithEnvFiles(t, nil, ".env", "docker/sandbox.env")
	grafana := service(t, project, "grafana")

	assert.Equal(t, "sandbox", project.Environment["COMPOSE_PROFILES"])
	assert.Equal(t, "http://sandbox:8000/rpc", env(t, grafana, "MODELTRACE_RPC_URL"))
	assert.Equal(t, sorobantest.DefaultContractID, env(t, grafana, "MODELTRACE_REGISTRY_CONTRACT_ID"))
	assert.Equal(t, "Standalone Network ; February 2017", env(t, grafana, "MODELTRACE_NETWORK_PASSPHRASE"))
	assert.Equal(t, "http://stellar:8000/rpc", env(t, service(t, loadCompose(t, nil), "grafana"), "MODELTRACE_RPC_URL"))
}

func TestComposeSandboxService(t *testing.T) {

	sandbox := service(t, loadCompose(t, nil), "sandbox")
	assert.Equal(t, []string{"sandbox"}, sandbox.Profiles)
	assert.Equal(t, types.ShellCommand{
		"sandbox", "--listen=0.0.0.0:8000", "--history=6h", "--risk-mix=low:79,medium:19,high:1,critical:1",
	}, sandbox.Command)
	require.NotNil(t, sandbox.HealthCheck)
	assert.Contains(t, sandbox.HealthCheck.Test[1], `"method":"getHealth"`)
}
