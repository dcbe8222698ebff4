import { AnnotationEvent, AnnotationQuery, DataFrame, Field } from '@grafana/data';

import { ModelTraceQuery } from './types';

/** Annotation queries start as a bias flag table, one annotation per flag. */
export const DEFAULT_ANNOTATION_QUERY: Partial<ModelTraceQuery> = { queryType: 'biasFlags', format: 'table' };

// Frame names set by the backend (pkg/frames/tables.go). The bias flag time series is also
// named bias_flags, but only the table has an auditor field.
const BIAS_FLAGS_FRAME = 'bias_flags';
const EVENTS_FRAME = 'events';

/** Sets the defaults of an annotation query and forces bias flags into their table form. */
export function prepareAnnotation(annotation: AnnotationQuery<ModelTraceQuery>): AnnotationQuery<ModelTraceQuery> {
  const target: ModelTraceQuery = { refId: 'Anno', ...DEFAULT_ANNOTATION_QUERY, ...annotation.target };
  if (target.queryType === 'biasFlags') {
    // Only the table form has one row per flag, because the time series form counts flags per interval.
    target.format = 'table';
  }
  return { ...annotation, target };
}

/** One registry event, read from a row of the bias flag table or of the events frame. */
interface AuditEvent {
  kind: string;
  modelId: string;
  /** Operator of a registration or inference, auditor of a bias flag. */
  actor: string;
  /** Weights hash, payload hash or evidence hash. */
  hash: string;
  /** Flag or inference number in the registry, which differs from the getEvents event id. */
  registryEventId: string;
  risk: string;
  ledger: string;
  txHash: string;
  name: string;
  version: string;
  trainingDataCid: string;
}

/**
 * Turns the backend's bias flag tables and events frames into annotations, one per row.
 * Other frames, such as the bias flag time series or the stats frame, are ignored.
 */
export function framesToAnnotations(frames: DataFrame[]): AnnotationEvent[] {
  const annotations: AnnotationEvent[] = [];
  for (const frame of frames) {
    const readRow = rowReader(frame);
    const time = findField(frame, 'time');
    if (readRow === undefined || time === undefined) {
      continue;
    }
    for (let row = 0; row < frame.length; row++) {
      const at = toMillis(time.values[row]);
      if (at !== undefined) {
        annotations.push(toAnnotation(at, readRow(row)));
      }
    }
  }
  return annotations;
}

function rowReader(frame: DataFrame): ((row: number) => AuditEvent) | undefined {
  const text = (row: number) => (name: string) => fieldText(findField(frame, name), row);
  if (frame.name === BIAS_FLAGS_FRAME && findField(frame, 'auditor') !== undefined) {
    return (row) => biasFlagRow(text(row));
  }
  if (frame.name === EVENTS_FRAME && findField(frame, 'kind') !== undefined) {
    return (row) => eventRow(text(row));
  }
  return undefined;
}

type FieldText = (fieldName: string) => string;

// Fields of frames.BiasFlagsTable: time, ledger, tx_hash, event_id, model_id, flag_id, auditor,
// evidence_hash and text.
function biasFlagRow(value: FieldText): AuditEvent {
  return {
    kind: 'bias_flagged',
    modelId: value('model_id'),
    actor: value('auditor'),
    hash: value('evidence_hash'),
    registryEventId: value('flag_id'),
    risk: '',
    ledger: value('ledger'),
    txHash: value('tx_hash'),
    name: '',
    version: '',
    trainingDataCid: '',
  };
}

// Fields of frames.EventsFrame: time, body, level, ledger, tx_hash, event_id, kind, model_id,
// risk, actor and hash. Name, version and training data CID exist only in the logfmt body.
function eventRow(value: FieldText): AuditEvent {
  const body = parseLogfmt(value('body'));
  return {
    kind: value('kind'),
    modelId: value('model_id'),
    actor: value('actor'),
    hash: value('hash'),
    registryEventId: body.event_id ?? '',
    risk: value('risk'),
    ledger: value('ledger'),
    txHash: value('tx_hash'),
    name: body.name ?? '',
    version: body.version ?? '',
    trainingDataCid: body.training_data_cid ?? '',
  };
}

function toAnnotation(time: number, event: AuditEvent): AnnotationEvent {
  const modelTag = event.modelId ? [`model:${event.modelId}`] : [];
  const chainLines = [detail('Ledger', event.ledger), detail('Transaction', event.txHash)];

  switch (event.kind) {
    case 'model_registered': {
      const label = [event.name, event.version].filter(Boolean).join(' ');
      return {
        time,
        title: `Model ${event.modelId} registered${label ? `: ${label}` : ''}`,
        text: joinLines([
          detail('Operator', event.actor),
          detail('Weights hash', event.hash),
          detail('Training data CID', event.trainingDataCid),
          ...chainLines,
        ]),
        tags: ['model_registered', ...modelTag],
      };
    }
    case 'bias_flagged':
      return {
        time,
        title: `Bias flagged on model ${event.modelId}`,
        text: joinLines([
          detail('Auditor', event.actor),
          detail('Evidence hash', event.hash),
          detail('Flag id', event.registryEventId),
          ...chainLines,
        ]),
        tags: ['bias', ...modelTag],
      };
    case 'inference_logged':
      return {
        time,
        title: `Inference on model ${event.modelId}${event.risk ? `, risk ${event.risk}` : ''}`,
        text: joinLines([
          detail('Operator', event.actor),
          detail('Payload hash', event.hash),
          detail('Inference id', event.registryEventId),
          ...chainLines,
        ]),
        tags: ['inference_logged', ...modelTag, ...(event.risk ? [`risk:${event.risk}`] : [])],
      };
    default:
      return {
        time,
        title: `${event.kind || 'Event'} on model ${event.modelId}`,
        text: joinLines([detail('Actor', event.actor), detail('Hash', event.hash), ...chainLines]),
        tags: [event.kind || 'event', ...modelTag],
      };
  }
}

function detail(label: string, value: string): string {
  return value === '' ? '' : `${label}: ${value}`;
}

function joinLines(lines: string[]): string {
  return lines.filter((line) => line !== '').join('\n');
}

/**
 * Parses a logfmt line as the backend writes it (pkg/frames/body.go): key=value pairs separated
 * by spaces, where a value that is empty or contains spaces, quotes, '=' or backslashes is a
 * Go-quoted string.
 */
export function parseLogfmt(line: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  let at = 0;
  while (at < line.length) {
    while (line[at] === ' ') {
      at++;
    }
    const equals = line.indexOf('=', at);
    if (equals < 0) {
      break;
    }
    const key = line.slice(at, equals);
    at = equals + 1;

    let value: string;
    if (line[at] === '"') {
      const end = closingQuote(line, at);
      value = unquote(line.slice(at, end + 1));
      at = end + 1;
    } else {
      const end = line.indexOf(' ', at);
      value = line.slice(at, end < 0 ? line.length : end);
      at = end < 0 ? line.length : end;
    }
    pairs[key] = value;
  }
  return pairs;
}

// Returns the index of the quote that closes the string opening at start, or the last index.
function closingQuote(line: string, start: number): number {
  for (let at = start + 1; at < line.length; at++) {
    if (line[at] === '\\') {
      at++;
    } else if (line[at] === '"') {
      return at;
    }
  }
  return line.length - 1;
}

// Go's strconv.Quote output is valid JSON except for its \x, \a and \v escapes of control bytes.
// JSON.parse rejects a value with those, which is then shown as written, without its quotes.
function unquote(quoted: string): string {
  try {
    return JSON.parse(quoted);
  } catch {
    return quoted.replace(/^"|"$/g, '');
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
