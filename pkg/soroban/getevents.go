package soroban

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
)

// getEventsOnce sends one getEvents request and decodes the response in one pass. rpcclient's
// jrpc2 channel parses every response twice (the JSON-RPC envelope, then the result), which
// for a page of 10,000 events, about 6 MB of JSON, was most of a scan's CPU time. The request
// goes through the same recording transport as every other call, so errors are classified
// alike.
func (c *Client) getEventsOnce(ctx context.Context, req protocol.GetEventsRequest) (protocol.GetEventsResponse, error) {
	httpClient, record := c.recordingClient(ctx)
	fail := func(err error) error {
		return classify(protocol.GetEventsMethodName, err, record)
	}

	body, err := json.Marshal(jsonRPCRequest{JSONRPC: "2.0", ID: 1, Method: protocol.GetEventsMethodName, Params: req})
	if err != nil {
		return protocol.GetEventsResponse{}, fmt.Errorf("encode getEvents request: %w", err)
	}
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return protocol.GetEventsResponse{}, fmt.Errorf("build getEvents request for %s: %w", c.url, err)
	}
	httpReq.Header.Set("Content-Type", "application/json")

	resp, err := httpClient.Do(httpReq)
	if err != nil {
		return protocol.GetEventsResponse{}, fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return protocol.GetEventsResponse{}, fail(fmt.Errorf("HTTP status %d", resp.StatusCode))
	}

	notJSONRPC := func(cause error) error {
		return notJSONRPCError(protocol.GetEventsMethodName, resp.Header.Get("Content-Type"), cause)
	}
	respBody := bufio.NewReader(resp.Body)
	if err := expectJSONValue(respBody); err != nil {
		if _, _, transportErr, timedOut := record.snapshot(); transportErr != nil || timedOut {
			return protocol.GetEventsResponse{}, fail(err)
		}
		return protocol.GetEventsResponse{}, notJSONRPC(err)
	}

	var out struct {
		JSONRPC string                      `json:"jsonrpc"`
		Result  *protocol.GetEventsResponse `json:"result"`
		Error   *jsonRPCError               `json:"error"`
	}
	if err := json.NewDecoder(respBody).Decode(&out); err != nil {
		return protocol.GetEventsResponse{}, fail(fmt.Errorf("decode getEvents response: %w", err))
	}
	switch {
	case out.Error != nil:
		return protocol.GetEventsResponse{}, &RPCError{Method: protocol.GetEventsMethodName, Code: out.Error.Code, Message: out.Error.Message}
	case out.Result == nil && out.JSONRPC != "2.0":
		return protocol.GetEventsResponse{}, notJSONRPC(errors.New(`the response object has neither "jsonrpc": "2.0" nor a result or error member`))
	case out.Result == nil:
		return protocol.GetEventsResponse{}, fail(fmt.Errorf("getEvents response has neither result nor error"))
	}
	return *out.Result, nil
}

// expectJSONValue skips leading white space in body and checks that a JSON object or array
// follows, because a JSON-RPC response is an object, or an array for a batch. A web page
// served at the RPC URL fails here with a plain message, where the JSON decoder would report
// an invalid character.
func expectJSONValue(body *bufio.Reader) error {
	for {
		b, err := body.ReadByte()
		switch {
		case errors.Is(err, io.EOF):
			return errors.New("the response body is empty")
		case err != nil:
			return err
		case b == ' ' || b == '\t' || b == '\n' || b == '\r':
			continue
		case b == '{' || b == '[':
			return body.UnreadByte()
		default:
			return fmt.Errorf("the response body starts with %q, not a JSON object", b)
		}
	}
}

// jsonRPCRequest is a JSON-RPC 2.0 request.
type jsonRPCRequest struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int    `json:"id"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// jsonRPCError is the error member of a JSON-RPC 2.0 response.
type jsonRPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}
