import React, { ChangeEvent, useState } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineField, Input, Stack, Text } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { ModelTraceOptions, ModelTraceQuery, ModelVariableQuery } from '../types';

type Props = QueryEditorProps<DataSource, ModelTraceQuery, ModelTraceOptions, ModelVariableQuery>;

/** Edits the `$model` variable query: every registered model, optionally filtered by name. */
export function VariableQueryEditor({ query, onChange }: Props) {
  // The filter is saved on blur, so the model list is not reloaded on every keystroke.
  const [nameFilter, setNameFilter] = useState(query.nameFilter ?? '');
  const onFilterBlur = () => onChange({ ...query, nameFilter });

  return (
    <Stack direction="column" gap={1}>
      <Text color="secondary">
        Lists the models of the registry contract. Each option shows the name, version and id, and its value is the
        model id that queries filter on.
      </Text>
      <InlineField
        label="Name contains"
        labelWidth={18}
        tooltip="Keep only models whose name contains this text; leave empty for every model."
      >
        <Input
          aria-label="Model name filter"
          width={40}
          placeholder="e.g. fraud"
          value={nameFilter}
          onChange={(event: ChangeEvent<HTMLInputElement>) => setNameFilter(event.currentTarget.value)}
          onBlur={onFilterBlur}
        />
      </InlineField>
    </Stack>
  );
}
