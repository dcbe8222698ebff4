package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"
)

// modelOption is one entry of the /models resource, used by editor dropdowns and variables.
type modelOption struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// CallResource serves GET /models for the query editor and the $model variable.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /models", d.handleModels)
	return httpadapter.New(mux).CallResource(ctx, req, sender)
}

func (d *Datasource) handleModels(w http.ResponseWriter, r *http.Request) {
	if d.settingsErr != nil {
		writeJSONError(w, http.StatusBadRequest, d.settingsErr.Error())
		return
	}

	read, err := d.readModels(r.Context(), nil, 0)
	if err != nil {
		log.DefaultLogger.FromContext(r.Context()).Warn("Listing models failed", "contract", d.settings.RegistryContractID, "error", err)
		status := http.StatusBadGateway
		if errorSource(err) == backend.ErrorSourcePlugin {
			status = http.StatusInternalServerError
		}
		writeJSONError(w, status, err.Error())
		return
	}

	options := make([]modelOption, 0, len(read.models))
	for i := len(read.models) - 1; i >= 0; i-- {
		m := read.models[i]
		options = append(options, modelOption{ID: strconv.FormatUint(m.ID, 10), Name: m.Name, Version: m.Version})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(options)
}

func writeJSONError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": message})
}
