package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// benchHandler serves a sorobantest.Server and measures it. It counts calls by method and times
// how long the server computes getEvents responses. It can also keep each getEvents result by
// its request parameters and serve it again without computing it. Then a page costs only a
// copy, so a comparison of two clients measures the clients and not the test server.
type benchHandler struct {
	server *sorobantest.Server

	mu    sync.Mutex
	cache cacheMode
	pages map[string]json.RawMessage // getEvents results by normalized parameters
	stats serverStats
}

// cacheMode selects what benchHandler does with getEvents results.
type cacheMode string

const (
	cacheOff    cacheMode = "off"    // compute every response
	cacheRecord cacheMode = "record" // compute every response and keep its result
	cacheServe  cacheMode = "serve"  // serve kept results; compute and keep the others
)

// serverStats is the JSON body of GET /bench/stats.
type serverStats struct {
	Calls          map[string]int `json:"calls"`
	ComputeSeconds float64        `json:"compute_seconds"` // computing getEvents responses
	CacheHits      int            `json:"cache_hits"`
	CacheBytes     int64          `json:"cache_bytes"`
}

func newBenchHandler(server *sorobantest.Server) *benchHandler {
	return &benchHandler{server: server, cache: cacheOff, pages: map[string]json.RawMessage{},
		stats: serverStats{Calls: map[string]int{}}}
}

// mux routes /rpc to the server and /bench/ to the control endpoints: GET /bench/stats,
// POST /bench/reset (zero the stats) and POST /bench/cache?mode=off|record|serve.
func (h *benchHandler) mux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/rpc", h)
	mux.HandleFunc("GET /bench/stats", func(w http.ResponseWriter, _ *http.Request) {
		h.mu.Lock()
		defer h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(h.stats)
	})
	mux.HandleFunc("POST /bench/reset", func(w http.ResponseWriter, _ *http.Request) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.stats = serverStats{Calls: map[string]int{}, CacheBytes: h.stats.CacheBytes}
	})
	mux.HandleFunc("POST /bench/cache", func(w http.ResponseWriter, r *http.Request) {
		mode := cacheMode(r.URL.Query().Get("mode"))
		if mode != cacheOff && mode != cacheRecord && mode != cacheServe {
			http.Error(w, "invalid mode: use off, record or serve", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		h.cache = mode
	})
	return mux
}

// rpcEnvelope is the part of a JSON-RPC request the handler reads.
type rpcEnvelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

func (h *benchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var req rpcEnvelope
	if err := json.Unmarshal(body, &req); err != nil {
		h.forward(w, r, body) // a batch or invalid JSON, which the server handles itself
		return
	}

	h.mu.Lock()
	h.stats.Calls[req.Method]++
	key, cached := "", json.RawMessage(nil)
	if req.Method == protocol.GetEventsMethodName && h.cache != cacheOff {
		key = pageKey(req.Params)
	}
	if key != "" && h.cache == cacheServe {
		cached = h.pages[key]
		if cached != nil {
			h.stats.CacheHits++
		}
	}
	h.mu.Unlock()

	if cached != nil {
		writeResult(w, req.ID, cached)
		return
	}
	if req.Method != protocol.GetEventsMethodName {
		h.forward(w, r, body)
		return
	}
	h.computeEvents(w, r, body, key)
}

// computeEvents has the server compute a getEvents response, times it, and keeps its result
// under key when key is set.
func (h *benchHandler) computeEvents(w http.ResponseWriter, r *http.Request, body []byte, key string) {
	start := time.Now()
	rec := httptest.NewRecorder()
	h.server.ServeHTTP(rec, requestWithBody(r, body))
	elapsed := time.Since(start)

	h.mu.Lock()
	h.stats.ComputeSeconds += elapsed.Seconds()
	if key != "" && rec.Code == http.StatusOK {
		if _, ok := h.pages[key]; !ok {
			if result, ok := resultOf(rec.Body.Bytes()); ok {
				h.pages[key] = result
				h.stats.CacheBytes += int64(len(result))
			}
		}
	}
	h.mu.Unlock()
	copyRecorded(w, rec)
}

// resultOf returns a copy of the result of a single JSON-RPC response as sorobantest writes
// it: {"jsonrpc":"2.0","id":ID,"result":RESULT}. It finds the result by its position instead of
// parsing megabytes of JSON, and reports false for an error response.
func resultOf(body []byte) (json.RawMessage, bool) {
	key := []byte(`,"result":`)
	i := bytes.Index(body[:min(len(body), 100)], key)
	if i < 0 || !bytes.HasSuffix(body, []byte("}")) {
		return nil, false
	}
	return bytes.Clone(body[i+len(key) : len(body)-1]), true
}

func (h *benchHandler) forward(w http.ResponseWriter, r *http.Request, body []byte) {
	h.server.ServeHTTP(w, requestWithBody(r, body))
}

// pageKey normalizes getEvents parameters, so requests that differ only in JSON layout share
// one key.
func pageKey(params json.RawMessage) string {
	var req protocol.GetEventsRequest
	if err := json.Unmarshal(params, &req); err != nil {
		return string(params)
	}
	normalized, err := json.Marshal(req)
	if err != nil {
		return string(params)
	}
	return string(normalized)
}

func requestWithBody(r *http.Request, body []byte) *http.Request {
	clone := r.Clone(r.Context())
	clone.Body = io.NopCloser(bytes.NewReader(body))
	clone.ContentLength = int64(len(body))
	return clone
}

// writeResult writes a JSON-RPC response around a cached result without copying it.
func writeResult(w http.ResponseWriter, id, result json.RawMessage) {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	prefix := `{"jsonrpc":"2.0","id":` + string(id) + `,"result":`
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(prefix)+len(result)+2))
	_, _ = io.WriteString(w, prefix)
	_, _ = w.Write(result)
	_, _ = io.WriteString(w, "}\n")
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, values := range rec.Header() {
		for _, v := range values {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
