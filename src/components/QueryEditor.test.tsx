import React, { useState } from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { DataSource } from '../datasource';
import { mockElementSize } from '../testing/layout';
import { ModelTraceQuery, QueryType } from '../types';
import { QueryEditor } from './QueryEditor';

const MODELS = [
  { id: '1', name: 'fraud-scorer', version: '1.2.0' },
  { id: '2', name: 'credit-model', version: '0.9.1' },
];

function fakeDataSource(getModels: () => Promise<unknown> = () => Promise.resolve(MODELS)): DataSource {
  return {
    getModels: jest.fn(getModels),
    getVariableNames: () => ['$model'],
  } as unknown as DataSource;
}

// Holds the query like a panel editor does, and records changes and runs.
function renderEditor(initial: ModelTraceQuery, datasource = fakeDataSource()) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        query={query}
        datasource={datasource}
        onRunQuery={onRunQuery}
        onChange={(next) => {
          onChange(next);
          setQuery(next);
        }}
      />
    );
  }
  render(<Host />);
  return { onChange, onRunQuery, datasource };
}

function lastQuery(onChange: jest.Mock): ModelTraceQuery {
  return onChange.mock.calls[onChange.mock.calls.length - 1][0];
}

// Field labels each query type shows, in the order of the editor.
const FIELD_LABELS = ['Models', 'Min risk', 'Format', 'Event kinds', 'Limit', 'Group by model', 'Live'];
const VISIBLE: Record<QueryType, string[]> = {
  stats: [],
  riskSeries: ['Models', 'Min risk', 'Group by model', 'Live'],
  biasFlags: ['Models', 'Format', 'Group by model'],
  models: ['Limit'],
  events: ['Models', 'Min risk', 'Event kinds', 'Limit', 'Live'],
};

beforeAll(() => {
  mockElementSize();
});

describe('QueryEditor', () => {
  it.each(Object.entries(VISIBLE))('shows only the %s fields', async (queryType, visible) => {
    renderEditor({ refId: 'A', queryType: queryType as QueryType });

    for (const label of FIELD_LABELS) {
      // Radio button labels (for="option-…") repeat some words, such as the "Models" query type.
      const field = screen.queryByText(label, { selector: 'label:not([for^="option-"])' });
      if (visible.includes(label)) {
        expect(field).toBeInTheDocument();
      } else {
        expect(field).not.toBeInTheDocument();
      }
    }
  });

  it('describes the chosen query type', () => {
    renderEditor({ refId: 'A', queryType: 'stats' });
    expect(screen.getByText('Registry totals: models, events, high-risk inferences, bias flags.')).toBeInTheDocument();
  });

  it('starts on the risk series when the query has no type', () => {
    renderEditor({ refId: 'A' });
    expect(screen.getByRole('radio', { name: 'Risk series' })).toBeChecked();
  });

  it('switches the query type and runs it', async () => {
    const { onChange, onRunQuery } = renderEditor({ refId: 'A', queryType: 'riskSeries' });

    await userEvent.click(screen.getByRole('radio', { name: 'Events' }));

    expect(lastQuery(onChange).queryType).toBe('events');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByText('Event kinds', { selector: 'label:not([for^="option-"])' })).toBeInTheDocument();
  });

  it('offers models from the resource and variables', async () => {
    const { datasource, onChange, onRunQuery } = renderEditor({ refId: 'A', queryType: 'riskSeries' });
    await waitFor(() => expect(datasource.getModels).toHaveBeenCalledTimes(1));

    await userEvent.click(screen.getByRole('combobox'));

    expect(await screen.findByRole('option', { name: 'fraud-scorer 1.2.0 (#1)' })).toBeInTheDocument();
    expect(screen.getByRole('option', { name: 'credit-model 0.9.1 (#2)' })).toBeInTheDocument();
    expect(screen.getByRole('option', { name: /\$model/ })).toBeInTheDocument();

    await userEvent.click(screen.getByRole('option', { name: 'credit-model 0.9.1 (#2)' }));

    expect(lastQuery(onChange).modelIds).toEqual(['2']);
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('shows saved model ids with their labels', async () => {
    renderEditor({ refId: 'A', queryType: 'biasFlags', modelIds: ['1'] });
    expect(await screen.findByText('fraud-scorer 1.2.0 (#1)')).toBeInTheDocument();
  });

  it('reports a failed model list', async () => {
    const datasource = fakeDataSource(() => Promise.reject({ data: { error: 'registry contract not found' } }));
    renderEditor({ refId: 'A', queryType: 'riskSeries' }, datasource);
    expect(
      await screen.findByText('Could not load models (registry contract not found): type model ids instead.')
    ).toBeInTheDocument();
  });

  it('sets the minimum risk', async () => {
    const { onChange } = renderEditor({ refId: 'A', queryType: 'riskSeries' });
    await userEvent.click(screen.getByRole('radio', { name: 'High+' }));
    expect(lastQuery(onChange).minRisk).toBe('high');
  });

  it('toggles group by model and live', async () => {
    const { onChange } = renderEditor({ refId: 'A', queryType: 'riskSeries' });

    await userEvent.click(screen.getByLabelText('Group by model'));
    expect(lastQuery(onChange).groupByModel).toBe(true);

    await userEvent.click(screen.getByLabelText('Live'));
    expect(lastQuery(onChange).live).toBe(true);
  });

  it('switches bias flags to a table', async () => {
    const { onChange } = renderEditor({ refId: 'A', queryType: 'biasFlags' });
    expect(screen.getByRole('radio', { name: 'Time series' })).toBeChecked();
    await userEvent.click(screen.getByRole('radio', { name: 'Table' }));
    expect(lastQuery(onChange).format).toBe('table');
  });

  it('sets a numeric limit on blur', async () => {
    const { onChange, onRunQuery } = renderEditor({ refId: 'A', queryType: 'events' });

    await userEvent.type(screen.getByLabelText('Limit'), '50');
    expect(onRunQuery).not.toHaveBeenCalled();
    await userEvent.tab();

    expect(lastQuery(onChange).limit).toBe(50);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('keeps a limit variable as text', async () => {
    const { onChange } = renderEditor({ refId: 'A', queryType: 'models' });
    await userEvent.type(screen.getByLabelText('Limit'), '$limit');
    await userEvent.tab();
    expect(lastQuery(onChange).limit).toBe('$limit');
  });

  it('picks event kinds', async () => {
    const { onChange } = renderEditor({ refId: 'A', queryType: 'events' });
    const kinds = screen.getAllByRole('combobox')[1];

    await userEvent.click(kinds);
    await userEvent.click(await screen.findByRole('option', { name: 'Bias flagged' }));

    expect(lastQuery(onChange).eventKinds).toEqual(['bias_flagged']);
  });
});
