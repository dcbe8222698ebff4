import React, { useState } from 'react';
import { DataSourceSettings } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

// No delay between keystrokes, so the tests do not depend on the speed of the machine.
const user = userEvent.setup({ delay: null });

import { ConfigEditor } from './ConfigEditor';
import { mockElementSize } from '../testing/layout';
import { ModelTraceOptions, ModelTraceSecureJsonData } from '../types';

type Settings = DataSourceSettings<ModelTraceOptions, ModelTraceSecureJsonData>;

const VALID_ID = 'CAAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQC526';

function settings(jsonData: ModelTraceOptions = {}, secureJsonFields: Record<string, boolean> = {}): Settings {
  // Cast because DataSourceSettings still lists the deprecated database field, which this plugin never reads.
  return {
    id: 1,
    uid: 'modeltrace',
    orgId: 1,
    name: 'ModelTrace',
    type: 'modeltrace-soroban-datasource',
    typeName: 'ModelTrace Soroban',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    readOnly: false,
    withCredentials: false,
    jsonData,
    secureJsonFields,
  } as Settings;
}

// Holds the settings like Grafana's settings page does, and records every change.
function renderEditor(initial: Settings) {
  const onChange = jest.fn();
  function Host() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          onChange(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Host />);
  return onChange;
}

function lastSettings(onChange: jest.Mock): Settings {
  return onChange.mock.calls[onChange.mock.calls.length - 1][0];
}

beforeAll(() => {
  mockElementSize();
});

describe('ConfigEditor', () => {
  it('renders every setting', () => {
    renderEditor(settings());
    for (const label of [
      'RPC URL',
      'Network',
      'Network passphrase',
      'Registry contract id',
      'Usage-meter contract id',
      'Attestation contract id',
      'Auth header name',
      'Auth header value',
      'Timeout (seconds)',
      'Max events per query',
      'Live poll interval (ms)',
      'Event index memory (MiB)',
    ]) {
      // A Field's label element also contains its description, so the label text is matched as a prefix.
      const pattern = new RegExp(`^${label.replace(/[()]/g, '\\$&')}(?! passphrase)`);
      expect(screen.getByLabelText(pattern)).toBeInTheDocument();
    }
  });

  it('stores the RPC URL', async () => {
    const onChange = renderEditor(settings());
    await user.type(screen.getByLabelText(/^RPC URL/), 'http://127.0.0.1:8000');
    expect(lastSettings(onChange).jsonData.rpcUrl).toBe('http://127.0.0.1:8000');
  });

  it('rejects an RPC URL without a scheme', async () => {
    renderEditor(settings({ rpcUrl: 'soroban.example' }));
    expect(screen.getByText('RPC URL must start with http:// or https://.')).toBeInTheDocument();
  });

  it.each(['http://', 'http:///rpc', 'https://user@/rpc'])('rejects the RPC URL %s without a host', (rpcUrl) => {
    renderEditor(settings({ rpcUrl }));
    const scheme = rpcUrl.split(':')[0];
    expect(
      screen.getByText(
        `RPC URL "${rpcUrl}" has no host: write it as ${scheme}://host:port/path, e.g. http://127.0.0.1:8000.`
      )
    ).toBeInTheDocument();
  });

  it.each(['http://127.0.0.1:8000/rpc', 'https://soroban-testnet.stellar.org', 'HTTP://:8000'])(
    'accepts the RPC URL %s',
    (rpcUrl) => {
      renderEditor(settings({ rpcUrl }));
      expect(screen.queryByText(/RPC URL .*(must start|has no host)/)).not.toBeInTheDocument();
    }
  );

  it('shows testnet for empty settings, as the backend uses', () => {
    renderEditor(settings());
    expect(screen.getByRole('combobox')).toHaveValue('Testnet');
    expect(screen.getByLabelText(/^Network passphrase/)).toHaveValue('Test SDF Network ; September 2015');
    expect(screen.getByLabelText(/^Network passphrase/)).toHaveAttribute('readonly');
  });

  it('shows custom for an unknown saved passphrase', () => {
    renderEditor(settings({ networkPassphrase: 'My Net' }));
    expect(screen.getByRole('combobox')).toHaveValue('Custom');
    expect(screen.getByLabelText(/^Network passphrase/)).toHaveValue('My Net');
  });

  it('requires a passphrase for a custom network', () => {
    renderEditor(settings({ network: 'custom' }));
    expect(screen.getByText('Network passphrase is missing: type the passphrase of your network.')).toBeInTheDocument();
  });

  it('rejects a passphrase that differs from the preset', () => {
    renderEditor(settings({ network: 'mainnet', networkPassphrase: 'My Net' }));
    expect(
      screen.getByText(
        'Saved passphrase "My Net" does not match this network: choose the network again, or choose Custom.'
      )
    ).toBeInTheDocument();
  });

  it('fills the passphrase from the network preset', async () => {
    const onChange = renderEditor(settings({ network: 'custom', networkPassphrase: 'mine' }));

    await user.click(screen.getByRole('combobox'));
    await user.click(await screen.findByRole('option', { name: /Testnet/ }));

    const { jsonData } = lastSettings(onChange);
    expect(jsonData.network).toBe('testnet');
    expect(jsonData.networkPassphrase).toBe('Test SDF Network ; September 2015');
    expect(screen.getByLabelText(/^Network passphrase/)).toHaveValue('Test SDF Network ; September 2015');
    expect(screen.getByLabelText(/^Network passphrase/)).toHaveAttribute('readonly');
  });

  it('infers the preset from a saved passphrase', () => {
    renderEditor(settings({ networkPassphrase: 'Public Global Stellar Network ; September 2015' }));
    expect(screen.getByRole('combobox')).toHaveValue('Mainnet (Pubnet)');
    expect(screen.getByLabelText(/^Network passphrase/)).toHaveAttribute('readonly');
  });

  it('lets a custom network edit the passphrase', async () => {
    const onChange = renderEditor(settings({ network: 'custom' }));
    await user.type(screen.getByLabelText(/^Network passphrase/), 'My Net');
    expect(lastSettings(onChange).jsonData.networkPassphrase).toBe('My Net');
  });

  it('shows why a contract id is invalid', async () => {
    renderEditor(settings());
    const input = screen.getByLabelText(/^Registry contract id/);

    await user.type(input, 'CABC');
    await user.tab();

    expect(screen.getByText('Contract id must be 56 characters long, got 4.')).toBeInTheDocument();
  });

  it('requires the registry contract id once touched', async () => {
    renderEditor(settings());
    await user.click(screen.getByLabelText(/^Registry contract id/));
    await user.tab();
    expect(
      screen.getByText('Registry contract id is required: paste the C… address of the audit registry.')
    ).toBeInTheDocument();
  });

  it('accepts a valid contract id', async () => {
    const onChange = renderEditor(settings());
    const input = screen.getByLabelText(/^Usage-meter contract id/);

    await user.type(input, VALID_ID);
    await user.tab();

    expect(lastSettings(onChange).jsonData.usageMeterContractId).toBe(VALID_ID);
    expect(screen.queryByText(/Contract id/)).not.toBeInTheDocument();
  });

  it('stores the auth header value as a secret', async () => {
    const onChange = renderEditor(settings());
    await user.type(screen.getByLabelText(/^Auth header value/), 'Bearer t');
    const saved = lastSettings(onChange);
    expect(saved.secureJsonData?.authHeaderValue).toBe('Bearer t');
    expect(saved.jsonData).toEqual({});
  });

  it('resets a configured secret', async () => {
    const onChange = renderEditor(settings({ authHeaderName: 'Authorization' }, { authHeaderValue: true }));

    await user.click(screen.getByRole('button', { name: 'Reset' }));

    const saved = lastSettings(onChange);
    expect(saved.secureJsonFields.authHeaderValue).toBe(false);
    expect(saved.secureJsonData?.authHeaderValue).toBe('');
  });

  it('stores the advanced limits as numbers', async () => {
    const onChange = renderEditor(settings());
    await user.type(screen.getByLabelText(/^Timeout/), '45');
    await user.type(screen.getByLabelText(/^Max events per query/), '1000');
    await user.type(screen.getByLabelText(/^Live poll interval/), '2000');
    await user.type(screen.getByLabelText(/^Event index memory/), '256');

    const { jsonData } = lastSettings(onChange);
    expect(jsonData.timeoutSeconds).toBe(45);
    expect(jsonData.maxEventsPerQuery).toBe(1000);
    expect(jsonData.livePollMs).toBe(2000);
    expect(jsonData.indexMaxMiB).toBe(256);
  });

  it.each([
    ['Timeout', 'timeoutSeconds'],
    ['Max events per query', 'maxEventsPerQuery'],
    ['Live poll interval', 'livePollMs'],
    ['Event index memory', 'indexMaxMiB'],
  ] as const)('rejects fractions and text in %s', async (label, key) => {
    // An invalid entry is shown with its error, and the setting keeps the last whole number typed.
    const onChange = renderEditor(settings({ [key]: 7 }));
    const input = screen.getByLabelText(new RegExp(`^${label}`));
    expect(input).toHaveValue('7');

    await user.clear(input);
    await user.type(input, '2.5');
    expect(
      screen.getByText('"2.5" is not a whole number: enter a number of 1 or more, without decimals or units.')
    ).toBeInTheDocument();
    expect(lastSettings(onChange).jsonData[key]).toBe(2);

    await user.clear(input);
    await user.type(input, '9');
    await user.type(input, 's');
    expect(
      screen.getByText('"9s" is not a whole number: enter a number of 1 or more, without decimals or units.')
    ).toBeInTheDocument();
    expect(lastSettings(onChange).jsonData[key]).toBe(9);

    await user.clear(input);
    await user.type(input, '0');
    expect(screen.getByText('0 is out of range: enter a number of 1 or more.')).toBeInTheDocument();
    expect(lastSettings(onChange).jsonData[key]).toBeUndefined();
  });

  it('warns when a header value has no header name', async () => {
    renderEditor(settings());
    const warning =
      'Auth header name is missing: set it (e.g. Authorization), because the backend rejects a header value without a name.';
    expect(screen.queryByText(warning)).not.toBeInTheDocument();

    await user.type(screen.getByLabelText(/^Auth header value/), 'Bearer t');
    expect(screen.getByText(warning)).toBeInTheDocument();

    await user.type(screen.getByLabelText(/^Auth header name/), 'Authorization');
    expect(screen.queryByText(warning)).not.toBeInTheDocument();
  });

  it('warns when a saved header value has no header name', () => {
    renderEditor(settings({}, { authHeaderValue: true }));
    expect(screen.getByText(/^Auth header name is missing/)).toBeInTheDocument();
  });
});
