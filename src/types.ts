import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

/** Query types served by the backend's QueryData. */
export type QueryType = 'stats' | 'riskSeries' | 'biasFlags' | 'models' | 'events';

/** Lowest risk level a query keeps, so "high" keeps High and Critical. */
export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';

/** Risk levels from lowest to highest, as the registry contract orders them. */
export const RISK_LEVELS: RiskLevel[] = ['low', 'medium', 'high', 'critical'];

/** Largest row limit the backend accepts (maxQueryLimit in pkg/plugin/query.go). */
export const MAX_QUERY_LIMIT = 100_000;

/** Registry contract event names. */
export type EventKind = 'model_registered' | 'inference_logged' | 'bias_flagged';

/** Shape of the bias flag frame. */
export type BiasFlagsFormat = 'timeseries' | 'table';

/** Query JSON sent to the backend. Each query type reads only the fields it needs. */
export interface ModelTraceQuery extends DataQuery {
  queryType?: QueryType;
  /** Decimal model ids, into which template variables expand. Empty means every model. */
  modelIds?: string[];
  /** A RiskLevel, or a template variable that expands to one. */
  minRisk?: RiskLevel | string;
  groupByModel?: boolean;
  /** riskSeries: one series counting every inference at or above minRisk, instead of one per level. */
  total?: boolean;
  format?: BiasFlagsFormat;
  /** Empty or unset means every kind. */
  eventKinds?: EventKind[];
  /**
   * Newest rows first, at most this many. Unset means no limit. A string is a template
   * variable, which applyTemplateVariables turns into a number before the query is sent.
   */
  limit?: number | string;
  /** Stream new rows over Grafana Live (events and riskSeries). */
  live?: boolean;
}

/** A new panel shows the risk series of every model. */
export const DEFAULT_QUERY: Partial<ModelTraceQuery> = {
  queryType: 'riskSeries',
};

/** Network presets for the settings page. "custom" lets the user type a passphrase. */
export type NetworkName = 'testnet' | 'mainnet' | 'futurenet' | 'local' | 'custom';

/** Passphrase of each well-known Stellar network. */
export const NETWORK_PASSPHRASES: Record<Exclude<NetworkName, 'custom'>, string> = {
  testnet: 'Test SDF Network ; September 2015',
  mainnet: 'Public Global Stellar Network ; September 2015',
  futurenet: 'Test SDF Future Network ; October 2022',
  local: 'Standalone Network ; February 2017',
};

/** Datasource settings stored in jsonData. */
export interface ModelTraceOptions extends DataSourceJsonData {
  rpcUrl?: string;
  network?: NetworkName;
  networkPassphrase?: string;
  registryContractId?: string;
  usageMeterContractId?: string;
  attestationContractId?: string;
  /** Header sent with every RPC request, e.g. "Authorization" for a hosted RPC provider. */
  authHeaderName?: string;
  timeoutSeconds?: number;
  maxEventsPerQuery?: number;
  /** How often Live streams poll the RPC for new events, in milliseconds. */
  livePollMs?: number;
  /** Memory cap of the backend's event index, in MiB. */
  indexMaxMiB?: number;
}

/** Settings stored encrypted in secureJsonData. Grafana never sends them back to the browser. */
export interface ModelTraceSecureJsonData {
  authHeaderValue?: string;
}

/** One entry of the backend resource GET /models. */
export interface ModelOption {
  id: string;
  name: string;
  version: string;
}

/** Query of a dashboard variable listing models. nameFilter keeps models whose name contains it. */
export interface ModelVariableQuery extends DataQuery {
  nameFilter?: string;
}
