//! ModelTrace audit registry: operators register AI models, log every inference with a
//! risk level, and auditors flag bias.
//!
//! Every state change emits one `#[contractevent]` whose topics carry the model id (and the
//! risk level or the signer), so Soroban RPC can filter events server-side. Running totals
//! live in contract storage so readers get current counts from `getLedgerEntries` without
//! scanning history or simulating a transaction.
#![no_std]

use soroban_sdk::{
    contract, contracterror, contractevent, contractimpl, contracttype, Address, BytesN, Env,
    String,
};

/// Ledgers in one day at the nominal 5 s close time.
const DAY_IN_LEDGERS: u32 = 17_280;

/// TTL, in ledgers, that every write extends the touched entries to: about 30 days.
///
/// The host clamps it to the network's maximum entry TTL, so it is safe on any network.
pub const TTL_EXTEND_TO: u32 = 30 * DAY_IN_LEDGERS;

/// Remaining TTL at or below which a write extends an entry again: 29 days.
///
/// An entry touched at least once a day stays within a day of `TTL_EXTEND_TO`, while a busy
/// model logging thousands of inferences a day pays the rent for an extension at most once
/// per day instead of on every call.
pub const TTL_THRESHOLD: u32 = TTL_EXTEND_TO - DAY_IN_LEDGERS;

/// Maximum length, in bytes, of a model name, version or training-data CID.
///
/// The bound caps the size of a `ModelRecord`, which readers fetch in batches of up to 200
/// per `getLedgerEntries` call.
pub const MAX_TEXT_LEN: u32 = 256;

/// Risk level that an operator assigns to one inference. The wire form is a `U32` ScVal.
#[contracttype]
#[derive(Clone, Copy, Debug, Eq, PartialEq, PartialOrd, Ord)]
#[repr(u32)]
pub enum RiskLevel {
    Low = 0,
    Medium = 1,
    High = 2,
    Critical = 3,
}

impl RiskLevel {
    /// Reports whether the level counts as high risk (High or Critical).
    pub fn is_high(self) -> bool {
        matches!(self, RiskLevel::High | RiskLevel::Critical)
    }
}

/// Errors that the registry returns. The codes are part of the public interface.
#[contracterror]
#[derive(Clone, Copy, Debug, Eq, PartialEq, PartialOrd, Ord)]
#[repr(u32)]
pub enum Error {
    /// No model is registered under the given id.
    ModelNotFound = 1,
    /// The signer is not the operator that registered the model.
    NotModelOperator = 2,
    /// A text argument is empty or longer than `MAX_TEXT_LEN` bytes.
    InvalidInput = 3,
}

/// Storage keys. `Stats` is in instance storage, `Model(id)` in persistent storage.
#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum DataKey {
    Stats,
    Model(u64),
}

/// Registry-wide counters, stored in instance storage under `DataKey::Stats`.
#[contracttype]
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct RegistryStats {
    pub total_models: u64,
    /// Inference and bias events together; the latest event id.
    pub total_events: u64,
    /// Inferences logged with risk level High or Critical.
    pub high_risk_flags: u64,
    pub bias_flags: u64,
}

/// One registered model, stored in persistent storage under `DataKey::Model(id)`.
#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ModelRecord {
    pub id: u64,
    pub operator: Address,
    pub name: String,
    pub version: String,
    pub weights_hash: BytesN<32>,
    pub training_data_cid: String,
    pub registered_ledger: u32,
    /// Ledger close time at registration, in unix seconds.
    pub registered_at: u64,
    pub inference_count: u64,
    /// Inferences logged with risk level High or Critical.
    pub high_risk_count: u64,
    pub bias_flag_count: u64,
    /// Ledger of the latest event about this model, its registration included.
    pub last_event_ledger: u32,
}

/// Emitted by `register_model`. Topics: `model_registered`, model id, operator.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ModelRegistered {
    #[topic]
    pub model_id: u64,
    #[topic]
    pub operator: Address,
    pub name: String,
    pub version: String,
    pub weights_hash: BytesN<32>,
    pub training_data_cid: String,
}

/// Emitted by `log_inference`. Topics: `inference_logged`, model id, risk level (U32).
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct InferenceLogged {
    #[topic]
    pub model_id: u64,
    #[topic]
    pub risk_level: RiskLevel,
    pub event_id: u64,
    pub operator: Address,
    pub payload_hash: BytesN<32>,
}

/// Emitted by `flag_bias`. Topics: `bias_flagged`, model id, auditor.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct BiasFlagged {
    #[topic]
    pub model_id: u64,
    #[topic]
    pub auditor: Address,
    pub event_id: u64,
    pub evidence_hash: BytesN<32>,
}

#[contract]
pub struct AuditRegistry;

#[contractimpl]
impl AuditRegistry {
    /// Registers a model run by `operator` and returns its id. Ids start at 1.
    ///
    /// Fails with `InvalidInput` when `name`, `version` or `training_data_cid` is empty or
    /// longer than `MAX_TEXT_LEN` bytes.
    pub fn register_model(
        env: Env,
        operator: Address,
        name: String,
        version: String,
        weights_hash: BytesN<32>,
        training_data_cid: String,
    ) -> Result<u64, Error> {
        operator.require_auth();
        for text in [&name, &version, &training_data_cid] {
            check_text(text)?;
        }

        let mut stats = read_stats(&env);
        stats.total_models += 1;
        let model_id = stats.total_models;

        let ledger = env.ledger().sequence();
        let model = ModelRecord {
            id: model_id,
            operator: operator.clone(),
            name: name.clone(),
            version: version.clone(),
            weights_hash: weights_hash.clone(),
            training_data_cid: training_data_cid.clone(),
            registered_ledger: ledger,
            registered_at: env.ledger().timestamp(),
            inference_count: 0,
            high_risk_count: 0,
            bias_flag_count: 0,
            last_event_ledger: ledger,
        };
        write_model(&env, &model);
        write_stats(&env, &stats);

        ModelRegistered {
            model_id,
            operator,
            name,
            version,
            weights_hash,
            training_data_cid,
        }
        .publish(&env);
        Ok(model_id)
    }

    /// Records one inference of `model_id` and returns its event id.
    ///
    /// Only the operator that registered the model may log for it: anyone else gets
    /// `NotModelOperator`, so a model's inference count cannot be inflated by third parties.
    pub fn log_inference(
        env: Env,
        operator: Address,
        model_id: u64,
        payload_hash: BytesN<32>,
        risk_level: RiskLevel,
    ) -> Result<u64, Error> {
        operator.require_auth();
        let mut model = read_model(&env, model_id)?;
        if model.operator != operator {
            return Err(Error::NotModelOperator);
        }

        let mut stats = read_stats(&env);
        stats.total_events += 1;
        let event_id = stats.total_events;
        model.inference_count += 1;
        if risk_level.is_high() {
            stats.high_risk_flags += 1;
            model.high_risk_count += 1;
        }
        model.last_event_ledger = env.ledger().sequence();
        write_model(&env, &model);
        write_stats(&env, &stats);

        InferenceLogged {
            model_id,
            risk_level,
            event_id,
            operator,
            payload_hash,
        }
        .publish(&env);
        Ok(event_id)
    }

    /// Records a bias flag on `model_id` raised by `auditor` and returns its event id.
    ///
    /// Any account may act as an auditor: its signature makes the flag attributable, and
    /// reviewing who flagged what happens off-chain from the `bias_flagged` events.
    pub fn flag_bias(
        env: Env,
        auditor: Address,
        model_id: u64,
        evidence_hash: BytesN<32>,
    ) -> Result<u64, Error> {
        auditor.require_auth();
        let mut model = read_model(&env, model_id)?;

        let mut stats = read_stats(&env);
        stats.total_events += 1;
        stats.bias_flags += 1;
        let event_id = stats.total_events;
        model.bias_flag_count += 1;
        model.last_event_ledger = env.ledger().sequence();
        write_model(&env, &model);
        write_stats(&env, &stats);

        BiasFlagged {
            model_id,
            auditor,
            event_id,
            evidence_hash,
        }
        .publish(&env);
        Ok(event_id)
    }

    /// Returns the model registered under `model_id`, or fails with `ModelNotFound`.
    pub fn get_model(env: Env, model_id: u64) -> Result<ModelRecord, Error> {
        read_model(&env, model_id)
    }

    /// Returns the registry-wide counters; all zero before the first registration.
    pub fn get_stats(env: Env) -> RegistryStats {
        read_stats(&env)
    }
}

fn check_text(text: &String) -> Result<(), Error> {
    if text.is_empty() || text.len() > MAX_TEXT_LEN {
        return Err(Error::InvalidInput);
    }
    Ok(())
}

fn read_stats(env: &Env) -> RegistryStats {
    env.storage()
        .instance()
        .get(&DataKey::Stats)
        .unwrap_or_default()
}

fn write_stats(env: &Env, stats: &RegistryStats) {
    let instance = env.storage().instance();
    instance.set(&DataKey::Stats, stats);
    instance.extend_ttl(TTL_THRESHOLD, TTL_EXTEND_TO);
}

fn read_model(env: &Env, model_id: u64) -> Result<ModelRecord, Error> {
    env.storage()
        .persistent()
        .get(&DataKey::Model(model_id))
        .ok_or(Error::ModelNotFound)
}

fn write_model(env: &Env, model: &ModelRecord) {
    let key = DataKey::Model(model.id);
    let persistent = env.storage().persistent();
    persistent.set(&key, model);
    persistent.extend_ttl(&key, TTL_THRESHOLD, TTL_EXTEND_TO);
}

#[cfg(test)]
mod test;

#[cfg(test)]
mod fixture;
