import { DataQueryRequest, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import { DataSource, isCompleteQuery } from './datasource';
import { ModelTraceOptions, ModelTraceQuery, ModelVariableQuery } from './types';
import { ModelTraceVariableSupport, modelsToOptions } from './variables';

// Imitates Grafana 12's TemplateSrv: a selected All expands to every option's value, but a custom
// all value is written as it is, without calling the format function.
interface FakeVariable {
  name: string;
  current: { value: string | string[] };
  options?: string[];
  allValue?: string;
}

const VARIABLES: FakeVariable[] = [
  { name: 'model', current: { value: ['1', '2'] }, options: ['1', '2', '3'] },
  { name: 'modelAll', current: { value: ['$__all'] }, options: ['1', '2', '3'] },
  { name: 'modelCustomAll', current: { value: '$__all' }, options: ['1', '2', '3'], allValue: '.*' },
  { name: 'risk', current: { value: 'high' } },
  { name: 'risks', current: { value: ['critical', 'medium', 'high'] } },
  { name: 'riskAll', current: { value: '$__all' }, options: ['low', 'medium', 'high', 'critical'] },
  { name: 'riskCustomAll', current: { value: '$__all' }, options: ['low', 'high'], allValue: '*' },
  { name: 'riskWord', current: { value: 'All' } },
  { name: 'limit', current: { value: '25' } },
  { name: 'negative', current: { value: '-5' } },
  { name: 'typo', current: { value: '10x' } },
  { name: 'empty', current: { value: '' } },
];

const REFERENCE = /\$(\w+)|\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)\]\]/g;

function fakeReplace(text = '', scopedVars: ScopedVars = {}, format?: string | Function): string {
  return text.replace(REFERENCE, (whole, ...names: Array<string | undefined>) => {
    const name = names[0] ?? names[1] ?? names[2] ?? '';
    const variable = VARIABLES.find((candidate) => candidate.name === name);
    if (!variable) {
      return whole;
    }
    let value: string | string[] = scopedVars[name]?.value ?? variable.current.value;
    if (value === '$__all' || (Array.isArray(value) && value.includes('$__all'))) {
      if (variable.allValue !== undefined) {
        return variable.allValue;
      }
      value = variable.options ?? [];
    }
    if (typeof format === 'function') {
      return format(value, { name, type: 'custom', multi: true, includeAll: true });
    }
    if (!Array.isArray(value)) {
      return value;
    }
    // Without a format, Grafana writes a multi-value variable as {a,b}.
    return format === 'csv' ? value.join(',') : `{${value.join(',')}}`;
  });
}

function fakeTemplateSrv(): TemplateSrv {
  return {
    replace: jest.fn(fakeReplace),
    getVariables: () => VARIABLES,
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
  const modelIds = (ids: string[], scopedVars: ScopedVars = {}) =>
    ds.applyTemplateVariables({ refId: 'A', queryType: 'riskSeries', modelIds: ids }, scopedVars).modelIds;
  const minRisk = (risk: string) => ds.applyTemplateVariables({ refId: 'A', minRisk: risk }, {}).minRisk;
  const limit = (value: string | number) => ds.applyTemplateVariables({ refId: 'A', limit: value }, {}).limit;

  it('expands a multi-value variable into several ids', () => {
    expect(modelIds(['$model'])).toEqual(['1', '2']);
    expect(modelIds(['${model}'])).toEqual(['1', '2']);
    expect(modelIds(['[[model]]'])).toEqual(['1', '2']);
  });

  it('passes a format function for model ids', () => {
    modelIds(['$model']);
    const replace = (ds as unknown as { templateSrv: TemplateSrv }).templateSrv.replace as jest.Mock;
    expect(typeof replace.mock.calls[replace.mock.calls.length - 1][2]).toBe('function');
  });

  it('splits comma lists and drops empties and duplicates', () => {
    expect(modelIds(['3, 4', '', ' ', '$empty', '4', '$model'])).toEqual(['3', '4', '1', '2']);
  });

  it('sends no model filter for All', () => {
    expect(modelIds(['$modelAll'])).toEqual([]);
    expect(modelIds(['3', '${modelAll}'])).toEqual([]);
  });

  it('sends no model filter for a custom all value', () => {
    expect(modelIds(['$modelCustomAll'])).toEqual([]);
  });

  it('uses the value of a repeated panel', () => {
    expect(modelIds(['$modelAll'], { modelAll: { text: '3', value: '3' } })).toEqual(['3']);
  });

  it('leaves a query without modelIds untouched', () => {
    const query: ModelTraceQuery = { refId: 'A', queryType: 'stats' };
    expect(ds.applyTemplateVariables(query, {})).toEqual(query);
  });

  it('interpolates minRisk', () => {
    expect(minRisk('$risk')).toBe('high');
    expect(minRisk('HIGH')).toBe('high');
  });

  it('picks the lowest of several risk levels', () => {
    expect(minRisk('$risks')).toBe('medium');
  });

  it('sends no risk filter for All', () => {
    expect(minRisk('$riskAll')).toBeUndefined();
    expect(minRisk('$riskCustomAll')).toBeUndefined();
    expect(minRisk('$riskWord')).toBeUndefined();
    expect(minRisk('all')).toBeUndefined();
    expect(minRisk('$empty')).toBeUndefined();
  });

  it('passes an unknown risk level on for the backend to reject', () => {
    expect(minRisk('severe')).toBe('severe');
  });

  it('turns a limit variable into a number', () => {
    expect(limit('$limit')).toBe(25);
    expect(limit('$negative')).toBe(-5);
  });

  it('keeps a numeric limit', () => {
    expect(limit(10)).toBe(10);
  });

  it('sends a limit that is not a number as text', () => {
    expect(limit('$typo')).toBe('10x');
    expect(limit('$unknown')).toBe('$unknown');
  });

  it('drops an empty limit', () => {
    expect(limit('$empty')).toBeUndefined();
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

  it('keeps events with an empty kind list, which means every kind', () => {
    expect(isCompleteQuery({ refId: 'A', queryType: 'events', eventKinds: [] })).toBe(true);
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

describe('annotation queries', () => {
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
