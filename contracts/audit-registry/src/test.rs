extern crate std;

use super::*;
use soroban_sdk::{
    testutils::{
        storage::{Instance as _, Persistent as _},
        Address as _, AuthorizedFunction, AuthorizedInvocation, Events as _, Ledger as _, MockAuth,
        MockAuthInvoke,
    },
    xdr::{self, ScMap, ScMapEntry, ScSymbol, ScVal, StringM},
    Address, BytesN, Env, Error as HostError, IntoVal, InvokeError, String, Symbol, TryFromVal,
    Val, Vec,
};
use std::vec;

const NAME: &str = "fraud-scorer";
const VERSION: &str = "2.1.0";
const CID: &str = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

struct Setup {
    env: Env,
    contract: Address,
    client: AuditRegistryClient<'static>,
}

fn setup() -> Setup {
    let env = Env::default();
    env.ledger().with_mut(|li| {
        li.sequence_number = 500;
        li.timestamp = 1_767_225_600;
    });
    let contract = env.register(AuditRegistry, ());
    let client = AuditRegistryClient::new(&env, &contract);
    Setup {
        env,
        contract,
        client,
    }
}

fn hash(env: &Env, byte: u8) -> BytesN<32> {
    BytesN::from_array(env, &[byte; 32])
}

fn text(env: &Env, s: &str) -> String {
    String::from_str(env, s)
}

/// Registers the standard test model for `operator` with every signature mocked.
fn register(s: &Setup, operator: &Address) -> u64 {
    s.env.mock_all_auths();
    s.client.register_model(
        operator,
        &text(&s.env, NAME),
        &text(&s.env, VERSION),
        &hash(&s.env, 0xAA),
        &text(&s.env, CID),
    )
}

fn sym(s: &str) -> ScVal {
    ScVal::Symbol(ScSymbol(StringM::try_from(s).unwrap()))
}

fn str_val(s: &str) -> ScVal {
    ScVal::String(xdr::ScString(StringM::try_from(s).unwrap()))
}

fn bytes_val(byte: u8) -> ScVal {
    ScVal::Bytes(xdr::ScBytes([byte; 32].try_into().unwrap()))
}

fn map_val(entries: std::vec::Vec<(&str, ScVal)>) -> ScVal {
    let entries: std::vec::Vec<ScMapEntry> = entries
        .into_iter()
        .map(|(key, val)| ScMapEntry { key: sym(key), val })
        .collect();
    ScVal::Map(Some(ScMap(entries.try_into().unwrap())))
}

/// Returns the topics and data of the only event the last invocation emitted,
/// after checking that the registry contract emitted it.
fn only_event(s: &Setup) -> (std::vec::Vec<ScVal>, ScVal) {
    let all = s.env.events().all();
    let events = all.events();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.type_, xdr::ContractEventType::Contract);
    let xdr::ScAddress::Contract(contract_id) = xdr::ScAddress::from(&s.contract) else {
        panic!("registered contract has a non-contract address");
    };
    assert_eq!(event.contract_id, Some(contract_id));
    let xdr::ContractEventBody::V0(body) = &event.body;
    (body.topics.to_vec(), body.data.clone())
}

/// Calls `fn_name` as a top-level host function and asserts that it failed in the host's
/// authorization check, with no event and no recorded authorization.
///
/// The typed client reports any host error other than a contract error as
/// `InvokeError::Abort`, and `try_invoke_contract` as `(Context, InvalidAction)`, so only the
/// host's own result shows the `Auth` error.
/// `Env::host` is a hidden public method of soroban-sdk 27.0.6.
fn assert_unauthorized(s: &Setup, fn_name: &str, args: Vec<Val>) {
    let args: std::vec::Vec<ScVal> = args
        .iter()
        .map(|arg| ScVal::try_from_val(&s.env, &arg).unwrap())
        .collect();
    let call = xdr::HostFunction::InvokeContract(xdr::InvokeContractArgs {
        contract_address: xdr::ScAddress::from(&s.contract),
        function_name: ScSymbol(StringM::try_from(fn_name).unwrap()),
        args: args.try_into().unwrap(),
    });
    let failure = s.env.host().invoke_function(call).unwrap_err();

    // `require_auth` raises this error when no authorization entry matches the address.
    let unauthorized =
        HostError::from_type_and_code(xdr::ScErrorType::Auth, xdr::ScErrorCode::InvalidAction);
    assert_eq!(failure.error, unauthorized, "{fn_name}");
    assert_eq!(s.env.events().all().events().len(), 0, "{fn_name}");
    assert_eq!(s.env.auths(), vec![], "{fn_name}");
}

fn contract_auth(
    s: &Setup,
    signer: &Address,
    fn_name: &str,
    args: Vec<Val>,
) -> (Address, AuthorizedInvocation) {
    (
        signer.clone(),
        AuthorizedInvocation {
            function: AuthorizedFunction::Contract((
                s.contract.clone(),
                Symbol::new(&s.env, fn_name),
                args,
            )),
            sub_invocations: vec![],
        },
    )
}

#[test]
fn register_model_stores_record_and_emits_event() {
    let s = setup();
    let operator = Address::generate(&s.env);

    let id = register(&s, &operator);
    assert_eq!(id, 1);
    let (topics, data) = only_event(&s);
    assert_eq!(topics.len(), 3);
    assert_eq!(topics[0], sym("model_registered"));
    assert_eq!(topics[1], ScVal::U64(1));
    assert_eq!(topics[2], ScVal::from(&operator));
    assert_eq!(
        data,
        map_val(vec![
            ("name", str_val(NAME)),
            ("training_data_cid", str_val(CID)),
            ("version", str_val(VERSION)),
            ("weights_hash", bytes_val(0xAA)),
        ])
    );

    let model = s.client.get_model(&1);
    assert_eq!(model.id, 1);
    assert_eq!(model.operator, operator);
    assert_eq!(model.name, text(&s.env, NAME));
    assert_eq!(model.version, text(&s.env, VERSION));
    assert_eq!(model.weights_hash, hash(&s.env, 0xAA));
    assert_eq!(model.training_data_cid, text(&s.env, CID));
    assert_eq!(model.registered_ledger, 500);
    assert_eq!(model.registered_at, 1_767_225_600);
    assert_eq!(model.inference_count, 0);
    assert_eq!(model.high_risk_count, 0);
    assert_eq!(model.bias_flag_count, 0);
    assert_eq!(model.last_event_ledger, 500);

    let second = register(&s, &operator);
    assert_eq!(second, 2);
    assert_eq!(
        s.client.get_stats(),
        RegistryStats {
            total_models: 2,
            total_events: 0,
            high_risk_flags: 0,
            bias_flags: 0,
        }
    );
}

#[test]
fn get_stats_starts_at_zero() {
    let s = setup();
    assert_eq!(s.client.get_stats(), RegistryStats::default());
}

#[test]
fn register_model_requires_operator_signature() {
    let s = setup();
    let operator = Address::generate(&s.env);
    let name = text(&s.env, NAME);
    let version = text(&s.env, VERSION);
    let weights = hash(&s.env, 0xAA);
    let cid = text(&s.env, CID);
    let args: Vec<Val> = (
        operator.clone(),
        name.clone(),
        version.clone(),
        weights.clone(),
        cid.clone(),
    )
        .into_val(&s.env);

    let unsigned = s
        .client
        .try_register_model(&operator, &name, &version, &weights, &cid);
    assert_eq!(unsigned, Err(Err(InvokeError::Abort)));
    assert_unauthorized(&s, "register_model", args.clone());

    // A signature from another account does not authorize the operator's call.
    let other = Address::generate(&s.env);
    s.env.mock_auths(&[MockAuth {
        address: &other,
        invoke: &MockAuthInvoke {
            contract: &s.contract,
            fn_name: "register_model",
            args: args.clone(),
            sub_invokes: &[],
        },
    }]);
    let wrong_signer = s
        .client
        .try_register_model(&operator, &name, &version, &weights, &cid);
    assert_eq!(wrong_signer, Err(Err(InvokeError::Abort)));
    assert_unauthorized(&s, "register_model", args.clone());
    assert_eq!(s.client.get_stats().total_models, 0);

    s.env.mock_auths(&[MockAuth {
        address: &operator,
        invoke: &MockAuthInvoke {
            contract: &s.contract,
            fn_name: "register_model",
            args: args.clone(),
            sub_invokes: &[],
        },
    }]);
    let id = s
        .client
        .register_model(&operator, &name, &version, &weights, &cid);
    assert_eq!(id, 1);
    assert_eq!(
        s.env.auths(),
        vec![contract_auth(&s, &operator, "register_model", args)]
    );
}

#[test]
fn register_model_rejects_invalid_text() {
    let s = setup();
    s.env.mock_all_auths();
    let operator = Address::generate(&s.env);
    let weights = hash(&s.env, 0xAA);
    let empty = text(&s.env, "");
    let long = String::from_bytes(&s.env, &[b'x'; MAX_TEXT_LEN as usize + 1]);
    let at_limit = String::from_bytes(&s.env, &[b'x'; MAX_TEXT_LEN as usize]);
    let name = text(&s.env, NAME);
    let version = text(&s.env, VERSION);
    let cid = text(&s.env, CID);

    let cases = [
        ("empty name", &empty, &version, &cid),
        ("empty version", &name, &empty, &cid),
        ("empty cid", &name, &version, &empty),
        ("long name", &long, &version, &cid),
        ("long version", &name, &long, &cid),
        ("long cid", &name, &version, &long),
    ];
    for (case, name, version, cid) in cases {
        let result = s
            .client
            .try_register_model(&operator, name, version, &weights, cid);
        assert_eq!(result, Err(Ok(Error::InvalidInput)), "{case}");
    }
    assert_eq!(s.client.get_stats().total_models, 0);

    let id = s
        .client
        .register_model(&operator, &at_limit, &at_limit, &weights, &at_limit);
    assert_eq!(id, 1);
}

#[test]
fn log_inference_updates_counters_and_emits_event() {
    let s = setup();
    let operator = Address::generate(&s.env);
    let model_id = register(&s, &operator);
    s.env.ledger().with_mut(|li| li.sequence_number = 507);

    let event_id =
        s.client
            .log_inference(&operator, &model_id, &hash(&s.env, 0x11), &RiskLevel::High);
    assert_eq!(event_id, 1);
    let (topics, data) = only_event(&s);
    assert_eq!(topics.len(), 3);
    assert_eq!(topics[0], sym("inference_logged"));
    assert_eq!(topics[1], ScVal::U64(1));
    assert_eq!(topics[2], ScVal::U32(2));
    assert_eq!(
        data,
        map_val(vec![
            ("event_id", ScVal::U64(1)),
            ("operator", ScVal::from(&operator)),
            ("payload_hash", bytes_val(0x11)),
        ])
    );

    let next = s
        .client
        .log_inference(&operator, &model_id, &hash(&s.env, 0x12), &RiskLevel::Low);
    assert_eq!(next, 2);
    let (topics, _) = only_event(&s);
    assert_eq!(topics[2], ScVal::U32(0));

    let model = s.client.get_model(&model_id);
    assert_eq!(model.inference_count, 2);
    assert_eq!(model.high_risk_count, 1);
    assert_eq!(model.bias_flag_count, 0);
    assert_eq!(model.last_event_ledger, 507);
    assert_eq!(model.registered_ledger, 500);
    assert_eq!(
        s.client.get_stats(),
        RegistryStats {
            total_models: 1,
            total_events: 2,
            high_risk_flags: 1,
            bias_flags: 0,
        }
    );
}

#[test]
fn risk_level_wire_form_is_u32() {
    let env = Env::default();
    let levels = [
        (RiskLevel::Low, 0u32),
        (RiskLevel::Medium, 1),
        (RiskLevel::High, 2),
        (RiskLevel::Critical, 3),
    ];
    for (level, wire) in levels {
        let val: Val = level.into_val(&env);
        assert_eq!(ScVal::try_from_val(&env, &val).unwrap(), ScVal::U32(wire));
        let wire_val: Val = wire.into_val(&env);
        let back = RiskLevel::try_from_val(&env, &wire_val).unwrap();
        assert_eq!(back, level);
    }
    assert!(!RiskLevel::Low.is_high());
    assert!(!RiskLevel::Medium.is_high());
    assert!(RiskLevel::High.is_high());
    assert!(RiskLevel::Critical.is_high());
}

#[test]
fn log_inference_rejects_other_operator() {
    let s = setup();
    let owner = Address::generate(&s.env);
    let intruder = Address::generate(&s.env);
    let model_id = register(&s, &owner);
    let payload = hash(&s.env, 0x21);
    let args: Vec<Val> = (
        intruder.clone(),
        model_id,
        payload.clone(),
        RiskLevel::Critical,
    )
        .into_val(&s.env);

    // The intruder signs its own call, so only the ownership check can reject it.
    s.env.mock_auths(&[MockAuth {
        address: &intruder,
        invoke: &MockAuthInvoke {
            contract: &s.contract,
            fn_name: "log_inference",
            args,
            sub_invokes: &[],
        },
    }]);
    let result = s
        .client
        .try_log_inference(&intruder, &model_id, &payload, &RiskLevel::Critical);
    assert_eq!(result, Err(Ok(Error::NotModelOperator)));

    assert_eq!(s.client.get_model(&model_id).inference_count, 0);
    assert_eq!(s.client.get_stats().total_events, 0);
}

#[test]
fn log_inference_requires_operator_signature() {
    let s = setup();
    let owner = Address::generate(&s.env);
    let other = Address::generate(&s.env);
    let model_id = register(&s, &owner);
    let payload = hash(&s.env, 0x31);
    let args: Vec<Val> =
        (owner.clone(), model_id, payload.clone(), RiskLevel::Medium).into_val(&s.env);

    // A signature from another account does not authorize the owner's call.
    s.env.mock_auths(&[MockAuth {
        address: &other,
        invoke: &MockAuthInvoke {
            contract: &s.contract,
            fn_name: "log_inference",
            args: args.clone(),
            sub_invokes: &[],
        },
    }]);
    let wrong_signer = s
        .client
        .try_log_inference(&owner, &model_id, &payload, &RiskLevel::Medium);
    assert_eq!(wrong_signer, Err(Err(InvokeError::Abort)));
    assert_unauthorized(&s, "log_inference", args.clone());

    s.env.mock_auths(&[]);
    let unsigned = s
        .client
        .try_log_inference(&owner, &model_id, &payload, &RiskLevel::Medium);
    assert_eq!(unsigned, Err(Err(InvokeError::Abort)));
    assert_unauthorized(&s, "log_inference", args.clone());
    assert_eq!(s.client.get_stats().total_events, 0);

    s.env.mock_auths(&[MockAuth {
        address: &owner,
        invoke: &MockAuthInvoke {
            contract: &s.contract,
            fn_name: "log_inference",
            args: args.clone(),
            sub_invokes: &[],
        },
    }]);
    let event_id = s
        .client
        .log_inference(&owner, &model_id, &payload, &RiskLevel::Medium);
    assert_eq!(event_id, 1);
    assert_eq!(
        s.env.auths(),
        vec![contract_auth(&s, &owner, "log_inference", args)]
    );
}

#[test]
fn flag_bias_updates_counters_and_emits_event() {
    let s = setup();
    let operator = Address::generate(&s.env);
    let auditor = Address::generate(&s.env);
    let model_id = register(&s, &operator);
    s.client
        .log_inference(&operator, &model_id, &hash(&s.env, 0x41), &RiskLevel::Low);
    s.env.ledger().with_mut(|li| li.sequence_number = 512);
    let evidence = hash(&s.env, 0x42);
    let args: Vec<Val> = (auditor.clone(), model_id, evidence.clone()).into_val(&s.env);

    s.env.mock_auths(&[MockAuth {
        address: &auditor,
        invoke: &MockAuthInvoke {
            contract: &s.contract,
            fn_name: "flag_bias",
            args: args.clone(),
            sub_invokes: &[],
        },
    }]);
    let event_id = s.client.flag_bias(&auditor, &model_id, &evidence);
    assert_eq!(event_id, 2);
    assert_eq!(
        s.env.auths(),
        vec![contract_auth(&s, &auditor, "flag_bias", args)]
    );
    let (topics, data) = only_event(&s);
    assert_eq!(topics.len(), 3);
    assert_eq!(topics[0], sym("bias_flagged"));
    assert_eq!(topics[1], ScVal::U64(1));
    assert_eq!(topics[2], ScVal::from(&auditor));
    assert_eq!(
        data,
        map_val(vec![
            ("event_id", ScVal::U64(2)),
            ("evidence_hash", bytes_val(0x42)),
        ])
    );

    let model = s.client.get_model(&model_id);
    assert_eq!(model.bias_flag_count, 1);
    assert_eq!(model.inference_count, 1);
    assert_eq!(model.last_event_ledger, 512);
    assert_eq!(
        s.client.get_stats(),
        RegistryStats {
            total_models: 1,
            total_events: 2,
            high_risk_flags: 0,
            bias_flags: 1,
        }
    );
}

#[test]
fn flag_bias_requires_auditor_signature() {
    let s = setup();
    let operator = Address::generate(&s.env);
    let auditor = Address::generate(&s.env);
    let other = Address::generate(&s.env);
    let model_id = register(&s, &operator);
    let evidence = hash(&s.env, 0x51);
    let args: Vec<Val> = (auditor.clone(), model_id, evidence.clone()).into_val(&s.env);
    s.env.mock_auths(&[]);

    let unsigned = s.client.try_flag_bias(&auditor, &model_id, &evidence);
    assert_eq!(unsigned, Err(Err(InvokeError::Abort)));
    assert_unauthorized(&s, "flag_bias", args.clone());

    // A signature from another account, even the model's operator, does not authorize the
    // auditor's call.
    for signer in [&other, &operator] {
        s.env.mock_auths(&[MockAuth {
            address: signer,
            invoke: &MockAuthInvoke {
                contract: &s.contract,
                fn_name: "flag_bias",
                args: args.clone(),
                sub_invokes: &[],
            },
        }]);
        let wrong_signer = s.client.try_flag_bias(&auditor, &model_id, &evidence);
        assert_eq!(wrong_signer, Err(Err(InvokeError::Abort)));
        assert_unauthorized(&s, "flag_bias", args.clone());
    }
    assert_eq!(s.client.get_model(&model_id).bias_flag_count, 0);
    assert_eq!(s.client.get_stats().bias_flags, 0);
}

#[test]
fn unknown_model_is_not_found() {
    let s = setup();
    let operator = Address::generate(&s.env);
    register(&s, &operator);
    let payload = hash(&s.env, 0x61);

    assert_eq!(s.client.try_get_model(&0), Err(Ok(Error::ModelNotFound)));
    assert_eq!(s.client.try_get_model(&2), Err(Ok(Error::ModelNotFound)));
    assert_eq!(
        s.client
            .try_log_inference(&operator, &2, &payload, &RiskLevel::Low),
        Err(Ok(Error::ModelNotFound))
    );
    assert_eq!(
        s.client.try_flag_bias(&operator, &2, &payload),
        Err(Ok(Error::ModelNotFound))
    );
    assert_eq!(s.client.get_stats().total_events, 0);
}

/// Moves to the next ledger, which closes 5 s after the current one.
fn next_ledger(s: &Setup) {
    s.env.ledger().with_mut(|li| {
        li.sequence_number += 1;
        li.timestamp += 5;
    });
}

/// Returns the name of the only event the last invocation emitted.
fn only_event_name(s: &Setup) -> ScVal {
    let (topics, _) = only_event(s);
    topics[0].clone()
}

#[test]
fn counters_after_mixed_run() {
    let s = setup();
    let first_operator = Address::generate(&s.env);
    let second_operator = Address::generate(&s.env);
    let auditor = Address::generate(&s.env);
    let levels = [
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
        RiskLevel::Critical,
    ];
    let mut event_names = std::vec::Vec::new();

    // Ledger 500 registers the first model and ledger 501 the second.
    let first = register(&s, &first_operator);
    event_names.push(only_event_name(&s));
    next_ledger(&s);
    let second = register(&s, &second_operator);
    event_names.push(only_event_name(&s));

    // First model: one of each level per ledger from 502 to 504 (12 inferences, 6 high).
    let mut expected_id = 0u64;
    for round in 0..3u8 {
        next_ledger(&s);
        for level in levels {
            expected_id += 1;
            let id = s.client.log_inference(
                &first_operator,
                &first,
                &hash(&s.env, round * 4 + level as u8),
                &level,
            );
            assert_eq!(id, expected_id);
            event_names.push(only_event_name(&s));
        }
    }

    // Second model: 2 Low and 1 Critical at ledger 505, then one bias flag at 506 and at 507.
    next_ledger(&s);
    for level in [RiskLevel::Low, RiskLevel::Critical, RiskLevel::Low] {
        expected_id += 1;
        let id = s
            .client
            .log_inference(&second_operator, &second, &hash(&s.env, 0x70), &level);
        assert_eq!(id, expected_id);
        event_names.push(only_event_name(&s));
    }
    for evidence in [0x71, 0x72] {
        next_ledger(&s);
        expected_id += 1;
        let id = s
            .client
            .flag_bias(&auditor, &second, &hash(&s.env, evidence));
        assert_eq!(id, expected_id);
        event_names.push(only_event_name(&s));
    }
    assert_eq!(s.env.ledger().sequence(), 507);

    let count = |name: &str| event_names.iter().filter(|n| **n == sym(name)).count();
    assert_eq!(event_names.len(), 19);
    assert_eq!(count("model_registered"), 2);
    assert_eq!(count("inference_logged"), 15);
    assert_eq!(count("bias_flagged"), 2);

    assert_eq!(
        s.client.get_stats(),
        RegistryStats {
            total_models: 2,
            total_events: 17,
            high_risk_flags: 7,
            bias_flags: 2,
        }
    );

    let first_model = s.client.get_model(&first);
    assert_eq!(first_model.inference_count, 12);
    assert_eq!(first_model.high_risk_count, 6);
    assert_eq!(first_model.bias_flag_count, 0);
    assert_eq!(first_model.registered_ledger, 500);
    assert_eq!(first_model.registered_at, 1_767_225_600);
    assert_eq!(first_model.last_event_ledger, 504);

    let second_model = s.client.get_model(&second);
    assert_eq!(second_model.inference_count, 3);
    assert_eq!(second_model.high_risk_count, 1);
    assert_eq!(second_model.bias_flag_count, 2);
    assert_eq!(second_model.registered_ledger, 501);
    assert_eq!(second_model.registered_at, 1_767_225_605);
    assert_eq!(second_model.last_event_ledger, 507);
}

#[test]
fn writes_extend_ttl() {
    let s = setup();
    let operator = Address::generate(&s.env);
    let model_id = register(&s, &operator);
    let key = DataKey::Model(model_id);
    let ttls = |s: &Setup| {
        s.env.as_contract(&s.contract, || {
            (
                s.env.storage().instance().get_ttl(),
                s.env.storage().persistent().get_ttl(&key),
            )
        })
    };
    assert_eq!(ttls(&s), (TTL_EXTEND_TO, TTL_EXTEND_TO));

    // Less than a day later the entries are above the threshold, so a write leaves them.
    s.env.ledger().with_mut(|li| li.sequence_number += 100);
    s.client
        .log_inference(&operator, &model_id, &hash(&s.env, 1), &RiskLevel::Low);
    assert_eq!(ttls(&s), (TTL_EXTEND_TO - 100, TTL_EXTEND_TO - 100));

    // One day later both are below it, and the next write extends both again.
    s.env
        .ledger()
        .with_mut(|li| li.sequence_number += DAY_IN_LEDGERS);
    let aged = TTL_EXTEND_TO - 100 - DAY_IN_LEDGERS;
    assert!(aged <= TTL_THRESHOLD);
    assert_eq!(ttls(&s), (aged, aged));
    s.client.flag_bias(&operator, &model_id, &hash(&s.env, 2));
    assert_eq!(ttls(&s), (TTL_EXTEND_TO, TTL_EXTEND_TO));

    // The record is still readable long after registration, with the writes applied.
    s.env
        .ledger()
        .with_mut(|li| li.sequence_number += TTL_EXTEND_TO - 1);
    let model = s.client.get_model(&model_id);
    assert_eq!(model.inference_count, 1);
    assert_eq!(model.bias_flag_count, 1);
    assert_eq!(s.client.get_stats().total_events, 2);
}

#[test]
fn storage_keys_wire_form() {
    let env = Env::default();
    let stats: Val = DataKey::Stats.into_val(&env);
    let model: Val = DataKey::Model(7).into_val(&env);
    assert_eq!(
        ScVal::try_from_val(&env, &stats).unwrap(),
        ScVal::Vec(Some(vec![sym("Stats")].try_into().unwrap()))
    );
    assert_eq!(
        ScVal::try_from_val(&env, &model).unwrap(),
        ScVal::Vec(Some(vec![sym("Model"), ScVal::U64(7)].try_into().unwrap()))
    );
}

#[test]
fn registry_stats_wire_form() {
    let env = Env::default();
    let stats = RegistryStats {
        total_models: 6,
        total_events: 40,
        high_risk_flags: 9,
        bias_flags: 2,
    };
    let val: Val = stats.into_val(&env);
    assert_eq!(
        ScVal::try_from_val(&env, &val).unwrap(),
        map_val(vec![
            ("bias_flags", ScVal::U64(2)),
            ("high_risk_flags", ScVal::U64(9)),
            ("total_events", ScVal::U64(40)),
            ("total_models", ScVal::U64(6)),
        ])
    );
}

#[test]
fn model_record_wire_form() {
    let s = setup();
    let operator = Address::generate(&s.env);
    let id = register(&s, &operator);
    let val: Val = s.client.get_model(&id).into_val(&s.env);

    assert_eq!(
        ScVal::try_from_val(&s.env, &val).unwrap(),
        map_val(vec![
            ("bias_flag_count", ScVal::U64(0)),
            ("high_risk_count", ScVal::U64(0)),
            ("id", ScVal::U64(1)),
            ("inference_count", ScVal::U64(0)),
            ("last_event_ledger", ScVal::U32(500)),
            ("name", str_val(NAME)),
            ("operator", ScVal::from(&operator)),
            ("registered_at", ScVal::U64(1_767_225_600)),
            ("registered_ledger", ScVal::U32(500)),
            ("training_data_cid", str_val(CID)),
            ("version", str_val(VERSION)),
            ("weights_hash", bytes_val(0xAA)),
        ])
    );
}
