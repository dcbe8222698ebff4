package traffic

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// testRPC is a loopback sorobantest server with the transaction methods enabled and one
// funded account.
type testRPC struct {
	server *sorobantest.Server
	txs    *sorobantest.Transactions
}

func newTestRPC(t *testing.T, account string, sequence int64) (*testRPC, *httptest.Server) {
	t.Helper()
	server := sorobantest.NewServer(sorobantest.Config{NetworkPassphrase: testPassphrase})
	server.AddLedger(101, time.Unix(1_767_225_600, 0))
	key, entry, err := sorobantest.AccountEntry(account, sequence)
	require.NoError(t, err)
	server.SetLedgerEntry(key, entry)

	txs := server.EnableTransactions()
	txs.SetLedger(101)
	httpServer := httptest.NewServer(server)
	t.Cleanup(httpServer.Close)
	return &testRPC{server: server, txs: txs}, httpServer
}

func (r *testRPC) callCount(method string) int {
	return r.server.Calls(method)
}
