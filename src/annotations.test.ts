import { DataFrame, FieldType, toDataFrame } from '@grafana/data';

import { framesToAnnotations, parseLogfmt } from './annotations';

// Field names and order of the backend frames, from pkg/frames/tables.go.
const BIAS_FLAGS_TABLE_FIELDS = [
  'time',
  'ledger',
  'tx_hash',
  'event_id',
  'model_id',
  'flag_id',
  'auditor',
  'evidence_hash',
  'text',
];
const EVENTS_FIELDS = [
  'time',
  'body',
  'level',
  'ledger',
  'tx_hash',
  'event_id',
  'kind',
  'model_id',
  'risk',
  'actor',
  'hash',
];

const OPERATOR = 'GOPERATOR';
const AUDITOR = 'GAUDITOR';
const TX = 'aa11';
const T0 = 1_767_225_605_000; // 2026-01-01T00:00:05Z

type Row = Record<string, string | number>;

const TYPES: Record<string, FieldType> = {
  time: FieldType.time,
  ledger: FieldType.number,
  model_id: FieldType.number,
  flag_id: FieldType.number,
};

// Builds a frame with exactly the given fields, in order, as the backend sends it.
function backendFrame(name: string, fieldNames: string[], rows: Row[]): DataFrame {
  for (const row of rows) {
    expect(Object.keys(row).sort()).toEqual([...fieldNames].sort());
  }
  return toDataFrame({
    name,
    fields: fieldNames.map((field) => ({
      name: field,
      type: TYPES[field] ?? FieldType.string,
      values: rows.map((row) => row[field]),
    })),
  });
}

// The rows of TestEventsFrame and TestBiasFlagsTable in pkg/frames/tables_test.go.
const EVENT_ROWS: Row[] = [
  {
    time: T0,
    body: `kind=model_registered model=1 name="fraud scorer" version=2.1.0 operator=${OPERATOR} weights_hash=ab12 training_data_cid=bafy`,
    level: 'info',
    ledger: 1001,
    tx_hash: TX,
    event_id: '0004299262742528-0000000000',
    kind: 'model_registered',
    model_id: 1,
    risk: '',
    actor: OPERATOR,
    hash: 'ab12',
  },
  {
    time: T0,
    body: `kind=inference_logged model=4 risk=critical event_id=7 operator=${OPERATOR} payload_hash=cd34`,
    level: 'critical',
    ledger: 1001,
    tx_hash: TX,
    event_id: '0004299262746624-0000000000',
    kind: 'inference_logged',
    model_id: 4,
    risk: 'critical',
    actor: OPERATOR,
    hash: 'cd34',
  },
  {
    time: T0 + 5000,
    body: `kind=bias_flagged model=3 event_id=36 auditor=${AUDITOR} evidence_hash=ab12`,
    level: 'warning',
    ledger: 1002,
    tx_hash: TX,
    event_id: '0004303557713920-0000000001',
    kind: 'bias_flagged',
    model_id: 3,
    risk: '',
    actor: AUDITOR,
    hash: 'ab12',
  },
];

const BIAS_FLAG_ROW: Row = {
  time: T0 + 5000,
  ledger: 1002,
  tx_hash: TX,
  event_id: '0004303557713920-0000000001',
  model_id: 3,
  flag_id: 36,
  auditor: AUDITOR,
  evidence_hash: 'ab12',
  text: `Bias flag 36 on model 3 by ${AUDITOR}, evidence ab12`,
};

describe('framesToAnnotations', () => {
  it('maps a bias flag table to one annotation per row', () => {
    const second = { ...BIAS_FLAG_ROW, time: T0 + 60_000, model_id: 7, flag_id: 37 };
    const frame = backendFrame('bias_flags', BIAS_FLAGS_TABLE_FIELDS, [BIAS_FLAG_ROW, second]);

    const events = framesToAnnotations([frame]);

    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({
      time: T0 + 5000,
      title: 'Bias flagged on model 3',
      text: `Auditor: ${AUDITOR}\nEvidence hash: ab12\nFlag id: 36\nLedger: 1002\nTransaction: ${TX}`,
      tags: ['bias', 'model:3'],
    });
    expect(events[1].time).toBe(T0 + 60_000);
    expect(events[1].tags).toEqual(['bias', 'model:7']);
  });

  it('maps model registrations from the events frame', () => {
    const frame = backendFrame('events', EVENTS_FIELDS, [EVENT_ROWS[0]]);

    expect(framesToAnnotations([frame])).toEqual([
      {
        time: T0,
        title: 'Model 1 registered: fraud scorer 2.1.0',
        text: `Operator: ${OPERATOR}\nWeights hash: ab12\nTraining data CID: bafy\nLedger: 1001\nTransaction: ${TX}`,
        tags: ['model_registered', 'model:1'],
      },
    ]);
  });

  it('maps inferences with their risk', () => {
    const frame = backendFrame('events', EVENTS_FIELDS, [EVENT_ROWS[1]]);

    expect(framesToAnnotations([frame])).toEqual([
      {
        time: T0,
        title: 'Inference on model 4, risk critical',
        text: `Operator: ${OPERATOR}\nPayload hash: cd34\nInference id: 7\nLedger: 1001\nTransaction: ${TX}`,
        tags: ['inference_logged', 'model:4', 'risk:critical'],
      },
    ]);
  });

  it('maps bias flags from the events frame like the table', () => {
    const events = framesToAnnotations([backendFrame('events', EVENTS_FIELDS, [EVENT_ROWS[2]])]);
    const table = framesToAnnotations([backendFrame('bias_flags', BIAS_FLAGS_TABLE_FIELDS, [BIAS_FLAG_ROW])]);

    expect(events).toEqual(table);
  });

  it('maps every row of a mixed events frame', () => {
    const events = framesToAnnotations([backendFrame('events', EVENTS_FIELDS, EVENT_ROWS)]);
    expect(events.map((event) => event.tags?.[0])).toEqual(['model_registered', 'inference_logged', 'bias']);
  });

  it('titles a registration without a version by its name', () => {
    const row = { ...EVENT_ROWS[0], body: `kind=model_registered model=1 name="a=\\"b\\"" version="" operator=G` };
    const [event] = framesToAnnotations([backendFrame('events', EVENTS_FIELDS, [row])]);
    expect(event.title).toBe('Model 1 registered: a="b"');
  });

  it('reads times sent as text', () => {
    const row = { ...BIAS_FLAG_ROW, time: '2026-01-01T00:00:05Z' };
    const [event] = framesToAnnotations([backendFrame('bias_flags', BIAS_FLAGS_TABLE_FIELDS, [row])]);
    expect(event.time).toBe(T0);
  });

  it('ignores the bias flag time series', () => {
    const frame = toDataFrame({
      name: 'bias_flags',
      fields: [
        { name: 'time', type: FieldType.time, values: [T0] },
        { name: 'bias_flags', type: FieldType.number, values: [2] },
      ],
    });
    expect(framesToAnnotations([frame])).toEqual([]);
  });

  it('ignores frames with other names', () => {
    const unnamed = backendFrame('', BIAS_FLAGS_TABLE_FIELDS, [BIAS_FLAG_ROW]);
    const renamed = backendFrame('flags', EVENTS_FIELDS, [EVENT_ROWS[0]]);
    const stats = toDataFrame({
      name: 'stats',
      fields: [{ name: 'total_models', type: FieldType.number, values: [3] }],
    });

    expect(framesToAnnotations([unnamed, renamed, stats])).toEqual([]);
  });
});

describe('parseLogfmt', () => {
  it('reads plain and quoted values', () => {
    expect(parseLogfmt('kind=model_registered model=2 name="a=\\"b\\"" version="" cid="line\\nbreak"')).toEqual({
      kind: 'model_registered',
      model: '2',
      name: 'a="b"',
      version: '',
      cid: 'line\nbreak',
    });
  });

  it('keeps a value whose escapes are not JSON', () => {
    expect(parseLogfmt('name="x\\x01y" version=1')).toEqual({ name: 'x\\x01y', version: '1' });
  });

  it('returns nothing for an empty body', () => {
    expect(parseLogfmt('')).toEqual({});
  });
});
