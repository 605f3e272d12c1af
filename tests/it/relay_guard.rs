//! The relay's guard, attacked frame by frame: a raw automerge-repo client
//! that sends what no honest client sends. Each attack closes the
//! attacker's connection, stores nothing, and everyone else goes on.

use std::path::Path;
use std::time::Duration;

use automerge::sync::{Message, MessageVersion, SyncDoc as _};
use automerge::transaction::Transactable as _;
use automerge::{ActorId, Automerge, ObjType, ROOT};
use futures::{SinkExt as _, StreamExt as _};
use minicbor::Encoder;
use nous_core::token::Token;
use nous_core::{DeviceKey, ids::DocId};
use tokio_tungstenite::tungstenite::Message as Ws;

use super::relay_support::{Member, RelayProcess, found};

/// The change chunk from `shared/research/security-anchors.md` that panics
/// Automerge 0.12's `apply_changes` ("Missing from Index").
pub(super) const CRASHER: &str = "856f4a83d45f802e01b40100104a7143ae65df36676b81d0df08a5e95901010000000c010802081108131015133405420a560a57287004710273020001140000010b000001141100010b160002130000020a0000017e0002120100017e6c1708017f7a7f047465787400147f07636c6175736573000b0114010a017f0414017f020a017f037f0014167f000a267f00576520746865206d656d62657273206167726565633063316332633363346335633663376338633920007f017f007f19";

pub(super) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One attack: what a hostile client sends once connected.
type Attack =
    Box<dyn Fn(&mut Raw) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>>;

/// A client that speaks the protocol by hand.
pub(super) struct Raw {
    pub(super) socket: Socket,
    pub(super) peer: String,
    pub(super) relay_peer: String,
}

pub(super) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A `sync` frame from `raw` about `doc`, with `data` as given (none: the
/// field is left out), bypassing `Raw::sync`'s well-formed message.
pub(super) fn raw_sync(raw: &Raw, doc: &str, data: Option<&[u8]>) -> Vec<u8> {
    let mut entries = vec![
        ("type", Value::Str("sync")),
        ("senderId", Value::Str(&raw.peer)),
        ("targetId", Value::Str(&raw.relay_peer)),
        ("documentId", Value::Str(doc)),
    ];
    if let Some(data) = data {
        entries.push(("data", Value::Bytes(data)));
    }
    map(&entries)
}

pub(super) fn map(entries: &[(&str, Value<'_>)]) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    e.map(entries.len() as u64).expect("cbor");
    for (key, value) in entries {
        e.str(key).expect("cbor");
        match value {
            Value::Str(s) => e.str(s).expect("cbor"),
            Value::Bytes(b) => e.bytes(b).expect("cbor"),
            Value::Strs(list) => {
                e.array(list.len() as u64).expect("cbor");
                for s in *list {
                    e.str(s).expect("cbor");
                }
                &mut e
            }
            Value::EmptyMap => e.map(0).expect("cbor"),
        };
    }
    e.into_writer()
}

pub(super) enum Value<'a> {
    Str(&'a str),
    Bytes(&'a [u8]),
    Strs(&'a [&'a str]),
    EmptyMap,
}

impl Raw {
    pub(super) async fn connect(relay: &RelayProcess, key: &DeviceKey) -> Raw {
        let relay_id = relay.id.parse().expect("relay id");
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).expect("random");
        let token = Token::issue(key, &relay_id, now_ms() + 60_000, nonce);
        let peer = Token::verify(&token, &relay_id, now_ms(), 120_000)
            .expect("valid")
            .peer_id();
        let url = format!("{}?token={token}", relay.url);
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect");
        let mut raw = Raw {
            socket,
            peer,
            relay_peer: String::new(),
        };
        let join = map(&[
            ("type", Value::Str("join")),
            ("senderId", Value::Str(&raw.peer.clone())),
            ("supportedProtocolVersions", Value::Strs(&["1"])),
            ("peerMetadata", Value::EmptyMap),
        ]);
        raw.send(join).await;
        let answer = raw.next().await.expect("the relay answers the join");
        assert_eq!(answer.0, "peer");
        raw.relay_peer = answer.1;
        raw
    }

    pub(super) async fn send(&mut self, frame: Vec<u8>) {
        // The relay may already have closed: that is what some tests expect.
        let _ = self.socket.send(Ws::Binary(frame.into())).await;
    }

    /// Send one `sync` message about `doc` carrying `changes`.
    pub(super) async fn sync(&mut self, doc: &str, kind: &str, changes: Vec<Vec<u8>>) {
        let message = Message {
            heads: Vec::new(),
            need: Vec::new(),
            have: Vec::new(),
            changes: changes.into(),
            flags: None,
            version: MessageVersion::V1,
        };
        let data = message.encode();
        let frame = map(&[
            ("type", Value::Str(kind)),
            ("senderId", Value::Str(&self.peer.clone())),
            ("targetId", Value::Str(&self.relay_peer.clone())),
            ("documentId", Value::Str(doc)),
            ("data", Value::Bytes(&data)),
        ]);
        self.send(frame).await;
    }

    /// Ask for `doc` as a peer that has nothing: the first sync message.
    pub(super) async fn request(&mut self, doc: &str) {
        let empty = Automerge::new();
        let message = empty
            .generate_sync_message(&mut automerge::sync::State::new())
            .expect("a first message");
        let data = message.encode();
        let frame = map(&[
            ("type", Value::Str("request")),
            ("senderId", Value::Str(&self.peer.clone())),
            ("targetId", Value::Str(&self.relay_peer.clone())),
            ("documentId", Value::Str(doc)),
            ("data", Value::Bytes(&data)),
        ]);
        self.send(frame).await;
    }

    /// The next message's type and sender (None when the socket closed).
    pub(super) async fn next(&mut self) -> Option<(String, String, Option<String>)> {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.socket.next())
                .await
                .ok()??;
            match frame {
                Ok(Ws::Binary(bytes)) => {
                    let value = decode(&bytes);
                    return Some(value);
                }
                Ok(Ws::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// Whether the relay closes the connection (within 10 s).
    pub(super) async fn is_closed(&mut self) -> bool {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.socket.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_)) | Some(Ok(Ws::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Wait for a message of `kind` about any document (10 s).
    pub(super) async fn expect(&mut self, kind: &str) -> bool {
        while let Some((got, _, _)) = self.next().await {
            if got == kind {
                return true;
            }
        }
        false
    }
}

/// Type, sender and document of a frame.
pub(super) fn decode(bytes: &[u8]) -> (String, String, Option<String>) {
    let mut d = minicbor::Decoder::new(bytes);
    let n = d.map().expect("map").expect("definite");
    let (mut kind, mut sender, mut doc) = (String::new(), String::new(), None);
    for _ in 0..n {
        let key = d.str().expect("key").to_owned();
        match key.as_str() {
            "type" => kind = d.str().expect("type").to_owned(),
            "senderId" => sender = d.str().expect("sender").to_owned(),
            "documentId" => doc = Some(d.str().expect("doc").to_owned()),
            _ => d.skip().expect("skip"),
        }
    }
    (kind, sender, doc)
}

pub(super) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A change on its own (no dependencies) written by `actor`.
pub(super) fn change_by(
    actor: ActorId,
    build: impl FnOnce(&mut automerge::transaction::Transaction<'_>),
) -> Vec<u8> {
    let mut doc = Automerge::new().with_actor(actor);
    let mut tx = doc.transaction();
    build(&mut tx);
    tx.commit();
    doc.get_changes(&[])
        .first()
        .map(|c| c.raw_bytes().to_vec())
        .expect("one change")
}

pub(super) fn device(member: &Member) -> DeviceKey {
    nous_api::keyfile::read(&member.key_file()).expect("device key")
}

pub(super) fn config_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("relay.toml");
    std::fs::write(&path, "max_frame_bytes = 65536\n").expect("write config");
    path
}

#[test]
fn every_attack_closes_only_the_attackers_connection_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_file(dir.path());
    let relay = RelayProcess::start_in(
        &dir.path().join("relay"),
        &["--config", config.to_str().expect("utf-8 path")],
    );
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    let key = device(&alice);
    let doc_id: DocId = doc.parse().expect("doc id");
    let my_actor = key.public().actor_for(&doc_id);
    let rt = runtime();

    // An honest member stays connected through all of it.
    let mut bystander = rt.block_on(Raw::connect(&relay, &device(&bob)));
    rt.block_on(bystander.request(&doc));
    assert!(
        rt.block_on(bystander.expect("sync")),
        "the bystander gets the charter"
    );

    let attacks: Vec<(&str, Attack)> = vec![
        (
            "frame_too_large",
            Box::new(|raw: &mut Raw| Box::pin(raw.send(vec![0xa0; 100_000]))),
        ),
        (
            "malformed_message",
            Box::new(|raw: &mut Raw| Box::pin(raw.send(vec![0xff, 0x00, 0x13]))),
        ),
        // A sync message Automerge cannot decode, and a `sync` without its
        // `data`.
        ("bad_sync_message", {
            let doc = doc.clone();
            Box::new(move |raw: &mut Raw| {
                let frame = raw_sync(raw, &doc, Some(&[0x42, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f]));
                Box::pin(raw.send(frame))
            })
        }),
        ("bad_sync_message", {
            let doc = doc.clone();
            Box::new(move |raw: &mut Raw| {
                let frame = raw_sync(raw, &doc, None);
                Box::pin(raw.send(frame))
            })
        }),
        ("changes_refused", {
            // The crasher fixture, over the wire.
            let doc = doc.clone();
            Box::new(move |raw: &mut Raw| {
                let doc = doc.clone();
                Box::pin(async move {
                    let crasher = hex::decode(CRASHER).expect("hex");
                    raw.sync(&doc, "sync", vec![crasher]).await;
                })
            })
        }),
        ("forged_actor", {
            // A change written under a device key nobody certified.
            let doc = doc.clone();
            Box::new(move |raw: &mut Raw| {
                let doc = doc.clone();
                Box::pin(async move {
                    let stranger = DeviceKey::from_seed(&[42; 32]).public();
                    let change = change_by(stranger.actor_for(&doc.parse().expect("id")), |tx| {
                        tx.put(ROOT, "forged", "yes").expect("put");
                    });
                    raw.sync(&doc, "sync", vec![change]).await;
                })
            })
        }),
    ];
    let mut refused = Vec::new();
    for (reason, attack) in &attacks {
        let mut attacker = rt.block_on(Raw::connect(&relay, &key));
        rt.block_on(attack(&mut attacker));
        assert!(
            rt.block_on(attacker.is_closed()),
            "{reason}: the attacker is cut off"
        );
        let before = refused.iter().filter(|r| *r == reason).count();
        assert_eq!(
            relay.rejections(reason),
            before as u64 + 1,
            "{reason} counted"
        );
        refused.push(*reason);
    }

    // A nesting bomb: maps 100 deep, under Alice's own actor.
    let bomb = change_by(my_actor.clone(), |tx| {
        let mut obj = ROOT;
        for i in 0..100 {
            obj = tx
                .put_object(&obj, format!("k{i}"), ObjType::Map)
                .expect("nest");
        }
    });
    let mut attacker = rt.block_on(Raw::connect(&relay, &key));
    rt.block_on(attacker.sync(&doc, "sync", vec![bomb]));
    assert!(
        rt.block_on(attacker.is_closed()),
        "the bomb's sender is cut off"
    );
    assert_eq!(relay.rejections("changes_refused"), 2);

    // Nothing of it was stored, and everyone else goes on: the bystander's
    // connection is open, and Bob syncs Alice's next edit as usual.
    alice.edit(&doc, "Adhésion", "Après les attaques.");
    alice.sync(&relay, &[]);
    let got = bob.sync(&relay, &[]);
    assert_eq!(got["incomplete"], serde_json::json!([]), "{got}");
    assert_eq!(bob.section(&doc, "Adhésion"), "Après les attaques.");
    let heads = |m: &Member| m.json(&["charter", "show", &doc, "--latest"])["heads"].clone();
    assert_eq!(
        heads(&alice),
        heads(&bob),
        "no forged or crashing change reached anyone"
    );
    rt.block_on(bystander.request(&doc));
    assert!(
        rt.block_on(bystander.expect("sync")),
        "the bystander is still served"
    );
    assert_eq!(relay.get("/health").0, 200);
}

#[test]
fn a_ledger_change_that_deletes_a_record_is_refused() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    let community = alice.json(&["community", "show"])["community"]
        .as_str()
        .expect("community id")
        .to_owned();
    let community: nous_core::record::CommunityId = community.parse().expect("id");
    let ledger_id = nous_core::ledger::doc_id(&community);

    // Alice's home keeps its replica of the ledger: delete an entry in it,
    // as a tampering client would, and send that change.
    let replica = {
        let engine = nous_api::Home::open(
            &alice.home.path(),
            nous_api::Env::fixed(0).with_entropy(|b: &mut [u8]| b.fill(7)),
        )
        .expect("open Alice's home");
        engine
            .ledger_replica(&community)
            .expect("read")
            .expect("a replica")
    };
    let mut ledger = Automerge::load(&replica).expect("load");
    let before = ledger.get_heads();
    let records = automerge::ReadDoc::get(&ledger, ROOT, "records")
        .expect("get")
        .expect("records map")
        .1;
    let first = automerge::ReadDoc::keys(&ledger, &records)
        .next()
        .expect("a record");
    ledger.set_actor(device(&alice).public().actor_for(&ledger_id));
    let mut tx = ledger.transaction();
    tx.delete(&records, first.as_str()).expect("delete");
    tx.commit();
    let change = ledger
        .get_changes(&before)
        .first()
        .map(|c| c.raw_bytes().to_vec())
        .expect("the deletion");

    let rt = runtime();
    let mut attacker = rt.block_on(Raw::connect(&relay, &device(&alice)));
    rt.block_on(attacker.sync(&ledger_id.to_string(), "sync", vec![change]));
    assert!(rt.block_on(attacker.is_closed()), "the tamperer is cut off");
    assert_eq!(relay.rejections("ledger_refused"), 1);

    // Bob gets the whole ledger all the same.
    let got = bob.sync(&relay, &[]);
    assert_eq!(got["incomplete"], serde_json::json!([]), "{got}");
    let state = bob.json(&["community", "show"]);
    assert_eq!(
        state["members"].as_object().map(|m| m.len()),
        Some(2),
        "{state}"
    );
}

#[test]
fn an_excluded_member_is_cut_off_while_connected() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let eve = Member::new("Eve");
    let doc = found(&alice, &[&bob, &eve]);
    alice.sync(&relay, &[]);
    let at = |member: &Member, now: &str, args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        member.home.run_at(now, &all).json()
    };

    // Eve is connected and reads the charter.
    let rt = runtime();
    let mut eve_socket = rt.block_on(Raw::connect(&relay, &device(&eve)));
    rt.block_on(eve_socket.request(&doc));
    assert!(
        rt.block_on(eve_socket.expect("sync")),
        "Eve reads the charter"
    );

    // Alice and Bob exclude her (notice, hearing, a vote), through the
    // relay. The dates are the records' (NOUS_NOW): months ahead, past the
    // 15 days of notice the default rule asks for.
    let exclusion = at(
        &alice,
        "2027-03-05",
        &[
            "member",
            "exclude",
            "Eve",
            "--reasons",
            "Récidive après avertissement.",
            "--notice",
            "2027-03-10",
            "--hearing",
            "2027-03-26",
        ],
    );
    let record = exclusion["record"].as_str().expect("record").to_owned();
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    at(&bob, "2027-03-06", &["react", &record, "yes"]);
    bob.sync(&relay, &[]);
    alice.sync(&relay, &[]);
    at(&alice, "2027-03-27", &["react", &record, "yes"]);
    at(&alice, "2027-03-27", &["decide", &record, "adopted"]);
    alice.sync(&relay, &[]);

    // Her open connection lost access at once: a write is not stored, and
    // the charter is now unavailable to her.
    let change = change_by(
        device(&eve).public().actor_for(&doc.parse().expect("id")),
        |tx| {
            tx.put(ROOT, "eve", "still here").expect("put");
        },
    );
    rt.block_on(eve_socket.sync(&doc, "sync", vec![change]));
    rt.block_on(eve_socket.request(&doc));
    assert!(
        rt.block_on(eve_socket.expect("doc-unavailable")),
        "the charter is gone for Eve"
    );
    let got = bob.sync(&relay, &[]);
    assert_eq!(got["incomplete"], serde_json::json!([]), "{got}");
    let heads = |m: &Member| m.json(&["charter", "show", &doc, "--latest"])["heads"].clone();
    assert_eq!(
        heads(&alice),
        heads(&bob),
        "Eve's late write reached no one"
    );
}

#[test]
fn a_reader_of_a_public_document_cannot_write_to_it() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let carol = Member::new("Carol");
    let doc = found(&alice, &[&bob]);
    alice.json(&["community", "share", &doc, "--public"]);
    alice.sync(&relay, &[]);

    // Carol, not a member, reads the public charter, then sends a change
    // as a client ignoring the read-only flag would: the change is taken
    // out, the rest of the conversation goes on.
    let rt = runtime();
    let mut reader = rt.block_on(Raw::connect(&relay, &device(&carol)));
    rt.block_on(reader.request(&doc));
    assert!(
        rt.block_on(reader.expect("sync")),
        "Carol reads the public charter"
    );
    let change = change_by(
        device(&carol).public().actor_for(&doc.parse().expect("id")),
        |tx| {
            tx.put(ROOT, "carol", "was here").expect("put");
        },
    );
    rt.block_on(reader.sync(&doc, "sync", vec![change]));
    rt.block_on(reader.request(&doc));
    assert!(
        rt.block_on(reader.expect("sync")),
        "still served after the refused write"
    );
    assert_eq!(relay.rejections("write_to_read_only"), 1);

    let got = bob.sync(&relay, &[]);
    assert_eq!(got["incomplete"], serde_json::json!([]), "{got}");
    let heads = |m: &Member| m.json(&["charter", "show", &doc, "--latest"])["heads"].clone();
    assert_eq!(heads(&alice), heads(&bob), "Carol's write reached no one");
}

#[test]
fn a_stock_clients_actor_stays_bound_to_its_device_across_a_restart() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    let rt = runtime();
    // A random 16-byte actor, as automerge-repo clients use: it carries no
    // key, so the relay binds it to Alice's device, the first to use it.
    let actor = ActorId::from([7u8; 16].as_slice());
    let first = change_by(actor.clone(), |tx| {
        tx.put(ROOT, "note", "Alice's client").expect("put");
    });
    let first_bytes = first.clone();
    let mut alices = rt.block_on(Raw::connect(&relay, &device(&alice)));
    rt.block_on(alices.sync(&doc, "sync", vec![first]));
    rt.block_on(alices.request(&doc));
    assert!(rt.block_on(alices.expect("sync")), "Alice's write is taken");
    drop(alices);

    // After a restart, Bob's device cannot write under that actor.
    let relay = relay.restart();
    let mut doc_after = Automerge::new();
    doc_after
        .load_incremental(&first_bytes)
        .expect("Alice's change");
    doc_after.set_actor(actor);
    let before = doc_after.get_heads();
    let mut tx = doc_after.transaction();
    tx.put(ROOT, "other", "x").expect("put");
    tx.commit();
    let second = doc_after
        .get_changes(&before)
        .first()
        .map(|c| c.raw_bytes().to_vec())
        .expect("change");
    let mut bobs = rt.block_on(Raw::connect(&relay, &device(&bob)));
    rt.block_on(bobs.sync(&doc, "sync", vec![second]));
    assert!(
        rt.block_on(bobs.is_closed()),
        "Bob's device may not use Alice's actor"
    );
    assert_eq!(relay.rejections("forged_actor"), 1);
}
