//go:build mage

package main

import (
	// mage:import
	build "github.com/grafana/grafana-plugin-sdk-go/build"
)

// Default builds the plugin backend for every platform Grafana supports.
var Default = build.BuildAll
