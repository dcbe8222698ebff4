package main

import (
	"fmt"
	"time"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// sandbox is the simulated chain behind `modeltrace sandbox`: a test RPC server and the
// generator that adds a ledger of contract calls to it on every tick.
type sandbox struct {
	server   *sorobantest.Server
	gen      *sorobantest.Generator
	interval time.Duration
}

// newSandbox builds the chain up to now: from the fixture when one is given, else from
// --history of generated ledgers that end at now.
func newSandbox(opts sandboxOptions, now time.Time) (*sandbox, error) {
	server := sorobantest.NewServer(sorobantest.Config{
		NetworkPassphrase: opts.Passphrase,
		RetentionWindow:   uint32(opts.Retention),
	})
	genOpts := opts.Generator
	sb := &sandbox{server: server, interval: genOpts.LedgerInterval}

	if opts.Fixture != "" {
		f, err := sorobantest.LoadFixture(opts.Fixture)
		if err != nil {
			return nil, err
		}
		if f.NetworkPassphrase != opts.Passphrase {
			return nil, fmt.Errorf("fixture network %q differs from --passphrase %q: pass the fixture's passphrase",
				f.NetworkPassphrase, opts.Passphrase)
		}
		if err := server.Seed(f); err != nil {
			return nil, err
		}
		genOpts.ContractID = f.ContractID
		if sb.gen, err = sorobantest.NewGenerator(genOpts); err != nil {
			return nil, err
		}
		if err := sb.gen.Replay(f); err != nil {
			return nil, err
		}
		return sb, nil
	}

	ledgers := int(opts.History / genOpts.LedgerInterval)
	genOpts.StartTime = now.Add(-time.Duration(ledgers) * genOpts.LedgerInterval).UTC().Truncate(time.Second)
	var err error
	if sb.gen, err = sorobantest.NewGenerator(genOpts); err != nil {
		return nil, err
	}
	for range ledgers + 1 {
		block, err := sb.gen.NextLedger()
		if err != nil {
			return nil, err
		}
		if err := server.AddBlock(block); err != nil {
			return nil, err
		}
	}
	return sb, nil
}

// advance closes the next ledger at closeTime, or at the last close time if the clock
// went back.
func (sb *sandbox) advance(closeTime time.Time) error {
	_, last := sb.gen.Ledger()
	closeTime = closeTime.UTC().Truncate(time.Second)
	if closeTime.Before(last) {
		closeTime = last
	}
	block, err := sb.gen.NextLedgerAt(closeTime)
	if err != nil {
		return err
	}
	return sb.server.AddBlock(block)
}
