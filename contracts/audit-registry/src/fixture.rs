//! Golden fixture for the Go side: a deterministic scenario run in the real Soroban host.
//!
//! The scenario registers 6 models for 3 operators, logs about 300 inferences over 30
//! ledgers and lets 2 auditors flag bias. Every event the host emits, and the final instance
//! and model ledger entries, are written as base64 XDR to `testdata/audit-registry/scenario.json`.
//! Regenerate with `UPDATE_FIXTURES=1 cargo test -p audit-registry scenario_fixture`.
extern crate std;

use super::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use soroban_sdk::{
    testutils::{EnvTestConfig, Events as _, Ledger as _},
    xdr::{
        self, ContractDataDurability, LedgerEntry, LedgerEntryData, LedgerKey,
        LedgerKeyContractData, Limits, ScAddress, ScSymbol, ScVal, StringM, WriteXdr,
    },
    Address, BytesN, Env, Event, IntoVal, TryFromVal, Val,
};
use std::{format, string::String as StdString, vec::Vec as StdVec};

const PASSPHRASE: &str = "Standalone Network ; February 2017";
const FIRST_LEDGER: u32 = 1000;
/// 2026-01-01T00:00:00Z.
const FIRST_CLOSE_TIME: u64 = 1_767_225_600;
const LEDGER_COUNT: u32 = 30;
/// Ledger offsets with no registry transaction, so readers see gaps between events.
const QUIET_LEDGERS: [u32; 3] = [13, 22, 29];
const REGENERATE: &str = "UPDATE_FIXTURES=1 cargo test -p audit-registry scenario_fixture";

/// Models as (name, version, operator index, ledger offset of registration).
const MODELS: [(&str, &str, usize, u32); 6] = [
    ("fraud-scorer", "2.1.0", 0, 0),
    ("credit-limit-gbm", "1.4.2", 1, 0),
    ("chat-assistant", "7b-q4-2026.01", 2, 0),
    ("resume-screener", "0.9.0", 0, 1),
    ("claims-triage", "3.0.0-rc1", 1, 1),
    ("face-match", "5.2.1", 2, 10),
];

/// Bias flags as (ledger offset, model id). The auditors take turns.
const BIAS_FLAGS: [(u32, u64); 12] = [
    (4, 3),
    (7, 1),
    (9, 3),
    (12, 5),
    (15, 3),
    (16, 2),
    (18, 6),
    (20, 3),
    (23, 4),
    (25, 6),
    (26, 3),
    (28, 1),
];

/// Risk weights (Low, Medium, High, Critical) out of 100. Models 3 and 6 are riskier.
const USUAL_RISK: [u64; 4] = [60, 25, 11, 4];
const RISKY: [u64; 4] = [35, 30, 23, 12];
const LEVELS: [RiskLevel; 4] = [
    RiskLevel::Low,
    RiskLevel::Medium,
    RiskLevel::High,
    RiskLevel::Critical,
];

#[derive(Serialize)]
struct Scenario {
    network_passphrase: StdString,
    contract_id: StdString,
    ledgers: StdVec<LedgerJson>,
    events: StdVec<EventJson>,
    instance: EntryJson,
    models: StdVec<ModelEntryJson>,
    expected: Expected,
}

#[derive(Serialize)]
struct LedgerJson {
    sequence: u32,
    close_time: u64,
}

#[derive(Serialize)]
struct EventJson {
    ledger: u32,
    close_time: u64,
    tx_index: u32,
    op_index: u32,
    event_index: u32,
    contract_id: StdString,
    topics: StdVec<StdString>,
    value: StdString,
    decoded: Decoded,
}

/// Call inputs and outputs in plain JSON. Hashes are lowercase hex and addresses strkeys.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Decoded {
    ModelRegistered {
        model_id: u64,
        operator: StdString,
        name: StdString,
        version: StdString,
        weights_hash: StdString,
        training_data_cid: StdString,
    },
    InferenceLogged {
        model_id: u64,
        risk_level: u32,
        event_id: u64,
        operator: StdString,
        payload_hash: StdString,
    },
    BiasFlagged {
        model_id: u64,
        auditor: StdString,
        event_id: u64,
        evidence_hash: StdString,
    },
}

#[derive(Serialize)]
struct EntryJson {
    key: StdString,
    entry: StdString,
}

#[derive(Serialize)]
struct ModelEntryJson {
    model_id: u64,
    key: StdString,
    entry: StdString,
}

#[derive(Serialize)]
struct Expected {
    stats: StatsJson,
    inferences_by_risk: RiskCounts,
    by_model: StdVec<ModelExpected>,
}

#[derive(Serialize)]
struct StatsJson {
    total_models: u64,
    total_events: u64,
    high_risk_flags: u64,
    bias_flags: u64,
}

#[derive(Serialize, Default, Clone, Copy)]
struct RiskCounts {
    low: u64,
    medium: u64,
    high: u64,
    critical: u64,
}

impl RiskCounts {
    fn add(&mut self, level: RiskLevel) {
        match level {
            RiskLevel::Low => self.low += 1,
            RiskLevel::Medium => self.medium += 1,
            RiskLevel::High => self.high += 1,
            RiskLevel::Critical => self.critical += 1,
        }
    }
}

#[derive(Serialize)]
struct ModelExpected {
    model_id: u64,
    inference_count: u64,
    high_risk_count: u64,
    bias_flag_count: u64,
    inferences_by_risk: RiskCounts,
    registered_ledger: u32,
    last_event_ledger: u32,
}

/// Xorshift64* generator, so a fixed seed gives the same traffic on every run and platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }

    fn risk(&mut self, weights: &[u64; 4]) -> RiskLevel {
        let mut roll = self.next(100);
        for (level, weight) in LEVELS.iter().zip(weights) {
            if roll < *weight {
                return *level;
            }
            roll -= weight;
        }
        unreachable!("risk weights must add up to 100")
    }
}

fn sha256(label: &str) -> [u8; 32] {
    Sha256::digest(label.as_bytes()).into()
}

fn close_time(offset: u32) -> u64 {
    // About 5 s per ledger, with every fourth ledger a second slower.
    FIRST_CLOSE_TIME + 5 * offset as u64 + (offset / 4) as u64
}

/// Returns the strkey of an account whose ed25519 key comes from a fixed seed.
fn account(label: &str) -> StdString {
    let signing = ed25519_dalek::SigningKey::from_bytes(&sha256(label));
    stellar_strkey::ed25519::PublicKey(signing.verifying_key().to_bytes())
        .to_string()
        .as_str()
        .into()
}

/// Returns a CIDv1 string (raw codec, sha-256, base32) for a label.
fn cid(label: &str) -> StdString {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bytes = std::vec![0x01, 0x55, 0x12, 0x20];
    bytes.extend_from_slice(&sha256(label));
    let mut out = StdString::from("b");
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | byte as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn b64<T: WriteXdr>(value: &T) -> StdString {
    value.to_xdr_base64(Limits::none()).unwrap()
}

struct Run {
    env: Env,
    contract: Address,
    client: AuditRegistryClient<'static>,
    contract_strkey: StdString,
    ledger: u32,
    tx_index: u32,
    events: StdVec<EventJson>,
}

impl Run {
    fn new() -> Self {
        // No test snapshot at drop, because scenario.json already records this run.
        let env = Env::new_with_config(EnvTestConfig {
            capture_snapshot_at_drop: false,
        });
        env.ledger().with_mut(|li| {
            li.network_id = sha256(PASSPHRASE);
            li.sequence_number = FIRST_LEDGER;
            li.timestamp = FIRST_CLOSE_TIME;
        });
        // Every signature is mocked here, because test.rs checks the real authorization rules.
        env.mock_all_auths();
        let contract_strkey: StdString =
            stellar_strkey::Contract(sha256("modeltrace/audit-registry/scenario"))
                .to_string()
                .as_str()
                .into();
        let contract = Address::from_str(&env, &contract_strkey);
        env.register_at(&contract, AuditRegistry, ());
        let client = AuditRegistryClient::new(&env, &contract);
        Run {
            env,
            contract,
            client,
            contract_strkey,
            ledger: FIRST_LEDGER,
            tx_index: 0,
            events: StdVec::new(),
        }
    }

    fn close_ledger(&mut self, offset: u32) {
        self.ledger = FIRST_LEDGER + offset;
        self.tx_index = 0;
        let (sequence, timestamp) = (self.ledger, close_time(offset));
        self.env.ledger().with_mut(|li| {
            li.sequence_number = sequence;
            li.timestamp = timestamp;
        });
    }

    /// Records the events of the call that just ran as the next transaction in the ledger,
    /// after checking that the host emitted exactly `expected`.
    fn record(&mut self, expected: &impl Event, decoded: Decoded) {
        self.tx_index += 1;
        let all = self.env.events().all();
        let emitted = all.events();
        assert_eq!(
            emitted.len(),
            1,
            "ledger {} tx {}",
            self.ledger,
            self.tx_index
        );
        assert_eq!(emitted[0], expected.to_xdr(&self.env, &self.contract));

        let xdr::ContractEventBody::V0(body) = &emitted[0].body;
        self.events.push(EventJson {
            ledger: self.ledger,
            close_time: self.env.ledger().timestamp(),
            tx_index: self.tx_index,
            op_index: 0,
            event_index: 0,
            contract_id: self.contract_strkey.clone(),
            topics: body.topics.iter().map(b64).collect(),
            value: b64(&body.data),
            decoded,
        });
    }
}

fn contract_data_key(contract: &ScAddress, key: ScVal) -> LedgerKey {
    LedgerKey::ContractData(LedgerKeyContractData {
        contract: contract.clone(),
        key,
        durability: ContractDataDurability::Persistent,
    })
}

fn symbol(name: &str) -> ScVal {
    ScVal::Symbol(ScSymbol(StringM::try_from(name).unwrap()))
}

fn model_key_val(id: u64) -> ScVal {
    ScVal::Vec(Some(
        std::vec![symbol("Model"), ScVal::U64(id)]
            .try_into()
            .unwrap(),
    ))
}

/// Runs the scenario and returns the fixture JSON.
fn render() -> StdString {
    let mut run = Run::new();
    let env = run.env.clone();
    let operators: StdVec<StdString> = (1..=3)
        .map(|n| account(&format!("modeltrace-fixture-operator-{n}")))
        .collect();
    let auditors: StdVec<StdString> = (1..=2)
        .map(|n| account(&format!("modeltrace-fixture-auditor-{n}")))
        .collect();
    let mut rng = Rng(0x4d54_2026_0101_0005);
    let mut by_risk = RiskCounts::default();
    let mut model_risk = [RiskCounts::default(); MODELS.len()];
    let mut registered = 0usize;
    let mut flags = 0usize;
    let mut ledgers = StdVec::new();

    for offset in 0..LEDGER_COUNT {
        run.close_ledger(offset);
        ledgers.push(LedgerJson {
            sequence: run.ledger,
            close_time: close_time(offset),
        });
        if QUIET_LEDGERS.contains(&offset) {
            continue;
        }

        while registered < MODELS.len() && MODELS[registered].3 == offset {
            let (name, version, operator_index, _) = MODELS[registered];
            let operator = Address::from_str(&env, &operators[operator_index]);
            let weights = sha256(&format!("weights:{name}:{version}"));
            let data_cid = cid(&format!("training-data:{name}"));
            let id = run.client.register_model(
                &operator,
                &String::from_str(&env, name),
                &String::from_str(&env, version),
                &BytesN::from_array(&env, &weights),
                &String::from_str(&env, &data_cid),
            );
            registered += 1;
            assert_eq!(id, registered as u64);
            let event = ModelRegistered {
                model_id: id,
                operator,
                name: String::from_str(&env, name),
                version: String::from_str(&env, version),
                weights_hash: BytesN::from_array(&env, &weights),
                training_data_cid: String::from_str(&env, &data_cid),
            };
            let decoded = Decoded::ModelRegistered {
                model_id: id,
                operator: operators[operator_index].clone(),
                name: name.into(),
                version: version.into(),
                weights_hash: hex::encode(weights),
                training_data_cid: data_cid,
            };
            run.record(&event, decoded);
        }
        if offset == 0 {
            continue;
        }

        let inferences = 10 + rng.next(4);
        let flag_at = rng.next(inferences);
        for n in 0..inferences {
            if n == flag_at && flags < BIAS_FLAGS.len() && BIAS_FLAGS[flags].0 == offset {
                flag_bias(
                    &mut run,
                    &auditors[flags % auditors.len()],
                    BIAS_FLAGS[flags].1,
                    flags,
                );
                flags += 1;
            }
            let model_id = 1 + rng.next(registered as u64);
            let weights = if model_id == 3 || model_id == 6 {
                &RISKY
            } else {
                &USUAL_RISK
            };
            let level = rng.risk(weights);
            let strkey = &operators[MODELS[model_id as usize - 1].2];
            let operator = Address::from_str(&env, strkey);
            let payload = sha256(&format!("payload:{}:{}", run.ledger, run.tx_index + 1));
            let payload_hash = BytesN::from_array(&env, &payload);
            let event_id = run
                .client
                .log_inference(&operator, &model_id, &payload_hash, &level);
            by_risk.add(level);
            model_risk[model_id as usize - 1].add(level);
            let event = InferenceLogged {
                model_id,
                risk_level: level,
                event_id,
                operator,
                payload_hash,
            };
            let decoded = Decoded::InferenceLogged {
                model_id,
                risk_level: level as u32,
                event_id,
                operator: strkey.clone(),
                payload_hash: hex::encode(payload),
            };
            run.record(&event, decoded);
        }
    }
    assert_eq!(flags, BIAS_FLAGS.len(), "every planned bias flag ran");

    let scenario = Scenario {
        network_passphrase: PASSPHRASE.into(),
        contract_id: run.contract_strkey.clone(),
        ledgers,
        instance: instance_entry(&run),
        models: model_entries(&run),
        expected: expected(&run, by_risk, &model_risk),
        events: core::mem::take(&mut run.events),
    };
    let mut json = serde_json::to_string_pretty(&scenario).unwrap();
    json.push('\n');
    json
}

fn flag_bias(run: &mut Run, strkey: &str, model_id: u64, n: usize) {
    let env = run.env.clone();
    let auditor = Address::from_str(&env, strkey);
    let evidence = sha256(&format!("evidence:{model_id}:{n}"));
    let evidence_hash = BytesN::from_array(&env, &evidence);
    let event_id = run.client.flag_bias(&auditor, &model_id, &evidence_hash);
    let event = BiasFlagged {
        model_id,
        auditor,
        event_id,
        evidence_hash,
    };
    let decoded = Decoded::BiasFlagged {
        model_id,
        auditor: strkey.into(),
        event_id,
        evidence_hash: hex::encode(evidence),
    };
    run.record(&event, decoded);
}

fn instance_entry(run: &Run) -> EntryJson {
    let key = contract_data_key(
        &ScAddress::from(&run.contract),
        ScVal::LedgerKeyContractInstance,
    );
    // The scenario is shorter than a day, so only the first write extended the TTL.
    let entry = stored_entry(run, &key, FIRST_LEDGER + TTL_EXTEND_TO);

    let ScVal::ContractInstance(instance) = contract_data_val(&entry) else {
        panic!("instance entry holds no contract instance: {}", b64(&entry));
    };
    let storage = instance.storage.expect("instance storage is set");
    let stats_key = ScVal::Vec(Some(std::vec![symbol("Stats")].try_into().unwrap()));
    let stats = storage
        .iter()
        .find(|e| e.key == stats_key)
        .expect("instance storage has the Stats key");
    let wire_stats: Val = run.client.get_stats().into_val(&run.env);
    assert_eq!(
        stats.val,
        ScVal::try_from_val(&run.env, &wire_stats).unwrap()
    );

    EntryJson {
        key: b64(&key),
        entry: b64(&entry),
    }
}

fn model_entries(run: &Run) -> StdVec<ModelEntryJson> {
    let contract = ScAddress::from(&run.contract);
    (1..=MODELS.len() as u64)
        .map(|id| {
            let key = contract_data_key(&contract, model_key_val(id));
            let registered = FIRST_LEDGER + MODELS[id as usize - 1].3;
            let entry = stored_entry(run, &key, registered + TTL_EXTEND_TO);
            let wire_model: Val = run.client.get_model(&id).into_val(&run.env);
            let expected = ScVal::try_from_val(&run.env, &wire_model).unwrap();
            assert_eq!(contract_data_val(&entry), expected, "model {id}");
            ModelEntryJson {
                model_id: id,
                key: b64(&key),
                entry: b64(&entry),
            }
        })
        .collect()
}

fn contract_data_val(entry: &LedgerEntry) -> ScVal {
    match &entry.data {
        LedgerEntryData::ContractData(data) => data.val.clone(),
        other => panic!("expected a contract data entry, got {}", b64(other)),
    }
}

/// Returns the entry stored under `key` in the host's ledger state, after checking that
/// its TTL runs until `live_until`.
fn stored_entry(run: &Run, key: &LedgerKey, live_until: u32) -> LedgerEntry {
    let snapshot = run.env.to_snapshot();
    let (_, (entry, stored_live_until)) = snapshot
        .ledger
        .ledger_entries
        .iter()
        .find(|(stored, _)| stored.as_ref() == key)
        .unwrap_or_else(|| panic!("no ledger entry for key {}", b64(key)));
    assert_eq!(
        *stored_live_until,
        Some(live_until),
        "TTL of key {}",
        b64(key)
    );
    entry.as_ref().clone()
}

fn expected(run: &Run, by_risk: RiskCounts, model_risk: &[RiskCounts]) -> Expected {
    let stats = run.client.get_stats();
    assert_eq!(stats.high_risk_flags, by_risk.high + by_risk.critical);
    assert_eq!(
        stats.total_events,
        by_risk.low + by_risk.medium + by_risk.high + by_risk.critical + stats.bias_flags
    );
    let by_model = model_risk
        .iter()
        .enumerate()
        .map(|(index, risk)| {
            let model = run.client.get_model(&(index as u64 + 1));
            assert_eq!(
                model.inference_count,
                risk.low + risk.medium + risk.high + risk.critical
            );
            assert_eq!(model.high_risk_count, risk.high + risk.critical);
            ModelExpected {
                model_id: model.id,
                inference_count: model.inference_count,
                high_risk_count: model.high_risk_count,
                bias_flag_count: model.bias_flag_count,
                inferences_by_risk: *risk,
                registered_ledger: model.registered_ledger,
                last_event_ledger: model.last_event_ledger,
            }
        })
        .collect();
    Expected {
        stats: StatsJson {
            total_models: stats.total_models,
            total_events: stats.total_events,
            high_risk_flags: stats.high_risk_flags,
            bias_flags: stats.bias_flags,
        },
        inferences_by_risk: by_risk,
        by_model,
    }
}

fn fixture_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/audit-registry/scenario.json")
}

#[test]
fn scenario_fixture_is_current() {
    let fresh = render();
    assert!(
        fresh == render(),
        "two runs of the scenario produced different JSON"
    );

    let path = fixture_path();
    if std::env::var("UPDATE_FIXTURES").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read fixture {}: {err}; regenerate it with `{REGENERATE}` in contracts/",
            path.display()
        )
    });
    if committed != fresh {
        let line = committed
            .lines()
            .zip(fresh.lines())
            .position(|(old, new)| old != new)
            .map_or(committed.lines().count().min(fresh.lines().count()), |i| i)
            + 1;
        panic!(
            "fixture {} is stale (first difference at line {line}); regenerate it with `{REGENERATE}` in contracts/ and commit the result",
            path.display()
        );
    }
}
