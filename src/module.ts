import { DataSourcePlugin } from '@grafana/data';

import { DataSource } from './datasource';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { ModelTraceOptions, ModelTraceQuery } from './types';

export const plugin = new DataSourcePlugin<DataSource, ModelTraceQuery, ModelTraceOptions>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
