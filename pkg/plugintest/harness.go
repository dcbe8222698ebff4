// Package plugintest runs the compiled plugin binary the way Grafana does: launched through
// hashicorp/go-plugin with Grafana's handshake and called over gRPC.
package plugintest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// PluginID is the plugin id Grafana sends in every plugin context.
const PluginID = "modeltrace-soroban-datasource"

// Build compiles the plugin's main package into dir and returns the binary path.
func Build(moduleRoot, dir string) (string, error) {
	binary := filepath.Join(dir, "gpx_modeltrace-soroban-datasource")
	cmd := exec.Command("go", "build", "-o", binary, "./pkg")
	cmd.Dir = moduleRoot
	output, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build plugin binary: %w: %s", err, output)
	}
	return binary, nil
}

// Plugin is a running plugin process and its gRPC clients.
type Plugin struct {
	client      *goplugin.Client
	Data        grpcplugin.DataClient
	Diagnostics grpcplugin.DiagnosticsClient
	Resource    grpcplugin.ResourceClient
	Stream      grpcplugin.StreamClient
}

// Start launches binary with Grafana's handshake (grafana_plugin_type=datasource, protocol 2).
func Start(binary string, logOutput io.Writer) (*Plugin, error) {
	if logOutput == nil {
		logOutput = io.Discard
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{
			grpcplugin.ProtocolVersion: {
				"data":        &grpcplugin.DataGRPCPlugin{},
				"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
				"resource":    &grpcplugin.ResourceGRPCPlugin{},
				"stream":      &grpcplugin.StreamGRPCPlugin{},
			},
		},
		Cmd:              exec.Command(binary),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Output: logOutput, Level: hclog.Warn}),
		StartTimeout:     30 * time.Second,
	})

	rpcClient, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start plugin %s: %w", binary, err)
	}

	p := &Plugin{client: client}
	dispense := []struct {
		name   string
		target any
	}{
		{"data", &p.Data}, {"diagnostics", &p.Diagnostics}, {"resource", &p.Resource}, {"stream", &p.Stream},
	}
	for _, d := range dispense {
		raw, err := rpcClient.Dispense(d.name)
		if err != nil {
			client.Kill()
			return nil, fmt.Errorf("dispense %s client: %w", d.name, err)
		}
		if err := assign(d.target, raw); err != nil {
			client.Kill()
			return nil, err
		}
	}
	return p, nil
}

func assign(target, raw any) error {
	switch t := target.(type) {
	case *grpcplugin.DataClient:
		c, ok := raw.(grpcplugin.DataClient)
		*t = c
		return okOrError(ok, "data")
	case *grpcplugin.DiagnosticsClient:
		c, ok := raw.(grpcplugin.DiagnosticsClient)
		*t = c
		return okOrError(ok, "diagnostics")
	case *grpcplugin.ResourceClient:
		c, ok := raw.(grpcplugin.ResourceClient)
		*t = c
		return okOrError(ok, "resource")
	case *grpcplugin.StreamClient:
		c, ok := raw.(grpcplugin.StreamClient)
		*t = c
		return okOrError(ok, "stream")
	}
	return fmt.Errorf("unknown client type %T", target)
}

func okOrError(ok bool, name string) error {
	if !ok {
		return fmt.Errorf("plugin's %s client has an unexpected type", name)
	}
	return nil
}

// Stop kills the plugin process.
func (p *Plugin) Stop() { p.client.Kill() }

// Exited reports whether the plugin process has exited.
func (p *Plugin) Exited() bool { return p.client.Exited() }

// Instance is the datasource configuration sent in each request's plugin context.
type Instance struct {
	UID      string
	JSONData map[string]any
	Secure   map[string]string
	Updated  time.Time
}

// PluginContext builds the plugin context Grafana sends for inst.
func (inst Instance) PluginContext() backend.PluginContext {
	jsonData, _ := json.Marshal(inst.JSONData)
	updated := inst.Updated
	if updated.IsZero() {
		updated = time.Unix(1, 0)
	}
	return backend.PluginContext{
		OrgID:    1,
		PluginID: PluginID,
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID: 1, UID: inst.UID, Name: "ModelTrace", Type: PluginID, URL: "",
			JSONData: jsonData, DecryptedSecureJSONData: inst.Secure, Updated: updated,
		},
	}
}

// CheckHealth runs CheckHealth over gRPC.
func (p *Plugin) CheckHealth(ctx context.Context, inst Instance) (*backend.CheckHealthResult, error) {
	resp, err := p.Diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{
		PluginContext: backend.ToProto().PluginContext(inst.PluginContext()),
	})
	if err != nil {
		return nil, err
	}
	return backend.FromProto().CheckHealthResponse(resp), nil
}

// QueryData runs QueryData over gRPC. headers are sent as Grafana sends them (e.g. FromAlert).
func (p *Plugin) QueryData(ctx context.Context, inst Instance, headers map[string]string, queries ...backend.DataQuery) (*backend.QueryDataResponse, error) {
	req := &backend.QueryDataRequest{PluginContext: inst.PluginContext(), Queries: queries, Headers: map[string]string{}}
	for k, v := range headers {
		req.SetHTTPHeader(k, v)
	}
	resp, err := p.Data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		return nil, err
	}
	return backend.FromProto().QueryDataResponse(resp)
}

// CallResource runs a GET resource call over gRPC and returns status and body.
func (p *Plugin) CallResource(ctx context.Context, inst Instance, path string) (int, []byte, error) {
	req := &backend.CallResourceRequest{
		PluginContext: inst.PluginContext(), Path: path, Method: "GET", URL: path,
		Headers: map[string][]string{},
	}
	stream, err := p.Resource.CallResource(ctx, backend.ToProto().CallResourceRequest(req))
	if err != nil {
		return 0, nil, err
	}
	var status int
	var body []byte
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			return status, body, nil
		}
		if err != nil {
			return status, body, err
		}
		if msg.Code != 0 {
			status = int(msg.Code)
		}
		body = append(body, msg.Body...)
	}
}

// ModuleRoot finds the repository root (the directory holding go.mod) above dir.
func ModuleRoot(dir string) (string, error) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above %s", dir)
		}
		dir = parent
	}
}

// SubscribeStream sends the subscribe request that Grafana sends before it starts a stream and
// returns whether a client may subscribe to the Live channel path.
func (p *Plugin) SubscribeStream(ctx context.Context, inst Instance, path string) (backend.SubscribeStreamStatus, error) {
	req := &backend.SubscribeStreamRequest{PluginContext: inst.PluginContext(), Path: path}
	resp, err := p.Stream.SubscribeStream(ctx, backend.ToProto().SubscribeStreamRequest(req))
	if err != nil {
		return 0, err
	}
	return backend.FromProto().SubscribeStreamResponse(resp).Status, nil
}

// RunStream starts the stream of path over gRPC. Each Recv on the result returns one packet,
// a JSON data frame, until ctx ends.
func (p *Plugin) RunStream(ctx context.Context, inst Instance, path string) (pluginv2.Stream_RunStreamClient, error) {
	req := &backend.RunStreamRequest{PluginContext: inst.PluginContext(), Path: path}
	return p.Stream.RunStream(ctx, backend.ToProto().RunStreamRequest(req))
}
