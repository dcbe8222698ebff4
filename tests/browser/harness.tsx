// Browser harness: renders the plugin's ConfigEditor and QueryEditor the way Grafana does,
// inside the dark theme, with a fake datasource. run.mjs bundles it and drives it in Chromium.
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme, DataSourceSettings } from '@grafana/data';
import { GlobalStyles, PortalContainer, ThemeContext } from '@grafana/ui';

import { ConfigEditor } from '../../src/components/ConfigEditor';
import { QueryEditor } from '../../src/components/QueryEditor';
import type { DataSource } from '../../src/datasource';
import { ModelTraceOptions, ModelTraceQuery, ModelTraceSecureJsonData } from '../../src/types';

type Settings = DataSourceSettings<ModelTraceOptions, ModelTraceSecureJsonData>;

const theme = createTheme({ colors: { mode: 'dark' } });

const MODELS = [
  { id: '1', name: 'fraud-scorer', version: '1.2.0' },
  { id: '2', name: 'credit-model', version: '0.9.1' },
  { id: '3', name: 'triage-llm', version: '2.0.0-rc1' },
];

// Only the methods the query editor calls, because the real DataSource needs Grafana's runtime.
const fakeDataSource = {
  getModels: () => Promise.resolve(MODELS),
  getVariableNames: () => ['$model', '$risk'],
} as unknown as DataSource;

const initialSettings = {
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
  jsonData: {},
  secureJsonFields: { authHeaderValue: true },
} as unknown as Settings; // Leaves out the deprecated database field, which this plugin never reads.

// Exposes the latest state to the test, which reads it with page.evaluate.
declare global {
  interface Window {
    harnessState: { settings?: Settings; query?: ModelTraceQuery; runs: number };
  }
}
window.harnessState = { runs: 0 };

function ConfigHost() {
  const [options, setOptions] = useState(initialSettings);
  window.harnessState.settings = options;
  return <ConfigEditor options={options} onOptionsChange={setOptions} />;
}

function QueryHost() {
  const [query, setQuery] = useState<ModelTraceQuery>({ refId: 'A', queryType: 'riskSeries' });
  window.harnessState.query = query;
  return (
    <QueryEditor
      query={query}
      datasource={fakeDataSource}
      onChange={setQuery}
      onRunQuery={() => {
        window.harnessState.runs += 1;
      }}
    />
  );
}

function Harness() {
  const panel = {
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
  };
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <main style={{ display: 'flex', flexDirection: 'column', gap: theme.spacing(3), padding: theme.spacing(3) }}>
        <section id="config-editor" style={{ ...panel, width: 720 }}>
          <ConfigHost />
        </section>
        <section id="query-editor" style={{ ...panel, width: 1100 }}>
          <QueryHost />
        </section>
      </main>
      <PortalContainer />
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<Harness />);
