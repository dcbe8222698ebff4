import React, { useState } from 'react';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

// No delay between keystrokes, so the tests do not depend on the speed of the machine.
const user = userEvent.setup({ delay: null });

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
    getVariableNames: () => ['$model', '$risk'],
  } as unknown as DataSource;
}

// Holds the query like a panel editor does, and records changes and runs. It resolves once the
// model list has loaded, so no state update lands after a test ends.
async function renderEditor(initial: ModelTraceQuery, datasource = fakeDataSource()) {
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
  await act(async () => {
    render(<Host />);
  });
  return { onChange, onRunQuery, datasource };
}

function lastQuery(onChange: jest.Mock): ModelTraceQuery {
  return onChange.mock.calls[onChange.mock.calls.length - 1][0];
}

// Field labels each query type shows, in the order of the editor.
const FIELD_LABELS = ['Models', 'Min risk', 'Format', 'Event kinds', 'Limit', 'Total', 'Group by model', 'Live'];
const VISIBLE: Record<QueryType, string[]> = {
  stats: [],
  riskSeries: ['Models', 'Min risk', 'Total', 'Group by model', 'Live'],
  biasFlags: ['Models', 'Format', 'Group by model'],
  models: ['Limit'],
  events: ['Models', 'Min risk', 'Event kinds', 'Limit', 'Live'],
};

beforeAll(() => {
  mockElementSize();
});

describe('QueryEditor', () => {
  it.each(Object.entries(VISIBLE))('shows only the %s fields', async (queryType, visible) => {
    await renderEditor({ refId: 'A', queryType: queryType as QueryType });

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

  it('describes the chosen query type', async () => {
    await renderEditor({ refId: 'A', queryType: 'stats' });
    expect(screen.getByText('Registry totals: models, events, high-risk inferences, bias flags.')).toBeInTheDocument();
  });

  it('starts on the risk series when the query has no type', async () => {
    await renderEditor({ refId: 'A' });
    expect(screen.getByRole('radio', { name: 'Risk series' })).toBeChecked();
  });

  it('switches the query type and runs it', async () => {
    const { onChange, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'riskSeries' });

    await user.click(screen.getByRole('radio', { name: 'Events' }));

    expect(lastQuery(onChange).queryType).toBe('events');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByText('Event kinds', { selector: 'label:not([for^="option-"])' })).toBeInTheDocument();
  });

  // Each role query computes accessible names and styles across the open menu, which took over
  // 5 s in total on a loaded 2-core machine, so this test gets more than the default 5 s.
  it('offers models from the resource and variables', async () => {
    const { datasource, onChange, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'riskSeries' });
    await waitFor(() => expect(datasource.getModels).toHaveBeenCalledTimes(1));

    await user.click(screen.getByRole('combobox', { name: /^Models/ }));

    expect(await screen.findByRole('option', { name: 'fraud-scorer 1.2.0 (#1)' })).toBeInTheDocument();
    expect(screen.getByRole('option', { name: 'credit-model 0.9.1 (#2)' })).toBeInTheDocument();
    expect(screen.getByRole('option', { name: /\$model/ })).toBeInTheDocument();

    await user.click(screen.getByRole('option', { name: 'credit-model 0.9.1 (#2)' }));

    expect(lastQuery(onChange).modelIds).toEqual(['2']);
    expect(onRunQuery).toHaveBeenCalled();
  }, 30_000);
  it('shows saved model ids with their labels', async () => {
    await renderEditor({ refId: 'A', queryType: 'biasFlags', modelIds: ['1'] });
    expect(await screen.findByText('fraud-scorer 1.2.0 (#1)')).toBeInTheDocument();
  });

  it('reports a failed model list', async () => {
    const datasource = fakeDataSource(() => Promise.reject({ data: { error: 'registry contract not found' } }));
    await renderEditor({ refId: 'A', queryType: 'riskSeries' }, datasource);
    expect(
      await screen.findByText('Could not load models (registry contract not found): type model ids instead.')
    ).toBeInTheDocument();
  });

  it('sets the minimum risk', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'riskSeries' });
    const risk = screen.getByLabelText(/^Min risk/);
    expect(risk).toHaveValue('All');

    await user.click(risk);
    await user.click(await screen.findByRole('option', { name: /^High\+/ }));
    expect(lastQuery(onChange).minRisk).toBe('high');

    await user.click(risk);
    await user.click(await screen.findByRole('option', { name: /^All/ }));
    expect(lastQuery(onChange).minRisk).toBeUndefined();
  });

  it('takes the minimum risk from a variable', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'events' });
    const risk = screen.getByLabelText(/^Min risk/);

    await user.click(risk);
    await user.click(await screen.findByRole('option', { name: /^\$risk/ }));
    expect(lastQuery(onChange).minRisk).toBe('$risk');

    await user.clear(risk);
    await user.keyboard('$severity');
    await user.click(await screen.findByRole('option', { name: /^\$severity/ }));
    expect(lastQuery(onChange).minRisk).toBe('$severity');
  });

  it('shows a saved risk variable', async () => {
    await renderEditor({ refId: 'A', queryType: 'riskSeries', minRisk: '$level' });
    expect(screen.getByLabelText(/^Min risk/)).toHaveValue('$level');
  });

  it('toggles the total series', async () => {
    const { onChange, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'riskSeries' });
    await user.click(screen.getByLabelText('Total'));
    expect(lastQuery(onChange).total).toBe(true);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('toggles group by model and live', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'riskSeries' });

    await user.click(screen.getByLabelText('Group by model'));
    expect(lastQuery(onChange).groupByModel).toBe(true);

    await user.click(screen.getByLabelText('Live'));
    expect(lastQuery(onChange).live).toBe(true);
  });

  it('switches bias flags to a table', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'biasFlags' });
    expect(screen.getByRole('radio', { name: 'Time series' })).toBeChecked();
    await user.click(screen.getByRole('radio', { name: 'Table' }));
    expect(lastQuery(onChange).format).toBe('table');
  });

  it('sets a numeric limit on blur', async () => {
    const { onChange, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'events' });

    await user.type(screen.getByLabelText('Limit'), '50');
    expect(onRunQuery).not.toHaveBeenCalled();
    await user.tab();

    expect(lastQuery(onChange).limit).toBe(50);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('keeps a limit variable as text', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'models' });
    await user.type(screen.getByLabelText('Limit'), '$limit');
    await user.tab();
    expect(lastQuery(onChange).limit).toBe('$limit');
  });

  it.each([
    ['10x', '"10x" is not a whole number: enter a number from 1 to 100000, without decimals or units.'],
    ['2.5', '"2.5" is not a whole number: enter a number from 1 to 100000, without decimals or units.'],
    ['-5', '-5 is out of range: enter a number from 1 to 100000.'],
    ['0', '0 is out of range: enter a number from 1 to 100000.'],
    ['100001', '100001 is out of range: enter a number from 1 to 100000.'],
  ])('rejects the limit %s', async (text, message) => {
    const { onChange, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'events', limit: 20 });
    const input = screen.getByLabelText('Limit');

    await user.clear(input);
    await user.type(input, text);
    await user.tab();

    expect(screen.getByText(message)).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
    expect(onRunQuery).not.toHaveBeenCalled();
  });

  it('accepts the largest limit and clears the error', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'models' });
    const input = screen.getByLabelText('Limit');

    await user.type(input, '100001');
    expect(screen.getByText('100001 is out of range: enter a number from 1 to 100000.')).toBeInTheDocument();
    await user.clear(input);
    await user.type(input, '100000');
    await user.tab();

    expect(screen.queryByText(/out of range/)).not.toBeInTheDocument();
    expect(lastQuery(onChange).limit).toBe(100_000);
  });

  it('clears the limit when emptied', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'models', limit: 20 });
    await user.clear(screen.getByLabelText('Limit'));
    await user.tab();
    expect(lastQuery(onChange).limit).toBeUndefined();
  });

  it('picks event kinds', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'events' });
    const kinds = screen.getByLabelText(/^Event kinds/);

    await user.click(kinds);
    await user.click(await screen.findByRole('option', { name: 'Bias flagged' }));

    expect(lastQuery(onChange).eventKinds).toEqual(['bias_flagged']);
  });
});
