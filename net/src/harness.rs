//! A multi-peer network in memory, for tests (the `test-support` feature).
//!
//! [`Net`] is a community of members, each an [`Engine`] on
//! `MemoryStorage` with a fixed clock and seeded entropy, connected to one
//! hub — the relay's own [`SyncEngine`], guard and access registry, over a
//! [`MemoryChunks`] store, or over a serving peer's home ([`HomeChunks`],
//! [`Net::on_home`]) — by in-memory links. Everything runs on one
//! thread with tokio's clock paused, and every choice the network makes
//! (who writes, which frame is delivered next, which link breaks, who is cut
//! off for a while) is drawn from one seeded generator, so a seed names a
//! schedule: a failure prints the seed, and the seed replays it.
//!
//! A member speaks the automerge-repo protocol itself (`join`, then `sync`
//! messages per document with its own sync state), keeps a session copy of
//! each document as a client does, and takes it into its engine through
//! [`Engine::apply_remote`] — the guarded path `nous sync` takes. Links
//! deliver each connection's frames in order (a stream is ordered) but
//! interleave connections at random; a broken link loses what was in
//! flight, and the member dials again with fresh sync states, as a client
//! after a reconnection.
//!
//! [`Net::run_until_quiet`] heals every link and lets the network run
//! until nothing more is sent; [`Net::converged`] then says whether every
//! member and the hub hold the same document.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use automerge::sync::{self, SyncDoc as _};
use automerge::{Automerge, ChangeHash};
use futures::channel::mpsc;
use nous_core::charter::SectionId;
use nous_core::community::Founding;
use nous_core::engine::EngineOptions;
use nous_core::record::{College, CommunityId, Founder, Rules};
use nous_core::store::MemoryStorage;
use nous_core::{DeviceKey, DocId, Engine, markdown};

use crate::access::{Kept, Registry};
use crate::chunks::{ChunkStore, HomeChunks, MemoryChunks};
use crate::guard::{Guard, GuardLimits};
use crate::hub::SyncEngine;
use crate::metrics::Metrics;
use crate::peer::Peer;
use crate::wire::{self, MessageType};

/// The charter every [`Net`] starts from.
const CHARTER: &str = "# Charte\n\n## Adhésion\n\nOn adhère en écrivant au bureau.\n\n## Départ\n\nOn part quand on veut.\n\n## Tensions\n\nOn en parle.\n";

/// The hub's peer id.
const HUB: &str = "nous-relay-harness";

/// How a [`Net`] misbehaves, in percent per step.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    /// A connection breaks (what was in flight is lost).
    pub cut: u32,
    /// A member is cut off for a while (no link, no dialling).
    pub partition: u32,
}

impl Faults {
    /// A network that never fails.
    pub const NONE: Faults = Faults {
        cut: 0,
        partition: 0,
    };
    /// A network that breaks often.
    pub const ROUGH: Faults = Faults {
        cut: 4,
        partition: 3,
    };
}

/// A small seeded generator (xorshift): the schedule's only randomness.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.next() % 100 < u64::from(percent)
    }
}

/// One connection of a member to the hub.
struct Link {
    /// Into the hub's `serve`.
    up: mpsc::UnboundedSender<Vec<u8>>,
    /// Out of the hub's `serve`.
    down: mpsc::UnboundedReceiver<Vec<u8>>,
    /// Frames the member sent, not yet delivered to the hub.
    outbox: VecDeque<Vec<u8>>,
    /// Frames the hub sent, not yet delivered to the member.
    inbox: VecDeque<Vec<u8>>,
    /// The hub's side of the connection.
    served: tokio::task::JoinHandle<String>,
}

/// A member of the community: its engine and its session with the hub.
pub struct Member {
    /// The member's home.
    pub engine: Engine,
    peer_id: String,
    device: nous_core::PublicKey,
    link: Option<Link>,
    /// The session's copy of each document and its sync state with the hub.
    session: HashMap<DocId, (Automerge, sync::State)>,
    /// Steps left cut off from the network (0: reachable).
    offline: u32,
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Member")
            .field("peer_id", &self.peer_id)
            .field("connected", &self.link.is_some())
            .field("offline", &self.offline)
            .finish_non_exhaustive()
    }
}

/// What happened in a run, for reports and assertions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Edits made.
    pub edits: usize,
    /// Frames delivered, both ways.
    pub frames: usize,
    /// Connections broken.
    pub cuts: usize,
    /// Members cut off for a while.
    pub partitions: usize,
    /// Steps taken.
    pub steps: usize,
    /// Sessions that could not be taken in yet (a sync under way).
    pub incomplete: usize,
}

/// A community of members around one hub, in memory.
pub struct Net {
    runtime: tokio::runtime::Runtime,
    hub: SyncEngine,
    chunks: Arc<dyn ChunkStore>,
    /// With [`Net::on_home`]: the serving peer's home, whose store the hub
    /// writes (its engine and the storage under it).
    pub host: Option<Host>,
    metrics: Arc<Metrics>,
    /// The members, founders all.
    pub members: Vec<Member>,
    /// The community.
    pub community: CommunityId,
    /// Its charter, the document everyone edits.
    pub charter: DocId,
    rng: Rng,
    faults: Faults,
    /// What happened so far.
    pub tally: Tally,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net")
            .field("members", &self.members)
            .field("tally", &self.tally)
            .finish_non_exhaustive()
    }
}

/// The home a hub serves from ([`Net::on_home`]).
pub struct Host {
    /// The home's engine, which holds the community like a member.
    pub engine: Engine,
    /// The storage under it (clones share it).
    pub storage: MemoryStorage,
    seed: u64,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

/// The serving peer's device key seed (the hub's registry uses the same).
const HOST_KEY: [u8; 32] = [0xEE; 32];

impl Host {
    /// A fresh engine on the host's storage, as after a restart: it reads
    /// only what is committed.
    pub fn reopen(&self) -> Engine {
        engine_on(
            self.seed,
            DeviceKey::from_seed(&HOST_KEY),
            self.storage.clone(),
        )
    }
}

/// An engine in memory with a fixed clock and entropy drawn from `seed`.
pub fn engine(seed: u64, key: DeviceKey) -> Engine {
    engine_on(seed, key, MemoryStorage::default())
}

/// [`engine`] on a given storage.
pub fn engine_on(seed: u64, key: DeviceKey, storage: MemoryStorage) -> Engine {
    let mut rng = Rng::new(seed ^ 0xA5A5);
    Engine::with_storage(
        key,
        Box::new(storage),
        EngineOptions::new(
            Box::new(|| 1_780_000_000_000),
            Box::new(move |buf: &mut [u8]| {
                for chunk in buf.chunks_mut(8) {
                    let bytes = rng.next().to_le_bytes();
                    chunk.copy_from_slice(&bytes[..chunk.len()]);
                }
            }),
        ),
    )
}

impl Net {
    /// `members` founders of a community (the first founds it and hands it
    /// to the others as a bundle) around a hub that hosts it; nobody is
    /// connected yet. Panics if the set-up fails: it is a test fixture.
    pub fn new(members: usize, seed: u64, faults: Faults) -> Net {
        Self::build(members, seed, faults, false)
    }

    /// [`Net::new`], the hub serving from a peer's home: one more engine
    /// (the [`Host`]) takes the community in from the founder's bundle, and
    /// the hub keeps its documents in that home's store ([`HomeChunks`]), as
    /// a peer accepting its fellow members does.
    pub fn on_home(members: usize, seed: u64, faults: Faults) -> Net {
        Self::build(members, seed, faults, true)
    }

    fn build(members: usize, seed: u64, faults: Faults, on_home: bool) -> Net {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("a runtime");
        let key = |i: usize| {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&seed.to_le_bytes());
            bytes[8] = u8::try_from(i).unwrap_or(u8::MAX);
            bytes[9] = 1;
            DeviceKey::from_seed(&bytes)
        };
        let keys: Vec<DeviceKey> = (0..members).map(key).collect();
        let mut engines: Vec<Engine> = keys
            .iter()
            .enumerate()
            .map(|(i, _)| engine(seed.wrapping_add(i as u64), key(i)))
            .collect();
        let charter = engines[0]
            .create_charter("Charte", &markdown::parse(CHARTER))
            .expect("a charter")
            .value;
        let founders = keys
            .iter()
            .enumerate()
            .map(|(i, key)| Founder {
                member: key.public(),
                name: format!("member-{i}"),
                college: "members".into(),
            })
            .collect();
        let acted = engines[0]
            .found_community(Founding {
                name: "Coop".into(),
                charter,
                colleges: vec![College {
                    id: "members".into(),
                    name: "Members".into(),
                    weight: 1,
                }],
                founders,
                rules: Rules::default(),
                facilitators: Vec::new(),
            })
            .expect("founded");
        let community = acted.community.id;
        let bundle = engines[0]
            .export_bundle_with(&[charter], &[community])
            .expect("a bundle");
        for engine in &mut engines[1..] {
            engine.import_bundle(&bundle).expect("imported");
        }
        let ledger = engines[0]
            .local_ledger(&community)
            .expect("the ledger")
            .save();

        let (store, backing, host): (Arc<dyn ChunkStore>, Box<dyn crate::access::Backing>, _) =
            if on_home {
                let storage = MemoryStorage::default();
                let host_seed = seed ^ 0xF0F0;
                let mut home =
                    engine_on(host_seed, DeviceKey::from_seed(&HOST_KEY), storage.clone());
                home.import_bundle(&bundle)
                    .expect("the host takes the community in");
                home.store().flush().expect("the host's store");
                let chunks = HomeChunks::new(home.store()).committing_inline();
                let host = Host {
                    engine: home,
                    storage,
                    seed: host_seed,
                };
                (Arc::new(chunks.clone()), Box::new(chunks), Some(host))
            } else {
                let chunks = MemoryChunks::new();
                (Arc::new(chunks.clone()), Box::new(chunks), None)
            };
        let metrics = Arc::new(Metrics::default());
        let relay = engine(seed ^ 0xFFFF, DeviceKey::from_seed(&HOST_KEY));
        let registry =
            Registry::load(relay, Kept::default(), backing, metrics.clone()).expect("a registry");
        let guard = Arc::new(Guard::new(
            registry.clone(),
            store.clone(),
            metrics.clone(),
            GuardLimits::default(),
            true,
            HUB.into(),
        ));
        let founder = keys[0].public();
        runtime
            .block_on(guard.register(&founder, ledger))
            .expect("the hub hosts the community");
        let hub = SyncEngine::new(store.clone(), registry, guard, metrics.clone(), HUB.into());
        let members = engines
            .into_iter()
            .zip(&keys)
            .enumerate()
            .map(|(i, (engine, key))| Member {
                engine,
                peer_id: format!("member-{i}"),
                device: key.public(),
                link: None,
                session: HashMap::new(),
                offline: 0,
            })
            .collect();
        Net {
            runtime,
            hub,
            chunks: store,
            host,
            metrics,
            members,
            community,
            charter,
            rng: Rng::new(seed),
            faults,
            tally: Tally::default(),
        }
    }

    /// The hub's counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Member `i` dials the hub: a new connection, fresh sync states, and
    /// its `join`. Nothing happens if it is cut off or already connected.
    pub fn connect(&mut self, i: usize) {
        let member = &mut self.members[i];
        if member.offline > 0 || member.link.is_some() {
            return;
        }
        let (up, inbound) = mpsc::unbounded::<Vec<u8>>();
        let (outbound, down) = mpsc::unbounded::<Vec<u8>>();
        let peer = Peer {
            device: member.device,
            peer_id: member.peer_id.clone(),
        };
        let hub = self.hub.clone();
        let metrics = self.metrics.clone();
        let served = self
            .runtime
            .spawn(async move { hub.serve(peer, inbound, outbound, metrics).await });
        let mut outbox = VecDeque::new();
        outbox.push_back(wire::join(&member.peer_id));
        member.link = Some(Link {
            up,
            down,
            outbox,
            inbox: VecDeque::new(),
            served,
        });
        // A new connection starts its sync afresh; the session copies stay
        // (a client keeps its documents across reconnections).
        for (_, state) in member.session.values_mut() {
            *state = sync::State::new();
        }
        self.settle();
    }

    /// Member `i`'s connection breaks: whatever was in flight is lost.
    pub fn cut(&mut self, i: usize) {
        if let Some(link) = self.members[i].link.take() {
            drop(link.up);
            drop(link.down);
            self.tally.cuts += 1;
            let served = link.served;
            // The hub notices the connection ended.
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(30), served).await });
        }
    }

    /// Member `i` writes `text` at a random place of a random section of
    /// the charter.
    pub fn edit(&mut self, i: usize, text: &str) {
        let doc = self.charter;
        let member = &mut self.members[i];
        let charter = member
            .engine
            .charter(&doc, None)
            .expect("the charter reads");
        if charter.sections.is_empty() {
            return;
        }
        let section = &charter.sections[self.rng.below(charter.sections.len())];
        let id: SectionId = section.id.clone();
        let len = section.text.chars().count();
        let at = self.rng.below(len + 1);
        let delete = self.rng.below(3).min(len - at);
        member
            .engine
            .type_text(&doc, &id, at, delete, text)
            .expect("typed");
        self.tally.edits += 1;
    }

    /// Member `i` brings its engine's edits into its session and sends the
    /// hub a sync message for each document that has something to say.
    pub fn pump(&mut self, i: usize) -> usize {
        let charter = self.charter;
        let member = &mut self.members[i];
        let Some(link) = member.link.as_mut() else {
            return 0;
        };
        let mut sent = 0;
        let mine = member
            .engine
            .document(&charter)
            .expect("the charter")
            .clone();
        let (copy, state) = member
            .session
            .entry(charter)
            .or_insert_with(|| (Automerge::new(), sync::State::new()));
        let mut mine = mine;
        copy.merge(&mut mine).expect("merge the engine's copy");
        if let Some(message) = copy.generate_sync_message(state) {
            link.outbox.push_back(wire::sync(
                &member.peer_id,
                HUB,
                &charter.to_string(),
                &message.encode(),
            ));
            sent += 1;
        }
        sent
    }

    /// Member `i` takes what its session holds into its engine (the
    /// guarded import path). A session in the middle of a sync may hold
    /// changes whose dependencies have not come yet: the engine then takes
    /// nothing (all or nothing), and says so.
    pub fn take_in(&mut self, i: usize) -> Result<(), String> {
        let member = &mut self.members[i];
        let documents: Vec<(DocId, Vec<u8>)> = member
            .session
            .iter()
            .map(|(id, (copy, _))| (*id, copy.save()))
            .collect();
        member
            .engine
            .apply_remote(documents)
            .map(|_| ())
            .map_err(|e| format!("member {i} cannot take in its session: {e}"))
    }

    /// Deliver the next frame of a random connection, one way or the
    /// other. False when nothing is in flight.
    pub fn deliver(&mut self) -> bool {
        self.collect();
        let busy: Vec<(usize, bool)> = self
            .members
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.link.as_ref().map(|l| (i, l)))
            .flat_map(|(i, l)| {
                let up = (!l.outbox.is_empty()).then_some((i, true));
                let down = (!l.inbox.is_empty()).then_some((i, false));
                up.into_iter().chain(down)
            })
            .collect();
        if busy.is_empty() {
            return false;
        }
        let (i, up) = busy[self.rng.below(busy.len())];
        let charter = self.charter;
        let member = &mut self.members[i];
        let Some(link) = member.link.as_mut() else {
            return false;
        };
        self.tally.frames += 1;
        if up {
            if let Some(frame) = link.outbox.pop_front() {
                let _ = link.up.unbounded_send(frame);
            }
            self.settle();
        } else if let Some(frame) = link.inbox.pop_front() {
            let Ok(envelope) = wire::decode(&frame) else {
                panic!("the hub sent a frame that does not decode");
            };
            if envelope.kind == MessageType::Sync
                && let (Some(doc), Some(data)) = (envelope.document, envelope.data)
                && doc.as_slice() == charter.as_bytes()
            {
                let message = sync::Message::decode(data).expect("the hub's sync message");
                let (copy, state) = member
                    .session
                    .entry(charter)
                    .or_insert_with(|| (Automerge::new(), sync::State::new()));
                copy.receive_sync_message(state, message)
                    .expect("the hub's changes apply");
            }
        }
        true
    }

    /// Let the hub's tasks run until they wait, then pick up what they
    /// sent.
    fn settle(&mut self) {
        self.runtime.block_on(async {
            for _ in 0..8 {
                tokio::task::yield_now().await;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        });
        self.collect();
    }

    /// Move what the hub sent into each link's inbox; a connection the hub
    /// closed is gone.
    fn collect(&mut self) {
        for member in &mut self.members {
            let closed = match member.link.as_mut() {
                Some(link) => loop {
                    match link.down.try_recv() {
                        Ok(frame) => link.inbox.push_back(frame),
                        Err(mpsc::TryRecvError::Closed) => break link.inbox.is_empty(),
                        Err(mpsc::TryRecvError::Empty) => break false,
                    }
                },
                None => false,
            };
            if closed {
                member.link = None;
            }
        }
    }

    /// One step of the schedule: a random member writes, sends, takes in,
    /// dials; a frame is delivered; a link may break; a member may be cut
    /// off for a while.
    pub fn step(&mut self) {
        self.tally.steps += 1;
        for member in &mut self.members {
            if member.offline > 0 {
                member.offline -= 1;
            }
        }
        let n = self.members.len();
        let i = self.rng.below(n);
        match self.rng.below(10) {
            0 | 1 => {
                let texts = ["a", "é", "🙂", " et ", "\n", "xyz"];
                let text = texts[self.rng.below(texts.len())];
                self.edit(i, text);
            }
            2 | 3 => {
                self.connect(i);
                self.pump(i);
            }
            4 => {
                if self.take_in(i).is_err() {
                    self.tally.incomplete += 1;
                }
            }
            _ => {
                self.deliver();
            }
        }
        if self.rng.chance(self.faults.cut) {
            let i = self.rng.below(n);
            self.cut(i);
        }
        if self.rng.chance(self.faults.partition) {
            let i = self.rng.below(n);
            self.cut(i);
            self.members[i].offline = 5 + u32::try_from(self.rng.below(30)).unwrap_or(0);
            self.tally.partitions += 1;
        }
    }

    /// Heal every link and run until nothing more is sent: every member
    /// connected, every frame delivered, no sync message left to send; then
    /// every member takes in its session. Err when it does not settle
    /// within `max_rounds` rounds.
    pub fn run_until_quiet(&mut self, max_rounds: usize) -> Result<usize, String> {
        for member in &mut self.members {
            member.offline = 0;
        }
        for round in 0..max_rounds {
            let mut sent = 0;
            for i in 0..self.members.len() {
                self.connect(i);
                sent += self.pump(i);
            }
            while self.deliver() {
                sent += 1;
            }
            if sent == 0 {
                for i in 0..self.members.len() {
                    self.take_in(i)?;
                }
                return Ok(round);
            }
        }
        Err(format!(
            "still sending after {max_rounds} rounds ({:?})",
            self.tally
        ))
    }

    /// The charter's heads as the hub stores it.
    pub fn hub_heads(&self) -> Vec<ChangeHash> {
        let chunks = self.chunks.scan(&format!("{}/", self.charter));
        let bytes: Vec<u8> = chunks.into_iter().flat_map(|(_, v)| v).collect();
        let doc = nous_core::guard::load(
            &bytes,
            &nous_core::guard::Limits::local_store(),
            automerge::ActorId::random(),
        )
        .expect("the hub's copy loads");
        let mut heads = doc.get_heads();
        heads.sort();
        heads
    }

    /// Whether every member's engine and the hub's store hold the same
    /// charter (Err says who differs).
    pub fn converged(&mut self) -> Result<(), String> {
        let doc = self.charter;
        let hub = self.hub_heads();
        let first = self.members[0]
            .engine
            .charter(&doc, None)
            .map_err(|e| e.to_string())?;
        for (i, member) in self.members.iter_mut().enumerate() {
            let mut heads = member.engine.heads(&doc).map_err(|e| e.to_string())?;
            heads.sort();
            if heads != hub {
                return Err(format!(
                    "member {i} has {} heads, the hub {} ({:?})",
                    heads.len(),
                    hub.len(),
                    self.tally
                ));
            }
            let charter = member
                .engine
                .charter(&doc, None)
                .map_err(|e| e.to_string())?;
            if charter != first {
                return Err(format!("member {i} reads another charter"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::{Context, Poll};

    use super::*;

    /// Seeds to run: `NOUS_HARNESS_SEEDS` (a count) or `default`.
    fn seeds(default: u64) -> u64 {
        std::env::var("NOUS_HARNESS_SEEDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    }

    fn run(seed: u64, members: usize, steps: usize, faults: Faults) -> Net {
        let mut net = Net::new(members, seed, faults);
        for _ in 0..steps {
            net.step();
        }
        if let Err(why) = net.run_until_quiet(50) {
            panic!("seed {seed}: {why}");
        }
        if let Err(why) = net.converged() {
            panic!("seed {seed}, {members} members: {why}");
        }
        net
    }

    #[test]
    fn members_writing_through_a_quiet_hub_converge() {
        let net = run(1, 3, 300, Faults::NONE);
        assert!(net.tally.edits > 20, "{:?}", net.tally);
        assert!(net.tally.frames > 50, "{:?}", net.tally);
        assert_eq!(net.tally.cuts, 0);
        // Everyone's edits reached the hub: each member's actor is there.
        assert_eq!(net.metrics().rejections("forged_actor"), 0);
    }

    /// The relay's share of an edit's latency is counted once per frame
    /// that carries a writer's changes to another client, and only then:
    /// not for the sync rounds that carry nothing new.
    #[test]
    fn the_fan_out_of_an_edit_is_timed_per_reader() {
        let mut net = Net::new(3, 7, Faults::NONE);
        for i in 0..3 {
            net.connect(i);
        }
        for i in 0..3 {
            net.pump(i);
        }
        if let Err(why) = net.run_until_quiet(50) {
            panic!("{why}");
        }
        let before = net.metrics().fanout.count();
        // Rounds with nothing new are not timed.
        for i in 0..3 {
            net.pump(i);
        }
        if let Err(why) = net.run_until_quiet(50) {
            panic!("{why}");
        }
        assert_eq!(net.metrics().fanout.count(), before);
        net.edit(0, "x");
        net.pump(0);
        if let Err(why) = net.run_until_quiet(50) {
            panic!("{why}");
        }
        if let Err(why) = net.converged() {
            panic!("{why}");
        }
        // The two other members got the edit, each in one timed frame.
        let after = before + 2;
        assert_eq!(net.metrics().fanout.count(), after);
        assert!(
            net.metrics()
                .render()
                .contains(&format!("nous_relay_fanout_seconds_count {after}\n"))
        );
    }

    #[test]
    fn seeded_schedules_with_broken_links_and_partitions_converge() {
        let mut faults_seen = Tally::default();
        for seed in 0..seeds(200) {
            let members = 2 + usize::try_from(seed % 3).unwrap_or(0);
            let net = run(seed, members, 120, Faults::ROUGH);
            faults_seen.cuts += net.tally.cuts;
            faults_seen.partitions += net.tally.partitions;
            faults_seen.edits += net.tally.edits;
        }
        // The schedules did break links and cut members off.
        assert!(faults_seen.cuts > 100, "{faults_seen:?}");
        assert!(faults_seen.partitions > 100, "{faults_seen:?}");
        assert!(faults_seen.edits > 2000, "{faults_seen:?}");
    }

    #[test]
    fn a_hub_serving_from_a_home_keeps_what_it_admits_in_that_home() {
        for seed in 0..seeds(40) {
            let members = 2 + usize::try_from(seed % 3).unwrap_or(0);
            let mut net = Net::on_home(members, seed, Faults::ROUGH);
            for _ in 0..120 {
                net.step();
            }
            if let Err(why) = net.run_until_quiet(50).and_then(|_| net.converged()) {
                panic!("seed {seed}, on a home: {why}");
            }
            assert!(net.tally.edits > 10, "seed {seed}: {:?}", net.tally);
            let doc = net.charter;
            let hub = net.hub_heads();
            let read = net.members[0].engine.charter(&doc, None).expect("reads");
            let host = net.host.as_mut().expect("a host");
            // The home, opened afresh, holds what the hub holds: the hub's
            // writes are the engine's document.
            let mut fresh = host.reopen();
            let mut heads = fresh.heads(&doc).expect("the home reads its charter");
            heads.sort();
            assert_eq!(heads, hub, "seed {seed}");
            assert_eq!(
                fresh.charter(&doc, None).expect("reads"),
                read,
                "seed {seed}"
            );
            // The home's own engine, whose copy predates every member's
            // edit, writes to the same document in the same store: both
            // its edit and everything the hub kept survive.
            let section = read.sections[0].id.clone();
            host.engine
                .type_text(&doc, &section, 0, 0, "Hôte : ")
                .expect("the host types");
            host.engine.flush().expect("flushed");
            let mut after = host.reopen();
            let text = after.charter(&doc, None).expect("reads").sections[0]
                .text
                .clone();
            assert!(text.contains("Hôte : "), "seed {seed}: {text}");
            let document = after.document(&doc).expect("loads");
            for hash in &hub {
                assert!(
                    document.get_change_meta_by_hash(hash).is_some(),
                    "seed {seed}: the hub's change {hash} was lost"
                );
            }
        }
    }

    #[test]
    fn a_seed_replays_its_schedule() {
        let mut a = run(7, 3, 150, Faults::ROUGH);
        let mut b = run(7, 3, 150, Faults::ROUGH);
        assert_eq!(a.tally, b.tally);
        assert_eq!(a.hub_heads(), b.hub_heads());
        let doc = a.charter;
        assert_eq!(
            a.members[0].engine.charter(&doc, None).expect("reads"),
            b.members[0].engine.charter(&doc, None).expect("reads")
        );
        let c = run(8, 3, 150, Faults::ROUGH);
        assert_ne!(a.tally, c.tally, "another seed, another schedule");
    }

    #[test]
    fn an_outsider_on_the_network_gets_nothing_and_changes_nothing() {
        let mut net = run(5, 2, 100, Faults::NONE);
        let before = net.hub_heads();
        // A device that is no member, holding a copy of the charter (it
        // was handed the bundle) with an edit of its own.
        let key = DeviceKey::from_seed(&[0x0D; 32]);
        let device = key.public();
        let mut outsider = engine(99, key);
        let doc = net.charter;
        let bundle = net.members[0]
            .engine
            .export_bundle(&[doc])
            .expect("a bundle");
        outsider.import_bundle(&bundle).expect("imported");
        net.members.push(Member {
            engine: outsider,
            peer_id: "outsider".into(),
            device,
            link: None,
            session: HashMap::new(),
            offline: 0,
        });
        let o = net.members.len() - 1;
        net.edit(o, "pirate");
        for _ in 0..20 {
            net.connect(o);
            net.pump(o);
            while net.deliver() {}
        }
        assert_eq!(net.hub_heads(), before, "the hub kept nothing of it");
        let told = net.members[o].link.as_ref().map_or(0, |l| l.inbox.len());
        assert_eq!(told, 0, "everything it was sent was delivered");
        // The members never see the outsider's edit.
        net.members.pop();
        net.run_until_quiet(20).expect("quiet");
        net.converged().expect("the members converge");
        let text: String = net.members[0]
            .engine
            .charter(&doc, None)
            .expect("reads")
            .sections
            .iter()
            .map(|s| s.text.clone())
            .collect();
        assert!(!text.contains("pirate"), "{text}");
    }

    /// A socket whose peer never reads: nothing can be written to it.
    struct NeverReads(Arc<AtomicBool>);

    impl futures::Sink<Vec<u8>> for NeverReads {
        type Error = std::io::Error;
        fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Pending
        }
        fn start_send(self: Pin<&mut Self>, _: Vec<u8>) -> Result<(), Self::Error> {
            Ok(())
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Pending
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Pending
        }
    }

    impl Drop for NeverReads {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_peer_that_never_reads_does_not_hold_its_connection_open() {
        let net = Net::new(2, 3, Faults::NONE);
        let dropped = Arc::new(AtomicBool::new(false));
        let sink = NeverReads(dropped.clone());
        let member = &net.members[0];
        let peer = Peer {
            device: member.device,
            peer_id: member.peer_id.clone(),
        };
        // It joins (the hub answers, into a socket nobody reads), then its
        // side of the connection ends.
        let inbound = futures::stream::iter(vec![wire::join(&member.peer_id)]);
        let hub = net.hub.clone();
        let metrics = net.metrics.clone();
        let ended = net.runtime.block_on(async move {
            tokio::time::timeout(
                Duration::from_secs(60),
                hub.serve(peer, inbound, sink, metrics),
            )
            .await
        });
        assert!(ended.is_ok(), "the connection's task ended");
        assert!(dropped.load(Ordering::SeqCst), "its socket was let go");
        assert_eq!(net.metrics().rejections("close_timeout"), 1);
    }
}
