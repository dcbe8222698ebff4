import { CustomVariableSupport, DataQueryRequest, DataQueryResponse, MetricFindValue } from '@grafana/data';
import { from, Observable } from 'rxjs';
import { map } from 'rxjs/operators';

import type { DataSource } from './datasource';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import { ModelOption, ModelVariableQuery } from './types';

/** Backs the `$model` dashboard variable with the backend resource GET /models. */
export class ModelTraceVariableSupport extends CustomVariableSupport<DataSource, ModelVariableQuery> {
  constructor(private readonly datasource: DataSource) {
    super();
  }

  editor = VariableQueryEditor;

  query(request: DataQueryRequest<ModelVariableQuery>): Observable<DataQueryResponse> {
    const filter = this.datasource.interpolate(request.targets[0]?.nameFilter ?? '', request.scopedVars);
    return from(this.datasource.getModels()).pipe(map((models) => ({ data: modelsToOptions(models, filter) })));
  }
}

/** Turns /models entries into variable options: text "fraud-scorer 1.2.0 (#1)", value "1". */
export function modelsToOptions(models: ModelOption[], nameFilter = ''): MetricFindValue[] {
  const needle = nameFilter.trim().toLowerCase();
  return models
    .filter((model) => needle === '' || model.name.toLowerCase().includes(needle))
    .map((model) => ({ text: modelLabel(model), value: model.id }));
}

/** Labels a model the way every picker shows it: name, version and id. */
export function modelLabel(model: ModelOption): string {
  return `${[model.name, model.version].filter(Boolean).join(' ')} (#${model.id})`;
}
