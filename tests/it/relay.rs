//! The relay, driven as people use it: `nous serve` on a loopback port,
//! homes running `nous sync`, tokens made by hand for the refusals.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nous_core::DeviceKey;
use nous_core::token::Token;

use super::relay_support::{Member, RelayProcess, found, http, upgrade};

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// What a sync took in of `doc`: `added`, `merged N` (N changes received,
/// a count, not words), `unchanged`, or `absent`.
fn outcome(report: &serde_json::Value, doc: &str) -> String {
    let Some(entry) = report["documents"]
        .as_array()
        .and_then(|docs| docs.iter().find(|d| d["id"] == doc))
    else {
        return "absent".into();
    };
    match entry["outcome"].as_str() {
        Some("merged") => format!("merged {}", entry["received"]),
        Some(other) => other.to_owned(),
        None => "absent".into(),
    }
}

#[test]
fn members_sync_through_the_relay_and_outsiders_learn_nothing() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let carol = Member::new("Carol");
    let doc = found(&alice, &[&bob]);

    // Alice's first sync brings the community to the relay.
    let first = alice.sync(&relay, &[]);
    assert_eq!(first["unavailable"], serde_json::json!([]), "{first}");
    assert_eq!(first["incomplete"], serde_json::json!([]), "{first}");
    let (_, info) = relay.get("/id");
    let info: serde_json::Value = serde_json::from_str(&info).expect("/id is JSON");
    assert_eq!(info["communities"], 1, "{info}");

    // Alice edits and syncs; Bob syncs and has the edit.
    alice.edit(&doc, "Adhésion", "On adhère en écrivant au secrétariat.");
    // (Regression: the founder's ledger replica was not kept when the
    // relay already had it, so her next ledger change reused a sequence
    // number and the relay refused it for ever.)
    let second = alice.sync(&relay, &[]);
    assert_eq!(second["incomplete"], serde_json::json!([]), "{second}");
    assert_eq!(relay.rejections("ledger_refused"), 0);
    let got = bob.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 1", "{got}");
    assert_eq!(
        bob.section(&doc, "Adhésion"),
        "On adhère en écrivant au secrétariat."
    );
    // Nothing changed since: the relay's index says so, and nothing is
    // synced (neither the charter nor the ledger).
    let again = bob.sync(&relay, &[]);
    assert_eq!(again["unchanged"], 2, "{again}");
    assert_eq!(again["documents"], serde_json::json!([]), "{again}");

    // Carol is not a member: the charter is unavailable to her, exactly
    // like a document that does not exist, and asking opens nothing.
    let loaded = relay.metric("nous_relay_documents_loaded");
    let outsider = carol.sync(&relay, &[&doc]);
    assert_eq!(
        outsider["unavailable"],
        serde_json::json!([doc.clone()]),
        "{outsider}"
    );
    assert_eq!(outsider["documents"], serde_json::json!([]));
    let nothing = "2BAM95RfKmDQ7G8hLLZRAFG9FPb1";
    let missing = carol.sync(&relay, &[nothing]);
    assert_eq!(
        missing["unavailable"],
        serde_json::json!([nothing]),
        "{missing}"
    );
    assert!(
        carol.run(&["charter", "show", &doc]).code != 0,
        "Carol learnt nothing"
    );

    assert_eq!(relay.metric("nous_relay_documents_loaded"), loaded);
    let (status, _) = relay.get("/health");
    assert_eq!(status, 200);
}

#[test]
fn each_authentication_failure_is_refused_with_its_reason() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let key = nous_api::keyfile::read(&alice.key_file()).expect("key");
    let relay_id = relay.id.parse().expect("relay id");
    let other_relay = DeviceKey::from_seed(&[9; 32]).public();
    let now = now_ms();
    let token = |relay, expires, nonce: u8| Token::issue(&key, &relay, expires, [nonce; 16]);

    let cases: Vec<(Option<String>, &str, &str)> = vec![
        (None, "token_missing", "no token"),
        (Some("not-a-token".into()), "token_malformed", "token"),
        (
            Some(token(other_relay, now + 60_000, 1)),
            "token_wrong_relay",
            "another relay",
        ),
        (
            Some(token(relay_id, now.saturating_sub(1_000), 2)),
            "token_expired",
            "expired",
        ),
        (
            Some(token(relay_id, now + 24 * 3_600_000, 3)),
            "token_too_long_lived",
            "long",
        ),
        (
            Some({
                // A valid token with one signature byte flipped.
                let good = Token::issue(&key, &relay_id, now + 60_000, [4; 16]);
                let mut bytes = bs58_decode(&good);
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
                bs58_encode(&bytes)
            }),
            "token_bad_signature",
            "signature",
        ),
    ];
    for (token, reason, says) in cases {
        let (status, body) = upgrade(&relay.authority, token.as_deref());
        assert_eq!(status, 401, "{reason}: {body}");
        assert!(
            body.to_lowercase().contains(says),
            "{reason}: `{body}` should say `{says}`"
        );
        assert_eq!(relay.rejections(reason), 1, "{reason} counted once");
    }

    // A good token opens one connection, and only one.
    let good = token(relay_id, now + 60_000, 5);
    assert_eq!(upgrade(&relay.authority, Some(&good)).0, 101);
    let (status, body) = upgrade(&relay.authority, Some(&good));
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("already used"), "{body}");
    assert_eq!(relay.rejections("token_replayed"), 1);

    // `nous token` makes tokens the relay accepts, once.
    let issued = alice.json(&["token", &relay.url]);
    assert_eq!(issued["relay"], relay.id.as_str());
    let text = issued["token"].as_str().expect("token");
    assert!(
        issued["peer_id"]
            .as_str()
            .expect("peer id")
            .starts_with("nous-")
    );
    assert_eq!(upgrade(&relay.authority, Some(text)).0, 101);
    assert_eq!(upgrade(&relay.authority, Some(text)).0, 401);
}

fn bs58_decode(text: &str) -> Vec<u8> {
    // The token alphabet is Bitcoin's base58; decode by hand to keep the
    // test independent of the encoder under test.
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut bytes: Vec<u8> = Vec::new();
    for c in text.bytes() {
        let mut carry = ALPHABET.iter().position(|&a| a == c).expect("base58") as u32;
        for byte in bytes.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = text.bytes().take_while(|&c| c == b'1').count();
    let mut out = vec![0; zeros];
    out.extend(bytes);
    out
}

fn bs58_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut digits: Vec<u8> = Vec::new();
    for &byte in bytes {
        let mut carry = u32::from(byte);
        for digit in digits.iter_mut() {
            carry += u32::from(*digit) << 8;
            *digit = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let mut out = "1".repeat(zeros);
    out.extend(digits.iter().rev().map(|&d| ALPHABET[d as usize] as char));
    out
}

#[test]
fn concurrent_editors_converge_and_a_restart_keeps_everything() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);

    // Both edit offline, different sections and the same one.
    alice.edit(&doc, "Adhésion", "Alice: on adhère par écrit.");
    bob.edit(&doc, "Départ", "Bob: on part en prévenant.");
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    alice.sync(&relay, &[]);
    for member in [&alice, &bob] {
        assert_eq!(
            member.section(&doc, "Adhésion"),
            "Alice: on adhère par écrit."
        );
        assert_eq!(member.section(&doc, "Départ"), "Bob: on part en prévenant.");
    }
    let heads = |m: &Member| m.json(&["charter", "show", &doc, "--latest"])["heads"].clone();
    assert_eq!(heads(&alice), heads(&bob));

    // The relay stops cleanly (SIGTERM flushes its store) and comes back
    // with everything.
    let relay = relay.restart();
    // Carol is not a member: she gets nothing, after the restart too.
    let carol = Member::new("Carol");
    let denied = carol.sync(&relay, &[&doc]);
    assert_eq!(denied["unavailable"], serde_json::json!([doc.clone()]));
    // Bob, a member, gets the latest from the restarted relay.
    alice.edit(&doc, "Adhésion", "Alice: après le redémarrage.");
    alice.sync(&relay, &[]);
    let got = bob.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 1", "{got}");
    assert_eq!(
        bob.section(&doc, "Adhésion"),
        "Alice: après le redémarrage."
    );
}

#[test]
fn a_sync_that_merges_rewrites_of_the_same_words_says_so() {
    // Issue 12, item 2: the merge is kept, and the members are told.
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    alice.edit(&doc, "Départ", "On part avec un préavis d'un mois.");
    bob.edit(&doc, "Départ", "On part avec un préavis de trois semaines.");
    let quiet = alice.sync(&relay, &[]);
    assert!(!quiet.to_string().contains("\"ancestor\""), "{quiet}");
    let got = bob.sync(&relay, &[]);
    let entry = got["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["id"] == doc.as_str())
        .expect("the charter came back");
    let conflicts = entry["conflicts"].as_array().expect("conflicts");
    assert!(!conflicts.is_empty(), "{got}");
    assert!(
        entry.get("conflict_lines").is_none(),
        "JSON stays language-neutral"
    );
    let names: Vec<&str> = conflicts[0]["sides"]
        .as_array()
        .expect("sides")
        .iter()
        .map(|s| s["authors"].as_str().expect("authors"))
        .collect();
    assert!(
        names.contains(&"Alice") && names.contains(&"Bob"),
        "{names:?}"
    );
    // Alice hears of it on her next sync too, and both list the same.
    let got = alice.sync(&relay, &[]);
    assert!(got.to_string().contains("\"ancestor\""), "{got}");
    let listed = |m: &Member| m.json(&["conflicts", &doc])["conflicts"].clone();
    assert_eq!(listed(&alice), listed(&bob));
}

/// A change larger than the relay checks on a document's task (64 KiB,
/// after compression) is checked on the blocking pool, and arrives whole.
#[test]
fn a_large_change_reaches_the_other_member() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);

    // Letters that do not compress much: 120,000 of them stay above 64 KiB
    // once Automerge deflates the change. (A new section: `charter edit`
    // would diff the old text against it, which takes minutes at this size.)
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let text: String = (0..120_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(seed % 36) as usize])
        })
        .collect();
    alice
        .run(&["charter", "add-section", &doc, "Annexe", "--text", &text])
        .ok();
    let before = relay.metric("nous_relay_bytes_in_total");
    let sent = alice.sync(&relay, &[]);
    assert_eq!(sent["incomplete"], serde_json::json!([]), "{sent}");
    assert!(
        relay.metric("nous_relay_bytes_in_total") - before > 64 * 1024,
        "the change went over the inline limit"
    );
    let got = bob.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 1", "{got}");
    assert_eq!(bob.section(&doc, "Annexe"), text);
}

#[test]
fn two_watchers_co_write_live() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    let watch = |member: &Member| {
        member
            .home
            .command(&[
                "--json",
                "sync",
                &relay.url,
                "--watch",
                "--for-secs",
                "30",
                "--interval",
                "50",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the watcher")
    };
    let mut watchers = [watch(&alice), watch(&bob)];

    // Alice types; Bob's home has it without running anything.
    alice.edit(&doc, "Adhésion", "En direct d'Alice.");
    wait_for(
        || bob.section(&doc, "Adhésion") == "En direct d'Alice.",
        "Bob sees Alice's edit",
    );
    // And back.
    bob.edit(&doc, "Départ", "En direct de Bob.");
    wait_for(
        || alice.section(&doc, "Départ") == "En direct de Bob.",
        "Alice sees Bob's edit",
    );

    // A record made by another process on Alice's side while she watches
    // (her watch takes only the ledger's changes after what it holds)
    // reaches Bob's home; then two more, one at a time, and edits still
    // flow both ways.
    let tensions = |member: &Member| {
        member
            .json(&["tension", "list"])
            .as_array()
            .map_or(0, Vec::len)
    };
    for (n, summary) in [
        "Le bureau ne répond pas.",
        "La salle est trop petite.",
        "Les comptes tardent.",
    ]
    .into_iter()
    .enumerate()
    {
        alice.json(&["tension", "open", summary]);
        wait_for(|| tensions(&bob) == n + 1, "Bob's home has Alice's tension");
    }
    alice.edit(&doc, "Adhésion", "Encore Alice.");
    wait_for(
        || bob.section(&doc, "Adhésion") == "Encore Alice.",
        "Bob sees Alice's edit after the records",
    );
    bob.json(&["tension", "open", "Et une de Bob."]);
    wait_for(|| tensions(&alice) == 4, "Alice's home has Bob's tension");

    for watcher in &mut watchers {
        let _ = Command::new("kill")
            .args(["-INT", &watcher.id().to_string()])
            .status();
        let status = watcher.wait().expect("wait");
        assert!(
            status.success(),
            "a watcher stops cleanly on Ctrl-C: {status:?}"
        );
    }
}

#[track_caller]
fn wait_for(mut condition: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out: {what}");
}

#[test]
fn idle_documents_are_unloaded_and_come_back_on_demand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("relay.toml");
    std::fs::write(&config, "unload_interval_secs = 1\n").expect("config");
    let relay = RelayProcess::start_in(
        &dir.path().join("relay"),
        &["--config", config.to_str().expect("utf-8")],
    );
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.edit(&doc, "Adhésion", "Écrit avant le déchargement.");
    alice.sync(&relay, &[]);
    assert!(
        relay.metric("nous_relay_documents_loaded") > 0,
        "the sync opened documents"
    );

    // Nobody is connected: the relay lets go of every document.
    wait_for(
        || relay.metric("nous_relay_documents_loaded") == 0,
        "the idle relay unloads its documents",
    );

    // They come back from the store when someone asks.
    let got = bob.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 1", "{got}");
    assert_eq!(
        bob.section(&doc, "Adhésion"),
        "Écrit avant le déchargement."
    );
}

#[test]
fn register_and_status_refuse_bad_requests_with_a_reason() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    found(&alice, &[&bob]);
    let relay_id = relay.id.parse().expect("relay id");
    let mut nonce = 10u8;
    let mut token = |member: &Member| {
        nonce += 1;
        let key = nous_api::keyfile::read(&member.key_file()).expect("key");
        format!(
            "Bearer {}",
            Token::issue(&key, &relay_id, now_ms() + 60_000, [nonce; 16])
        )
    };
    let post = |path: &str, auth: &str, body: &[u8]| {
        http(
            &relay.authority,
            "POST",
            path,
            &[("Authorization", auth)],
            body,
        )
    };

    // No token, or bytes that are not a ledger.
    let (status, body) = http(&relay.authority, "POST", "/register", &[], b"x");
    assert_eq!(status, 401, "{body}");
    let (status, body) = post("/register", &token(&alice), b"not a ledger");
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("not a community ledger"), "{body}");

    // Bob co-founded the community but did not sign its genesis: he may
    // not bring it. Alice may, and asking twice changes nothing.
    let ledger = alice_ledger(&alice);
    let (status, body) = post("/register", &token(&bob), &ledger);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("founded"), "{body}");
    assert_eq!(post("/register", &token(&alice), &ledger).0, 201);
    let (status, body) = post("/register", &token(&alice), &ledger);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"new\":false"), "{body}");

    // /status: not JSON, an id that is not one.
    let (status, body) = post("/status", &token(&alice), b"{");
    assert_eq!(status, 400, "{body}");
    let (status, body) = post("/status", &token(&alice), br#"{"docs":["nope"]}"#);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not a document id"), "{body}");
}

/// Alice's ledger of her community, as `nous sync` would register it.
fn alice_ledger(alice: &Member) -> Vec<u8> {
    let engine = nous_api::Home::open(
        &alice.home.path(),
        nous_api::Env::fixed(0).with_entropy(|b: &mut [u8]| b.fill(3)),
    )
    .expect("open Alice's home");
    let community = engine.communities().expect("communities")[0];
    let records = engine.records(&community).expect("records");
    let mut ledger = nous_core::ledger::new_ledger(
        engine
            .device()
            .actor_for(&nous_core::ledger::doc_id(&community)),
    );
    nous_core::ledger::insert(&mut ledger, &records).expect("insert");
    ledger.save()
}

#[test]
fn a_closed_relay_takes_no_new_community() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = RelayProcess::start_in(&dir.path().join("relay"), &["--closed"]);
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    found(&alice, &[&bob]);
    let out = alice.run(&["sync", &relay.url]);
    out.fails_with("takes no new communities");
}
