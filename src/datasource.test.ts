import { DataQueryRequest, DataSourceInstanceSettings, FieldType, ScopedVars, toDataFrame } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import { DataSource, framesToAnnotations, isCompleteQuery } from './datasource';
import { ModelTraceOptions, ModelTraceQuery, ModelVariableQuery } from './types';
import { ModelTraceVariableSupport, modelsToOptions } from './variables';

// Imitates Grafana's TemplateSrv: $model is a multi-value variable with the values 1 and 2.
const variables: Record<string, string[]> = { model: ['1', '2'], risk: ['high'], limit: ['25'], empty: [''] };

function fakeTemplateSrv(): TemplateSrv {
  const replace = (text?: string, _scopedVars?: ScopedVars, format?: string) =>
    (text ?? '').replace(/\$(\w+)/g, (whole, name: string) => {
      const values = variables[name];
      if (!values) {
        return whole;
      }
      if (format === 'csv') {
        return values.join(',');
      }
      // Without a format, Grafana writes a multi-value variable as {a,b}.
      return values.length > 1 ? `{${values.join(',')}}` : values[0];
    });
  return {
    replace: jest.fn(replace),
    getVariables: () => [{ name: 'model' }, { name: 'risk' }],
    containsTemplate: jest.fn(),
    updateTimeRange: jest.fn(),
  } as unknown as TemplateSrv;
}

function newDataSource(): DataSource {
  const settings = {
    id: 1,
    uid: 'modeltrace',
    type: 'modeltrace-soroban-datasource',
    name: 'ModelTrace',
    jsonData: {},
    meta: {},
    access: 'proxy',
    readOnly: false,
  } as unknown as DataSourceInstanceSettings<ModelTraceOptions>;
  return new DataSource(settings, fakeTemplateSrv());
}

describe('applyTemplateVariables', () => {
  const ds = newDataSource();

  it('expands a multi-value variable into several ids', () => {
    const query: ModelTraceQuery = { refId: 'A', queryType: 'riskSeries', modelIds: ['$model'] };
    expect(ds.applyTemplateVariables(query, {}).modelIds).toEqual(['1', '2']);
  });

  it('splits comma lists and drops empties and duplicates', () => {
    const query: ModelTraceQuery = { refId: 'A', modelIds: ['3, 4', '', ' ', '$empty', '4', '$model'] };
    expect(ds.applyTemplateVariables(query, {}).modelIds).toEqual(['3', '4', '1', '2']);
  });

  it('leaves a query without modelIds untouched', () => {
    const query: ModelTraceQuery = { refId: 'A', queryType: 'stats' };
    expect(ds.applyTemplateVariables(query, {})).toEqual(query);
  });

  it('interpolates minRisk', () => {
    const query: ModelTraceQuery = { refId: 'A', minRisk: '$risk' };
    expect(ds.applyTemplateVariables(query, {}).minRisk).toBe('high');
  });

  it('turns a limit variable into a number', () => {
    const query: ModelTraceQuery = { refId: 'A', queryType: 'events', limit: '$limit' };
    expect(ds.applyTemplateVariables(query, {}).limit).toBe(25);
  });

  it('keeps a numeric limit', () => {
    expect(ds.applyTemplateVariables({ refId: 'A', limit: 10 }, {}).limit).toBe(10);
  });

  it('drops a limit that is not a number', () => {
    expect(ds.applyTemplateVariables({ refId: 'A', limit: '$unknown' }, {}).limit).toBeUndefined();
  });
});

describe('filterQuery', () => {
  const ds = newDataSource();

  it('skips hidden queries', () => {
    expect(ds.filterQuery({ refId: 'A', queryType: 'stats', hide: true })).toBe(false);
  });

  it('keeps a query without a type, which runs as riskSeries', () => {
    expect(ds.filterQuery({ refId: 'A' })).toBe(true);
  });

  it('skips an unknown query type', () => {
    expect(ds.filterQuery({ refId: 'A', queryType: 'nope' as ModelTraceQuery['queryType'] })).toBe(false);
  });

  it('skips events with no event kind selected', () => {
    expect(isCompleteQuery({ refId: 'A', queryType: 'events', eventKinds: [] })).toBe(false);
  });

  it('skips an empty limit text', () => {
    expect(isCompleteQuery({ refId: 'A', queryType: 'models', limit: ' ' })).toBe(false);
  });

  it('keeps every complete query type', () => {
    for (const queryType of ['stats', 'riskSeries', 'biasFlags', 'models', 'events'] as const) {
      expect(ds.filterQuery({ refId: 'A', queryType })).toBe(true);
    }
  });
});

describe('getDefaultQuery', () => {
  it('starts a new panel on the risk series', () => {
    expect(newDataSource().getDefaultQuery('panel-editor' as never)).toEqual({ queryType: 'riskSeries' });
  });
});

describe('annotations', () => {
  it('maps a bias flag table to one annotation per row', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [1_700_000_000_000, 1_700_000_060_000] },
        { name: 'model_id', type: FieldType.string, values: ['3', '7'] },
        { name: 'auditor', type: FieldType.string, values: ['GAUDITOR1', 'GAUDITOR2'] },
        { name: 'evidence_hash', type: FieldType.string, values: ['ab12', 'cd34'] },
        { name: 'event_id', type: FieldType.number, values: [41, 42] },
      ],
    });

    const events = framesToAnnotations([frame]);

    expect(events).toHaveLength(2);
    expect(events[0].time).toBe(1_700_000_000_000);
    expect(events[0].title).toBe('Bias flagged on model 3');
    expect(events[0].text).toBe('Auditor: GAUDITOR1\nEvidence hash: ab12\nEvent id: 41');
    expect(events[0].tags).toEqual(['bias', 'model:3']);
    expect(events[1].tags).toEqual(['bias', 'model:7']);
  });

  it('maps model_registered events', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [1_700_000_000_000] },
        { name: 'kind', type: FieldType.string, values: ['model_registered'] },
        { name: 'model_id', type: FieldType.string, values: ['1'] },
        { name: 'name', type: FieldType.string, values: ['fraud-scorer'] },
        { name: 'version', type: FieldType.string, values: ['1.2.0'] },
      ],
    });

    const [event] = framesToAnnotations([frame]);

    expect(event.title).toBe('Model 1 registered: fraud-scorer 1.2.0');
    expect(event.text).toBe('name: fraud-scorer\nversion: 1.2.0');
    expect(event.tags).toEqual(['model_registered', 'model:1']);
  });

  it('tags inference events with their risk', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: ['2024-01-01T00:00:00Z'] },
        { name: 'kind', type: FieldType.string, values: ['inference_logged'] },
        { name: 'model_id', type: FieldType.string, values: ['2'] },
        { name: 'risk', type: FieldType.string, values: ['critical'] },
      ],
    });

    const [event] = framesToAnnotations([frame]);

    expect(event.time).toBe(Date.parse('2024-01-01T00:00:00Z'));
    expect(event.tags).toEqual(['inference_logged', 'model:2', 'risk:critical']);
  });

  it('skips frames without a time field', () => {
    const frame = toDataFrame({ fields: [{ name: 'total_models', type: FieldType.number, values: [3] }] });
    expect(framesToAnnotations([frame])).toEqual([]);
  });

  it('forces the table format for bias flag annotations', () => {
    const ds = newDataSource();
    const prepared = ds.annotations!.prepareAnnotation!({
      name: 'Bias',
      enable: true,
      iconColor: 'red',
      target: { refId: 'Anno', queryType: 'biasFlags', format: 'timeseries' },
    } as never);
    expect(prepared.target).toEqual({ refId: 'Anno', queryType: 'biasFlags', format: 'table' });
  });
});

describe('variable support', () => {
  const models = [
    { id: '1', name: 'fraud-scorer', version: '1.2.0' },
    { id: '2', name: 'credit-model', version: '0.9.1' },
  ];

  it('labels options with name, version and id', () => {
    expect(modelsToOptions(models)).toEqual([
      { text: 'fraud-scorer 1.2.0 (#1)', value: '1' },
      { text: 'credit-model 0.9.1 (#2)', value: '2' },
    ]);
  });

  it('filters options by name', () => {
    expect(modelsToOptions(models, 'CREDIT')).toEqual([{ text: 'credit-model 0.9.1 (#2)', value: '2' }]);
  });

  it('queries the models resource', async () => {
    const ds = newDataSource();
    const getResource = jest.spyOn(ds, 'getResource').mockResolvedValue(models);

    const variables = ds.variables as ModelTraceVariableSupport;
    const request = { targets: [{ refId: 'A', nameFilter: 'fraud' }], scopedVars: {} };
    const response = await lastValueFrom(variables.query(request as unknown as DataQueryRequest<ModelVariableQuery>));

    expect(getResource).toHaveBeenCalledWith('models');
    expect(response.data).toEqual([{ text: 'fraud-scorer 1.2.0 (#1)', value: '1' }]);
  });
});
