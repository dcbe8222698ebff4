import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv, TemplateSrv } from '@grafana/runtime';
import { of } from 'rxjs';

import { DEFAULT_ANNOTATION_QUERY, framesToAnnotations, prepareAnnotation } from './annotations';
import { interpolateField } from './templating';
import { ModelTraceVariableSupport } from './variables';
import { DEFAULT_QUERY, ModelOption, ModelTraceOptions, ModelTraceQuery, QueryType, RISK_LEVELS } from './types';

const QUERY_TYPES: QueryType[] = ['stats', 'riskSeries', 'biasFlags', 'models', 'events'];

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
      interpolated.minRisk = this.interpolateMinRisk(query.minRisk, scopedVars);
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

  // A multi-value variable expands to "1,2,3", and a literal entry may also be a comma list.
  // All models means no model filter, which the backend reads from an empty list.
  private interpolateModelIds(modelIds: string[], scopedVars: ScopedVars): string[] {
    const ids: string[] = [];
    for (const entry of modelIds) {
      const { text, all } = interpolateField(this.templateSrv, entry, scopedVars, (values) => values.join(','));
      if (all) {
        return [];
      }
      for (const part of text.split(',')) {
        const id = part.trim();
        if (id !== '' && !ids.includes(id)) {
          ids.push(id);
        }
      }
    }
    return ids;
  }

  // All, "all" and an empty value mean no risk filter, which the backend reads from an unset minRisk.
  private interpolateMinRisk(minRisk: string, scopedVars: ScopedVars): string | undefined {
    const { text, all } = interpolateField(this.templateSrv, minRisk, scopedVars, lowestRisk);
    const level = text.trim().toLowerCase();
    return all || level === '' || level === 'all' ? undefined : level;
  }

  // The backend reads limit as an integer, so a variable's text is converted here. An empty
  // result means no limit. Other text is sent unchanged, so the backend rejects the query with
  // an error instead of running it without the limit.
  private interpolateLimit(limit: number | string, scopedVars: ScopedVars): number | string | undefined {
    if (typeof limit === 'number') {
      return limit;
    }
    const text = this.templateSrv.replace(limit, scopedVars).trim();
    if (text === '') {
      return undefined;
    }
    return /^-?\d+$/.test(text) ? Number(text) : text;
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
  return true;
}

// Picks the lowest risk level among a multi-value variable's values, because minRisk keeps that
// level and every higher one. "all" wins over any level, and values that are no level are passed
// on for the backend to reject.
function lowestRisk(values: string[]): string {
  const levels = values.map((value) => value.trim().toLowerCase());
  if (levels.includes('all')) {
    return 'all';
  }
  return RISK_LEVELS.find((level) => levels.includes(level)) ?? levels.join(',');
}
