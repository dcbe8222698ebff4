// Times how fast Node decodes registry events, for the Go-vs-Node indexer comparison.
//
// It reads the events of a scenario file, repeats them to --events events, and measures three
// decoders. The scval + bucket decoder runs xdr.ScVal.fromXDR(b64, 'base64') and scValToNative
// for every topic and the value, as a Node indexer built on @stellar/stellar-sdk does per
// event, and counts each inference per 1-minute bucket and risk level, as a riskSeries query
// does. The topics + bucket decoder does the same for the topics alone, which carry the kind,
// model and risk level. The base64 decoder runs Buffer.from(b64, 'base64') on the topics and
// the value: the floor any decoder pays. It prints one JSON line with events/s for each (the
// median of --rounds timed rounds, after one untimed warm-up round).
//
// The repeated events are placed 20 to a ledger, ledgers 5 s apart, as
// `modeltrace-bench decode` places them on the Go side.
//
// Usage: node decode.mjs [--scenario PATH] [--events N] [--rounds R]

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { scValToNative, xdr } from '@stellar/stellar-sdk';

const defaultScenario = fileURLToPath(
  new URL('../contracts/testdata/audit-registry/scenario.json', import.meta.url),
);

const { values: opts } = parseArgs({
  options: {
    scenario: { type: 'string', default: defaultScenario },
    events: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
  },
});

const target = positiveInt('events', opts.events);
const rounds = positiveInt('rounds', opts.rounds);

function positiveInt(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    fail(`invalid --${name} ${JSON.stringify(text)}: expected a positive integer`);
  }
  return n;
}

function fail(message) {
  process.stderr.write(`decode.mjs: ${message}\n`);
  process.exit(1);
}

function loadEvents(path) {
  let scenario;
  try {
    scenario = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    fail(`cannot read scenario ${path}: ${err.message}; generate it or pass --scenario PATH`);
  }
  const events = scenario.events;
  if (!Array.isArray(events) || events.length === 0) {
    fail(`scenario ${path} has no "events" array: expected the audit-registry scenario format`);
  }
  return events;
}

// countMismatches decodes every source event once and compares its name and model id topics
// with the scenario's plain JSON, so the timing runs on payloads that decode as expected.
function countMismatches(events) {
  let mismatches = 0;
  for (const ev of events) {
    const [name, model] = ev.topics.map((t) => scValToNative(xdr.ScVal.fromXDR(t, 'base64')));
    if (name !== ev.decoded?.kind || model !== BigInt(ev.decoded?.model_id ?? -1)) {
      mismatches++;
    }
  }
  return mismatches;
}

// decodeScValBucket decodes the topics and the value of every event and counts every
// inference_logged event in a typed array indexed by 1-minute bucket and risk level. It
// returns the number counted.
function decodeScValBucket(events) {
  return decodeBucket(events, true);
}

// decodeTopicsBucket counts like decodeScValBucket but decodes the topics alone.
function decodeTopicsBucket(events) {
  return decodeBucket(events, false);
}

function decodeBucket(events, withValue) {
  const counts = new Float64Array((bucketOf(events[events.length - 1]) + 1) * 4);
  let counted = 0;
  for (const ev of events) {
    const [name, , risk] = ev.topics.map((t) => scValToNative(xdr.ScVal.fromXDR(t, 'base64')));
    if (withValue) {
      scValToNative(xdr.ScVal.fromXDR(ev.value, 'base64'));
    }
    if (name === 'inference_logged') {
      counts[bucketOf(ev) * 4 + risk]++;
      counted++;
    }
  }
  return counted;
}

function bucketOf(ev) {
  return Math.floor(ev.closeTime / 60);
}

function decodeBase64(events) {
  let sum = 0;
  for (const ev of events) {
    for (const topic of ev.topics) {
      sum += Buffer.from(topic, 'base64').length;
    }
    sum += Buffer.from(ev.value, 'base64').length;
  }
  return sum;
}

// rate runs fn once untimed, then rounds times, and returns the median events per second.
function rate(fn, events) {
  const checksum = fn(events);
  const perSecond = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    fn(events);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    perSecond.push(events.length / seconds);
  }
  perSecond.sort((a, b) => a - b);
  return { perSecond: Math.round(perSecond[Math.floor(perSecond.length / 2)]), checksum };
}

const source = loadEvents(opts.scenario);
const perLedger = 20;
const events = Array.from({ length: target }, (_, i) => ({
  ...source[i % source.length],
  closeTime: 5 * Math.floor(i / perLedger),
}));
const mismatches = countMismatches(source);
if (mismatches > 0) {
  process.stderr.write(`decode.mjs: ${mismatches} of ${source.length} events decode to a name or ` +
    'model id other than their "decoded" field\n');
}

const scvalBucket = rate(decodeScValBucket, events);
const topicsBucket = rate(decodeTopicsBucket, events);
const base64 = rate(decodeBase64, events);
const sdkManifest = new URL('./node_modules/@stellar/stellar-sdk/package.json', import.meta.url);
const sdkVersion = JSON.parse(readFileSync(sdkManifest, 'utf8')).version;

console.log(JSON.stringify({
  scenario_events: source.length,
  events: events.length,
  rounds,
  node: process.version,
  stellar_sdk: sdkVersion,
  scval_bucket_events_per_s: scvalBucket.perSecond,
  inferences_counted: scvalBucket.checksum,
  topics_bucket_events_per_s: topicsBucket.perSecond,
  base64_events_per_s: base64.perSecond,
  mismatches,
}));
