import React, { useState } from 'react';
import { DataSourceSettings } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

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
    ]) {
      // A Field's label element also contains its description, so the label text is matched as a prefix.
      const pattern = new RegExp(`^${label.replace(/[()]/g, '\\$&')}(?! passphrase)`);
      expect(screen.getByLabelText(pattern)).toBeInTheDocument();
    }
  });

  it('stores the RPC URL', async () => {
    const onChange = renderEditor(settings());
    await userEvent.type(screen.getByLabelText(/^RPC URL/), 'http://127.0.0.1:8000');
    expect(lastSettings(onChange).jsonData.rpcUrl).toBe('http://127.0.0.1:8000');
  });

  it('rejects an RPC URL without a scheme', async () => {
    renderEditor(settings({ rpcUrl: 'soroban.example' }));
    expect(screen.getByText('RPC URL must start with http:// or https://.')).toBeInTheDocument();
  });

  it('fills the passphrase from the network preset', async () => {
    const onChange = renderEditor(settings({ network: 'custom', networkPassphrase: 'mine' }));

    await userEvent.click(screen.getByRole('combobox'));
    await userEvent.click(await screen.findByRole('option', { name: /Testnet/ }));

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
    await userEvent.type(screen.getByLabelText(/^Network passphrase/), 'My Net');
    expect(lastSettings(onChange).jsonData.networkPassphrase).toBe('My Net');
  });

  it('shows why a contract id is invalid', async () => {
    renderEditor(settings());
    const input = screen.getByLabelText(/^Registry contract id/);

    await userEvent.type(input, 'CABC');
    await userEvent.tab();

    expect(screen.getByText('Contract id must be 56 characters long, got 4.')).toBeInTheDocument();
  });

  it('requires the registry contract id once touched', async () => {
    renderEditor(settings());
    await userEvent.click(screen.getByLabelText(/^Registry contract id/));
    await userEvent.tab();
    expect(
      screen.getByText('Registry contract id is required: paste the C… address of the audit registry.')
    ).toBeInTheDocument();
  });

  it('accepts a valid contract id', async () => {
    const onChange = renderEditor(settings());
    const input = screen.getByLabelText(/^Usage-meter contract id/);

    await userEvent.type(input, VALID_ID);
    await userEvent.tab();

    expect(lastSettings(onChange).jsonData.usageMeterContractId).toBe(VALID_ID);
    expect(screen.queryByText(/Contract id/)).not.toBeInTheDocument();
  });

  it('stores the auth header value as a secret', async () => {
    const onChange = renderEditor(settings());
    await userEvent.type(screen.getByLabelText(/^Auth header value/), 'Bearer t');
    const saved = lastSettings(onChange);
    expect(saved.secureJsonData?.authHeaderValue).toBe('Bearer t');
    expect(saved.jsonData).toEqual({});
  });

  it('resets a configured secret', async () => {
    const onChange = renderEditor(settings({ authHeaderName: 'Authorization' }, { authHeaderValue: true }));

    await userEvent.click(screen.getByRole('button', { name: 'Reset' }));

    const saved = lastSettings(onChange);
    expect(saved.secureJsonFields.authHeaderValue).toBe(false);
    expect(saved.secureJsonData?.authHeaderValue).toBe('');
  });

  it('stores the advanced limits as numbers', async () => {
    const onChange = renderEditor(settings());
    await userEvent.type(screen.getByLabelText(/^Timeout/), '45');
    await userEvent.type(screen.getByLabelText(/^Max events per query/), '1000');
    const { jsonData } = lastSettings(onChange);
    expect(jsonData.timeoutSeconds).toBe(45);
    expect(jsonData.maxEventsPerQuery).toBe(1000);
  });
});
