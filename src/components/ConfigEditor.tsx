import React, { ChangeEvent, useState } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Combobox, ComboboxOption, Field, FieldSet, Input, SecretInput, Stack } from '@grafana/ui';

import { AdvancedSettings } from './AdvancedSettings';
import { contractIdProblem } from '../strkey';
import { rpcUrlProblem } from '../validation';
import { ModelTraceOptions, ModelTraceSecureJsonData, NETWORK_PASSPHRASES, NetworkName } from '../types';

type Props = DataSourcePluginOptionsEditorProps<ModelTraceOptions, ModelTraceSecureJsonData>;

type ContractField = 'registryContractId' | 'usageMeterContractId' | 'attestationContractId';

const NETWORK_OPTIONS: Array<ComboboxOption<NetworkName>> = [
  { label: 'Testnet', value: 'testnet', description: NETWORK_PASSPHRASES.testnet },
  { label: 'Mainnet (Pubnet)', value: 'mainnet', description: NETWORK_PASSPHRASES.mainnet },
  { label: 'Futurenet', value: 'futurenet', description: NETWORK_PASSPHRASES.futurenet },
  { label: 'Local (quickstart)', value: 'local', description: NETWORK_PASSPHRASES.local },
  { label: 'Custom', value: 'custom', description: 'Type the passphrase your network reports in getNetwork' },
];

// Input widths are in Grafana grid units of 8 px. A 56-character contract id needs about 70.
const INPUT_WIDTH = 60;
const CONTRACT_ID_WIDTH = 72;

/** Edits the connection settings: RPC endpoint, network, contract ids, auth header and limits. */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const secureJsonData = options.secureJsonData ?? {};
  // Contract ids are checked once the user leaves the field, so typing is not interrupted.
  const [touched, setTouched] = useState<Partial<Record<ContractField, boolean>>>({});

  const updateJsonData = (changes: Partial<ModelTraceOptions>) => {
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...changes } });
  };

  const onTextChange = (key: keyof ModelTraceOptions) => (event: ChangeEvent<HTMLInputElement>) => {
    updateJsonData({ [key]: event.currentTarget.value });
  };

  const onNetworkChange = (option: ComboboxOption<NetworkName>) => {
    const network = option.value;
    const passphrase = network === 'custom' ? jsonData.networkPassphrase : NETWORK_PASSPHRASES[network];
    updateJsonData({ network, networkPassphrase: passphrase });
  };

  const contractError = (key: ContractField, required: boolean): string | undefined => {
    const value = jsonData[key] ?? '';
    if (!touched[key] && value === '') {
      return undefined;
    }
    if (value.trim() === '') {
      return required ? 'Registry contract id is required: paste the C… address of the audit registry.' : undefined;
    }
    return contractIdProblem(value);
  };

  const contractInput = (key: ContractField, label: string, description: string, required: boolean) => {
    const error = contractError(key, required);
    return (
      <Field label={label} description={description} invalid={error !== undefined} error={error} required={required}>
        <Input
          id={`config-${key}`}
          width={CONTRACT_ID_WIDTH}
          placeholder="C… (56 characters)"
          value={jsonData[key] ?? ''}
          onChange={onTextChange(key)}
          onBlur={() => setTouched({ ...touched, [key]: true })}
        />
      </Field>
    );
  };

  const network = effectiveNetwork(jsonData);
  const passphrase = network === 'custom' ? (jsonData.networkPassphrase ?? '') : NETWORK_PASSPHRASES[network];
  const passphraseError = passphraseProblem(network, jsonData.networkPassphrase);
  const rpcUrl = jsonData.rpcUrl ?? '';
  const rpcUrlError = rpcUrlProblem(rpcUrl);
  const secretSet = Boolean(secureJsonFields?.authHeaderValue) || Boolean(secureJsonData.authHeaderValue);
  const authHeaderNameError =
    secretSet && (jsonData.authHeaderName ?? '').trim() === ''
      ? 'Auth header name is missing: set it (e.g. Authorization), because the backend rejects a header value without a name.'
      : undefined;

  return (
    <Stack direction="column" gap={0}>
      <FieldSet label="Soroban RPC">
        <Field
          label="RPC URL"
          description="JSON-RPC endpoint of a Stellar RPC (Soroban RPC) node, e.g. https://soroban-testnet.stellar.org or http://localhost:8000/rpc."
          required
          invalid={rpcUrlError !== undefined}
          error={rpcUrlError}
        >
          <Input
            id="config-rpc-url"
            width={INPUT_WIDTH}
            placeholder="https://soroban-testnet.stellar.org"
            value={rpcUrl}
            onChange={onTextChange('rpcUrl')}
          />
        </Field>
        <Field
          label="Network"
          description="The network the RPC node serves. Choosing a preset fills in its passphrase, which health checks compare with the passphrase the node returns from getNetwork."
        >
          <Combobox<NetworkName>
            id="config-network"
            width={INPUT_WIDTH}
            options={NETWORK_OPTIONS}
            value={network}
            onChange={onNetworkChange}
          />
        </Field>
        <Field
          label="Network passphrase"
          description={
            network === 'custom'
              ? 'Passphrase of your network, exactly as getNetwork returns it.'
              : 'Set by the network preset. Choose Custom to type another one.'
          }
          invalid={passphraseError !== undefined}
          error={passphraseError}
        >
          <Input
            id="config-passphrase"
            width={INPUT_WIDTH}
            value={passphrase}
            readOnly={network !== 'custom'}
            onChange={onTextChange('networkPassphrase')}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Contracts">
        {contractInput(
          'registryContractId',
          'Registry contract id',
          'Address of the ModelTrace audit-registry contract: models, inferences and bias flags are read from it.',
          true
        )}
        {contractInput(
          'usageMeterContractId',
          'Usage-meter contract id',
          'Optional. Address of the usage-meter contract, if you deployed one.',
          false
        )}
        {contractInput(
          'attestationContractId',
          'Attestation contract id',
          'Optional. Address of the attestation-router contract, if you deployed one.',
          false
        )}
      </FieldSet>

      <FieldSet label="Authentication">
        <Field
          label="Auth header name"
          description="Optional. HTTP header sent with every RPC request, for hosted RPC providers that need an API key (e.g. Authorization or X-API-Key)."
          invalid={authHeaderNameError !== undefined}
          error={authHeaderNameError}
        >
          <Input
            id="config-auth-header-name"
            width={INPUT_WIDTH}
            placeholder="Authorization"
            value={jsonData.authHeaderName ?? ''}
            onChange={onTextChange('authHeaderName')}
          />
        </Field>
        <Field
          label="Auth header value"
          description="Value of that header, e.g. Bearer <token>. Grafana stores it encrypted and never sends it back to the browser."
        >
          <SecretInput
            id="config-auth-header-value"
            width={INPUT_WIDTH}
            placeholder="Bearer <token>"
            isConfigured={Boolean(secureJsonFields?.authHeaderValue)}
            value={secureJsonData.authHeaderValue ?? ''}
            onChange={(event: ChangeEvent<HTMLInputElement>) =>
              onOptionsChange({
                ...options,
                secureJsonData: { ...secureJsonData, authHeaderValue: event.currentTarget.value },
              })
            }
            onReset={() =>
              onOptionsChange({
                ...options,
                secureJsonFields: { ...secureJsonFields, authHeaderValue: false },
                secureJsonData: { ...secureJsonData, authHeaderValue: '' },
              })
            }
          />
        </Field>
      </FieldSet>

      <AdvancedSettings jsonData={jsonData} onChange={updateJsonData} />
    </Stack>
  );
}

// Reads the network as the backend does: an empty network is testnet, unless a passphrase is set,
// which makes it custom. A passphrase of a preset shows that preset, which selects the same network.
function effectiveNetwork(jsonData: ModelTraceOptions): NetworkName {
  const network = (jsonData.network ?? '').trim().toLowerCase();
  if (network === 'custom' || Object.prototype.hasOwnProperty.call(NETWORK_PASSPHRASES, network)) {
    return network as NetworkName;
  }
  const passphrase = (jsonData.networkPassphrase ?? '').trim();
  if (passphrase === '') {
    return 'testnet';
  }
  const presets = Object.entries(NETWORK_PASSPHRASES) as Array<[Exclude<NetworkName, 'custom'>, string]>;
  return presets.find(([, value]) => value === passphrase)?.[0] ?? 'custom';
}

// The backend rejects a preset network whose saved passphrase differs from the preset's, and a
// custom network without a passphrase.
function passphraseProblem(network: NetworkName, saved: string | undefined): string | undefined {
  const passphrase = (saved ?? '').trim();
  if (network === 'custom') {
    return passphrase === '' ? 'Network passphrase is missing: type the passphrase of your network.' : undefined;
  }
  if (passphrase !== '' && passphrase !== NETWORK_PASSPHRASES[network]) {
    return `Saved passphrase "${passphrase}" does not match this network: choose the network again, or choose Custom.`;
  }
  return undefined;
}
