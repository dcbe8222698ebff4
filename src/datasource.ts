import {
  AnnotationEvent,
  AnnotationQuery,
  CoreApp,
  DataFrame,
  DataSourceInstanceSettings,
  Field,
  ScopedVars,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv, TemplateSrv } from '@grafana/runtime';
import { of } from 'rxjs';

import { ModelTraceVariableSupport } from './variables';
import { DEFAULT_QUERY, ModelOption, ModelTraceOptions, ModelTraceQuery, QueryType } from './types';

const QUERY_TYPES: QueryType[] = ['stats', 'riskSeries', 'biasFlags', 'models', 'events'];

/** Annotation queries start as a bias flag table, one annotation per flag. */
const DEFAULT_ANNOTATION_QUERY: Partial<ModelTraceQuery> = { queryType: 'biasFlags', format: 'table' };

/** Reads ModelTrace contracts through the plugin backend. */
export class DataSource extends DataSourceWithBackend<ModelTraceQuery, ModelTraceOptions> {
  constructor(
    instanceSettings: DataSourceInstanceSettings<ModelTraceOptions>,
    private readonly templateSrv: TemplateSrv = getTemplateSrv()
  ) {
    super(instanceSettings);
    this.variables = new ModelTraceVariableSupport(this);
    this.annotations = {
      getDefaultQuery: () => DEFAULT_ANNOTATION_QUERY,
      prepareAnnotation: (annotation) => prepareAnnotation(annotation),
      prepareQuery: (annotation) => annotation.target,
      processEvents: (_annotation, frames) => of(framesToAnnotations(frames)),
    };
  }

  getDefaultQuery(_app: CoreApp): Partial<ModelTraceQuery> {
    return DEFAULT_QUERY;
  }

  /** Lists the registered models from the backend resource GET /models, newest first. */
  async getModels(): Promise<ModelOption[]> {
    const models = await this.getResource<ModelOption[]>('models');
    return Array.isArray(models) ? models : [];
  }

  applyTemplateVariables(query: ModelTraceQuery, scopedVars: ScopedVars): ModelTraceQuery {
    const interpolated: ModelTraceQuery = { ...query };

    if (query.modelIds !== undefined) {
      interpolated.modelIds = this.interpolateModelIds(query.modelIds, scopedVars);
    }
    if (query.minRisk !== undefined) {
      interpolated.minRisk = this.templateSrv.replace(query.minRisk, scopedVars).trim().toLowerCase();
    }
    if (query.limit !== undefined) {
      interpolated.limit = this.interpolateLimit(query.limit, scopedVars);
    }
    return interpolated;
  }

  filterQuery(query: ModelTraceQuery): boolean {
    if (query.hide) {
      return false;
    }
    return isCompleteQuery(query);
  }

  /** Replaces template variables in text, e.g. a variable query's name filter. */
  interpolate(text: string, scopedVars: ScopedVars): string {
    return text === '' ? '' : this.templateSrv.replace(text, scopedVars);
  }

  /** Returns the dashboard's variables as `$name`, which the model picker also offers. */
  getVariableNames(): string[] {
    return this.templateSrv.getVariables().map((variable) => `$${variable.name}`);
  }

  // A multi-value variable in csv format expands to "1,2,3", and a literal entry may also be a comma list.
  private interpolateModelIds(modelIds: string[], scopedVars: ScopedVars): string[] {
    const ids: string[] = [];
    for (const entry of modelIds) {
      const expanded = this.templateSrv.replace(entry, scopedVars, 'csv');
      for (const part of expanded.split(',')) {
        const id = part.trim();
        if (id !== '' && !ids.includes(id)) {
          ids.push(id);
        }
      }
    }
    return ids;
  }

  // The backend reads limit as an integer, so a variable's text is converted here.
  // An empty or non-numeric result is dropped, which means "no limit".
  private interpolateLimit(limit: number | string, scopedVars: ScopedVars): number | undefined {
    if (typeof limit === 'number') {
      return limit;
    }
    const text = this.templateSrv.replace(limit, scopedVars).trim();
    const value = Number(text);
    return text !== '' && Number.isInteger(value) ? value : undefined;
  }
}

/** Reports whether a query has everything its type needs. filterQuery skips the rest. */
export function isCompleteQuery(query: ModelTraceQuery): boolean {
  const queryType = query.queryType ?? DEFAULT_QUERY.queryType;
  if (!queryType || !QUERY_TYPES.includes(queryType)) {
    return false;
  }
  if (typeof query.limit === 'string' && query.limit.trim() === '') {
    return false;
  }
  if (queryType === 'events' && query.eventKinds !== undefined && query.eventKinds.length === 0) {
    return false;
  }
  return true;
}

function prepareAnnotation(annotation: AnnotationQuery<ModelTraceQuery>): AnnotationQuery<ModelTraceQuery> {
  const target: ModelTraceQuery = { refId: 'Anno', ...DEFAULT_ANNOTATION_QUERY, ...annotation.target };
  if (target.queryType === 'biasFlags') {
    // Only the table form has one row per flag, because the time series form counts flags per interval.
    target.format = 'table';
  }
  return { ...annotation, target };
}

/** Turns bias flag tables and event tables into annotations, one per row. */
export function framesToAnnotations(frames: DataFrame[]): AnnotationEvent[] {
  const events: AnnotationEvent[] = [];
  for (const frame of frames) {
    const time = findField(frame, 'time');
    if (!time) {
      continue;
    }
    const isEventTable = findField(frame, 'kind') !== undefined;
    for (let row = 0; row < frame.length; row++) {
      const value = (name: string) => fieldText(findField(frame, name), row);
      const at = toMillis(time.values[row]);
      if (at === undefined) {
        continue;
      }
      events.push(isEventTable ? eventAnnotation(at, value) : biasFlagAnnotation(at, value));
    }
  }
  return events;
}

type RowValue = (fieldName: string) => string;

function biasFlagAnnotation(time: number, value: RowValue): AnnotationEvent {
  const modelId = value('model_id');
  const lines = [
    `Auditor: ${value('auditor') || 'unknown'}`,
    `Evidence hash: ${value('evidence_hash') || 'unknown'}`,
    `Event id: ${value('event_id') || 'unknown'}`,
  ];
  return {
    time,
    title: `Bias flagged on model ${modelId || 'unknown'}`,
    text: lines.join('\n'),
    tags: ['bias', ...(modelId ? [`model:${modelId}`] : [])],
  };
}

function eventAnnotation(time: number, value: RowValue): AnnotationEvent {
  const kind = value('kind');
  const modelId = value('model_id');
  const modelTag = modelId ? [`model:${modelId}`] : [];
  const details = ['name', 'version', 'operator', 'auditor', 'risk', 'event_id', 'tx_hash']
    .filter((name) => value(name) !== '')
    .map((name) => `${name}: ${value(name)}`);

  switch (kind) {
    case 'model_registered': {
      const label = [value('name'), value('version')].filter(Boolean).join(' ');
      return {
        time,
        title: `Model ${modelId} registered${label ? `: ${label}` : ''}`,
        text: details.join('\n'),
        tags: ['model_registered', ...modelTag],
      };
    }
    case 'bias_flagged':
      return {
        time,
        title: `Bias flagged on model ${modelId}`,
        text: details.join('\n'),
        tags: ['bias', ...modelTag],
      };
    default: {
      const risk = value('risk');
      return {
        time,
        title: `${kind || 'event'} on model ${modelId}`,
        text: details.join('\n'),
        tags: [kind || 'event', ...modelTag, ...(risk ? [`risk:${risk}`] : [])],
      };
    }
  }
}

function findField(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((field) => field.name === name);
}

function fieldText(field: Field | undefined, row: number): string {
  const value = field?.values[row];
  return value === undefined || value === null ? '' : String(value);
}

function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string' && value !== '') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  if (value instanceof Date) {
    return value.getTime();
  }
  return undefined;
}
