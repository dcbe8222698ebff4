import React, { ChangeEvent, useEffect, useMemo, useState } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import {
  Combobox,
  ComboboxOption,
  InlineField,
  InlineSwitch,
  Input,
  MultiCombobox,
  RadioButtonGroup,
  Stack,
  Text,
} from '@grafana/ui';

import type { DataSource } from '../datasource';
import { referencedVariables } from '../templating';
import { wholeNumberProblem } from '../validation';
import { modelLabel } from '../variables';
import {
  BiasFlagsFormat,
  DEFAULT_QUERY,
  EventKind,
  MAX_QUERY_LIMIT,
  ModelTraceOptions,
  ModelTraceQuery,
  QueryType,
} from '../types';

type Props = QueryEditorProps<DataSource, ModelTraceQuery, ModelTraceOptions>;

const QUERY_TYPES: Array<SelectableValue<QueryType> & { value: QueryType; description: string }> = [
  {
    label: 'Risk series',
    value: 'riskSeries',
    description: 'Inferences per interval: one series per risk level, or one total series.',
  },
  { label: 'Bias flags', value: 'biasFlags', description: 'Bias flags raised by auditors, as counts or a table.' },
  {
    label: 'Events',
    value: 'events',
    description: 'Raw registry events, newest first: registrations, inferences, flags.',
  },
  { label: 'Models', value: 'models', description: 'Registered models with their inference and flag counters.' },
  { label: 'Stats', value: 'stats', description: 'Registry totals: models, events, high-risk inferences, bias flags.' },
];

// "all" stands for an unset minRisk in the picker and is never stored, because alert rules send
// the query to the backend without applyTemplateVariables.
const ALL_RISKS = 'all';

const RISK_OPTIONS: Array<ComboboxOption<string>> = [
  { label: 'All', value: ALL_RISKS, description: 'Every risk level' },
  { label: 'Medium+', value: 'medium', description: 'Medium, High and Critical' },
  { label: 'High+', value: 'high', description: 'High and Critical' },
  { label: 'Critical', value: 'critical', description: 'Critical only' },
];

const FORMAT_OPTIONS: Array<SelectableValue<BiasFlagsFormat>> = [
  { label: 'Time series', value: 'timeseries', description: 'Flags counted per interval' },
  { label: 'Table', value: 'table', description: 'One row per flag' },
];

const EVENT_KIND_OPTIONS: Array<ComboboxOption<EventKind>> = [
  { label: 'Model registered', value: 'model_registered' },
  { label: 'Inference logged', value: 'inference_logged' },
  { label: 'Bias flagged', value: 'bias_flagged' },
];

// Optional fields read by each query type. The backend ignores the others.
const FIELDS: Record<
  QueryType,
  Array<'models' | 'risk' | 'total' | 'group' | 'format' | 'kinds' | 'limit' | 'live'>
> = {
  stats: [],
  riskSeries: ['models', 'risk', 'total', 'group', 'live'],
  biasFlags: ['models', 'group', 'format'],
  models: ['limit'],
  events: ['models', 'risk', 'kinds', 'limit', 'live'],
};

const LABEL_WIDTH = 16;

/** Edits one ModelTrace query. Each query type shows only the fields it reads. */
export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType = query.queryType ?? DEFAULT_QUERY.queryType ?? 'riskSeries';
  const fields = FIELDS[queryType] ?? [];
  const typeInfo = QUERY_TYPES.find((option) => option.value === queryType);
  const { options: modelOptions, error: modelsError } = useModelOptions(datasource);
  const [limitText, setLimitText] = useState(query.limit === undefined ? '' : String(query.limit));
  const limitError = limitProblem(limitText);

  // Changes that leave the query complete run it at once, but text inputs run on blur.
  const update = (changes: Partial<ModelTraceQuery>, run = true) => {
    onChange({ ...query, ...changes });
    if (run) {
      onRunQuery();
    }
  };

  const selectedModels = useMemo(
    () =>
      (query.modelIds ?? []).map(
        (id) => modelOptions.find((option) => option.value === id) ?? { label: id, value: id }
      ),
    [query.modelIds, modelOptions]
  );

  const riskOptions = useMemo(
    () => [
      ...RISK_OPTIONS,
      ...datasource.getVariableNames().map((name) => ({ label: name, value: name, description: 'Dashboard variable' })),
    ],
    [datasource]
  );
  const minRisk = query.minRisk ?? ALL_RISKS;
  const selectedRisk = riskOptions.find((option) => option.value === minRisk) ?? { label: minRisk, value: minRisk };

  // An invalid limit stays in the input with its error, and the query keeps its last valid limit.
  const onLimitBlur = () => {
    const text = limitText.trim();
    if (limitProblem(text) !== undefined) {
      return;
    }
    const limit = text === '' ? undefined : referencedVariables(text).length > 0 ? text : Number(text);
    if (limit !== query.limit) {
      update({ limit });
    }
  };

  return (
    <Stack direction="column" gap={1}>
      <InlineField label="Query type" labelWidth={LABEL_WIDTH}>
        <RadioButtonGroup<QueryType>
          options={QUERY_TYPES}
          value={queryType}
          onChange={(value) => update({ queryType: value })}
        />
      </InlineField>
      {typeInfo && (
        <Text color="secondary" italic>
          {typeInfo.description}
        </Text>
      )}

      <Stack direction="row" gap={1} wrap="wrap" alignItems="flex-start">
        {fields.includes('models') && (
          <InlineField
            label="Models"
            labelWidth={LABEL_WIDTH}
            tooltip="Only these models. Leave empty for every model. Dashboard variables such as $model are listed too."
          >
            <MultiCombobox<string>
              id="query-models"
              width="auto"
              minWidth={40}
              maxWidth={90}
              placeholder="All models"
              options={modelOptions}
              value={selectedModels}
              createCustomValue
              customValueDescription="Model id or variable"
              onChange={(selected: Array<ComboboxOption<string>>) =>
                update({ modelIds: selected.map((option) => option.value).filter(Boolean) })
              }
            />
          </InlineField>
        )}
        {fields.includes('models') && modelsError && (
          <Text color="warning">Could not load models ({modelsError}): type model ids instead.</Text>
        )}
        {fields.includes('risk') && (
          <InlineField
            label="Min risk"
            labelWidth={LABEL_WIDTH}
            tooltip="Lowest risk level to keep. A variable such as $risk may select several levels, and the lowest one applies."
          >
            <Combobox<string>
              id="query-min-risk"
              width={24}
              options={riskOptions}
              value={selectedRisk}
              createCustomValue
              customValueDescription="Variable, e.g. $risk"
              onChange={(option: ComboboxOption<string>) =>
                update({ minRisk: option.value === ALL_RISKS ? undefined : option.value })
              }
            />
          </InlineField>
        )}
      </Stack>

      <Stack direction="row" gap={1} wrap="wrap" alignItems="flex-start">
        {fields.includes('format') && (
          <InlineField label="Format" labelWidth={LABEL_WIDTH}>
            <RadioButtonGroup<BiasFlagsFormat>
              options={FORMAT_OPTIONS}
              value={query.format ?? 'timeseries'}
              onChange={(value) => update({ format: value })}
            />
          </InlineField>
        )}
        {fields.includes('kinds') && (
          <InlineField label="Event kinds" labelWidth={LABEL_WIDTH} tooltip="Leave empty for every kind.">
            <MultiCombobox<EventKind>
              id="query-event-kinds"
              width="auto"
              minWidth={40}
              maxWidth={90}
              placeholder="All kinds"
              options={EVENT_KIND_OPTIONS}
              value={query.eventKinds ?? []}
              onChange={(selected: Array<ComboboxOption<EventKind>>) => {
                const eventKinds = selected.map((option) => option.value);
                update({ eventKinds: eventKinds.length > 0 ? eventKinds : undefined });
              }}
            />
          </InlineField>
        )}
        {fields.includes('limit') && (
          <InlineField
            label="Limit"
            labelWidth={LABEL_WIDTH}
            tooltip={`Newest rows first, at most this many: 1 to ${MAX_QUERY_LIMIT}, or a variable such as $limit. Empty means no limit.`}
            invalid={limitError !== undefined}
            error={limitError}
          >
            <Input
              aria-label="Limit"
              width={16}
              placeholder="No limit"
              value={limitText}
              onChange={(event: ChangeEvent<HTMLInputElement>) => setLimitText(event.currentTarget.value)}
              onBlur={onLimitBlur}
            />
          </InlineField>
        )}
        {fields.includes('total') && (
          <InlineField
            label="Total"
            labelWidth={LABEL_WIDTH}
            tooltip="One series counting every inference at or above the minimum risk, instead of one series per risk level."
          >
            <InlineSwitch
              aria-label="Total"
              value={query.total ?? false}
              onChange={(event: React.FormEvent<HTMLInputElement>) => update({ total: event.currentTarget.checked })}
            />
          </InlineField>
        )}
        {fields.includes('group') && (
          <InlineField
            label="Group by model"
            labelWidth={LABEL_WIDTH}
            tooltip="One series per model and risk level instead of one per risk level."
          >
            <InlineSwitch
              aria-label="Group by model"
              value={query.groupByModel ?? false}
              onChange={(event: React.FormEvent<HTMLInputElement>) =>
                update({ groupByModel: event.currentTarget.checked })
              }
            />
          </InlineField>
        )}
        {fields.includes('live') && (
          <InlineField label="Live" labelWidth={LABEL_WIDTH} tooltip="Stream new events to the panel as ledgers close.">
            <InlineSwitch
              aria-label="Live"
              value={query.live ?? false}
              onChange={(event: React.FormEvent<HTMLInputElement>) => update({ live: event.currentTarget.checked })}
            />
          </InlineField>
        )}
      </Stack>
    </Stack>
  );
}

// An empty limit means no limit. A variable's value is checked by the backend, once
// applyTemplateVariables has turned it into a number.
function limitProblem(text: string): string | undefined {
  if (text.trim() === '' || referencedVariables(text).length > 0) {
    return undefined;
  }
  return wholeNumberProblem(text, MAX_QUERY_LIMIT);
}

/** Loads the model picker's options from GET /models, with the dashboard's variables first. */
function useModelOptions(datasource: DataSource): { options: Array<ComboboxOption<string>>; error?: string } {
  const [options, setOptions] = useState<Array<ComboboxOption<string>>>([]);
  const [error, setError] = useState<string>();

  useEffect(() => {
    let cancelled = false;
    const variables = datasource
      .getVariableNames()
      .map((name) => ({ label: name, value: name, description: 'Dashboard variable' }));

    datasource
      .getModels()
      .then((models) => models.map((model) => ({ label: modelLabel(model), value: model.id })))
      // The picker still offers variables and typed ids when the resource fails.
      .catch((err: unknown) => {
        if (!cancelled) {
          setError(describeError(err));
        }
        return [];
      })
      .then((models) => {
        if (!cancelled) {
          setOptions([...variables, ...models]);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [datasource]);

  return { options, error };
}

// getResource rejects with a FetchError whose data carries the backend's {"error": "..."} body.
function describeError(err: unknown): string {
  const fetchError = err as { data?: { error?: string; message?: string }; message?: string };
  return fetchError?.data?.error ?? fetchError?.data?.message ?? fetchError?.message ?? String(err);
}
