import React, { ChangeEvent, useState } from 'react';
import { Field, FieldSet, Input } from '@grafana/ui';

import { wholeNumberProblem } from '../validation';
import { ModelTraceOptions } from '../types';

/** Settings that the backend reads as Go ints, where an empty value selects its default. */
export type NumberSetting = 'timeoutSeconds' | 'maxEventsPerQuery' | 'livePollMs' | 'indexMaxMiB';

interface NumberField {
  key: NumberSetting;
  id: string;
  label: string;
  description: string;
  /** Backend default, shown as the placeholder. */
  placeholder: string;
}

// Defaults from pkg/plugin/settings.go, pkg/plugin/stream.go and pkg/index/index.go.
const NUMBER_FIELDS: NumberField[] = [
  {
    key: 'timeoutSeconds',
    id: 'config-timeout',
    label: 'Timeout (seconds)',
    description: 'Time limit for each RPC request. Leave empty for 30 seconds.',
    placeholder: '30',
  },
  {
    key: 'maxEventsPerQuery',
    id: 'config-max-events',
    label: 'Max events per query',
    description:
      'Maximum number of contract events one query scans, which bounds the cost of wide time ranges. Leave empty for 5,000,000.',
    placeholder: '5000000',
  },
  {
    key: 'livePollMs',
    id: 'config-live-poll',
    label: 'Live poll interval (ms)',
    description:
      'How often Live queries ask the RPC for new events, in milliseconds. Leave empty for 5000, about one ledger close.',
    placeholder: '5000',
  },
  {
    key: 'indexMaxMiB',
    id: 'config-index-max',
    label: 'Event index memory (MiB)',
    description:
      'Memory cap of the event index, which keeps scanned events so later queries and refreshes need no new RPC calls. ' +
      'The oldest ledger ranges are dropped first. Leave empty for 128 MiB, roughly 5.5 million events.',
    placeholder: '128',
  },
];

interface Props {
  jsonData: ModelTraceOptions;
  onChange: (changes: Partial<ModelTraceOptions>) => void;
}

/** Edits the limits that the backend reads as positive whole numbers. */
export function AdvancedSettings({ jsonData, onChange }: Props) {
  // The typed text is kept apart from jsonData, so an invalid entry stays visible with its
  // error while jsonData keeps the last valid number.
  const [texts, setTexts] = useState<Record<NumberSetting, string>>(() => {
    const initial = {} as Record<NumberSetting, string>;
    for (const { key } of NUMBER_FIELDS) {
      initial[key] = jsonData[key] === undefined ? '' : String(jsonData[key]);
    }
    return initial;
  });

  const onTextChange = (key: NumberSetting) => (event: ChangeEvent<HTMLInputElement>) => {
    const text = event.currentTarget.value;
    setTexts({ ...texts, [key]: text });
    if (text.trim() === '') {
      onChange({ [key]: undefined });
    } else if (wholeNumberProblem(text) === undefined) {
      onChange({ [key]: Number(text.trim()) });
    }
  };

  return (
    <FieldSet label="Advanced">
      {NUMBER_FIELDS.map(({ key, id, label, description, placeholder }) => {
        const text = texts[key];
        const error = text.trim() === '' ? undefined : wholeNumberProblem(text);
        return (
          <Field key={key} label={label} description={description} invalid={error !== undefined} error={error}>
            <Input
              id={id}
              inputMode="numeric"
              width={20}
              placeholder={placeholder}
              value={text}
              onChange={onTextChange(key)}
            />
          </Field>
        );
      })}
    </FieldSet>
  );
}
