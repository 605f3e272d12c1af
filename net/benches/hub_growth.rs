//! Growth: what one live edit costs the relay's document hub as the
//! document's history grows. A writer types one character per change at
//! the end of a text that already holds N changes; K readers follow. The
//! hub (`DocSync`, sans-IO) is timed for everything it does per edit: the
//! check, the fan-out to K + 1 peers, the K + 1 acknowledgements, and the
//! applying. Three hubs take the same edits in the same run:
//!
//! - **typing**, the relay's way: a keystroke the guard's typing check
//!   vouches for is kept, forwarded and saved unapplied, and applied in
//!   batches (the batches' time is in the mean: a last batch is applied
//!   and timed at the end);
//! - **apply each**, the anchor: every change checked and applied on the
//!   lent document (as the relay did before), answers from the recent past;
//! - **no fast path**: also every answer from automerge's own sync calls.
//!
//! The apply alone is reported for "apply each", the part that automerge
//! 0.12 makes proportional to the text's length.
//!
//! Run with: `cargo bench -p nous-net --bench hub_growth` (`-- --json` for
//! JSON lines; `--sizes 0,1000,10000,50000 --readers 10,100 --edits 200`
//! are the defaults). Under `cargo test` it runs a small smoke version.
//!
//! The readers are light: they hold one document between them and, when
//! several are in the same state and get the same frame, take it in once
//! (what each says back is what the relay would hear from each); their
//! work is not timed.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use automerge::sync::{self, SyncDoc as _};
use automerge::transaction::Transactable as _;
use automerge::{ActorId, Automerge, ObjType, ROOT, ReadDoc as _};
use nous_core::guard::{self, Limits};
use nous_core::ids::DocId;
use nous_net::hub::doc::{Ask, ConnId, DocSync, Effect};
use nous_net::wire;

fn flag(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn list(name: &str, default: &[usize]) -> Vec<usize> {
    flag(name).map_or_else(
        || default.to_vec(),
        |v| {
            v.split(',')
                .map(|n| n.parse().expect("a list of numbers"))
                .collect()
        },
    )
}

/// A text of `n` changes, one character each, and the text's id.
fn seed(n: usize) -> (Automerge, automerge::ObjId) {
    let mut doc = Automerge::new().with_actor(ActorId::from([1u8; 16]));
    let text = doc
        .transact(|tx| tx.put_object(ROOT, "text", ObjType::Text))
        .expect("text")
        .result;
    for i in 0..n {
        doc.transact(|tx| tx.splice_text(&text, i, 0, "a"))
            .expect("seed");
    }
    (doc, text)
}

/// The sync message inside a frame the relay sent.
fn message(frame: &[u8]) -> Option<sync::Message> {
    let env = wire::decode(frame).ok()?;
    (env.kind == wire::MessageType::Sync)
        .then(|| sync::Message::decode(env.data?).ok())
        .flatten()
}

/// A reader's state before, the frames it heard, its state after and its
/// reply.
type Heard = (
    sync::State,
    Vec<Vec<u8>>,
    sync::State,
    Option<sync::Message>,
);

/// How a hub takes an edit (see the module's documentation).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Typing,
    ApplyEach,
    NoFastPath,
}

struct Room {
    mode: Mode,
    relay: DocSync,
    writer: Automerge,
    writer_state: sync::State,
    text: automerge::ObjId,
    /// The readers' one document, and each reader's state.
    readers: Automerge,
    states: Vec<sync::State>,
    /// Time spent in the hub, and in applying changes.
    hub: Duration,
    apply: Duration,
}

impl Room {
    fn new(n: usize, k: usize, mode: Mode) -> Room {
        let (writer, text) = seed(n);
        let id = DocId::from_bytes([7; 16]);
        let chunks = vec![(format!("{id}/snapshot/seed"), writer.save())];
        let mut relay = DocSync::load(&id, "relay", chunks).expect("load");
        if mode == Mode::NoFastPath {
            relay = relay.without_fast_path();
        }
        for conn in 0..=k {
            relay.attach(conn as ConnId, format!("peer-{conn}"), false);
        }
        let readers = writer.fork().with_actor(ActorId::from([2u8; 16]));
        let mut room = Room {
            mode,
            relay,
            writer,
            writer_state: sync::State::new(),
            text,
            readers,
            states: vec![sync::State::new(); k],
            hub: Duration::ZERO,
            apply: Duration::ZERO,
        };
        room.settle();
        room
    }

    /// A message from `conn` to the relay (changes checked on the lent
    /// document, as the guard does), timed; what it sends back.
    fn tell(&mut self, conn: ConnId, message: sync::Message) -> Vec<Effect> {
        let mut out = Vec::new();
        let start = Instant::now();
        let entries: Vec<Vec<u8>> = message.changes.iter().map(|c| c.to_vec()).collect();
        if self.mode == Mode::Typing
            && !entries.is_empty()
            && let Some(typed) = self.relay.vouch(&entries, &Limits::default())
        {
            self.relay
                .receive_typed(conn, Ask::Sync, message, typed, &mut out)
                .expect("receive");
            self.hub += start.elapsed();
            return out;
        }
        let checked = if message.changes.is_empty() {
            None
        } else {
            self.relay.flush(&mut out).expect("flush");
            let mut scratch = self.relay.lend();
            let bytes: Vec<u8> = message.changes.iter().flatten().copied().collect();
            let applying = Instant::now();
            guard::apply_in_place(&mut scratch, &bytes, &Limits::default()).expect("check");
            self.apply += applying.elapsed();
            Some(scratch)
        };
        self.relay
            .receive(conn, Ask::Sync, message, checked, &mut out)
            .expect("receive");
        self.hub += start.elapsed();
        out
    }

    /// Everyone until nobody has anything to say.
    fn settle(&mut self) {
        let mut frames: HashMap<ConnId, Vec<Vec<u8>>> = HashMap::new();
        for _ in 0..100 {
            let mut said = Vec::new();
            // The writer.
            for frame in frames.remove(&0).unwrap_or_default() {
                if let Some(m) = message(&frame) {
                    self.writer
                        .receive_sync_message(&mut self.writer_state, m)
                        .expect("writer");
                }
            }
            if let Some(m) = self.writer.generate_sync_message(&mut self.writer_state) {
                said.push((0, m));
            }
            // The readers: equal states hearing equal frames, once.
            let mut done: Vec<Heard> = Vec::new();
            for r in 0..self.states.len() {
                let conn = (r + 1) as ConnId;
                let heard = frames.remove(&conn).unwrap_or_default();
                let before = self.states[r].clone();
                if let Some((_, _, after, reply)) =
                    done.iter().find(|(b, f, _, _)| *b == before && *f == heard)
                {
                    self.states[r] = after.clone();
                    if let Some(m) = reply {
                        said.push((conn, m.clone()));
                    }
                    continue;
                }
                for frame in &heard {
                    if let Some(m) = message(frame) {
                        self.readers
                            .receive_sync_message(&mut self.states[r], m)
                            .expect("reader");
                    }
                }
                let reply = self.readers.generate_sync_message(&mut self.states[r]);
                if let Some(m) = &reply {
                    said.push((conn, m.clone()));
                }
                done.push((before, heard, self.states[r].clone(), reply));
            }
            if said.is_empty() && frames.values().all(Vec::is_empty) {
                return;
            }
            for (conn, m) in said {
                for effect in self.tell(conn, m) {
                    if let Effect::Send(to, frame) = effect {
                        frames.entry(to).or_default().push(frame);
                    }
                }
            }
        }
        panic!("no convergence");
    }

    /// One edit, until everyone has it; the hub's time for it.
    fn edit(&mut self, i: usize) -> (Duration, Duration) {
        let (hub, apply) = (self.hub, self.apply);
        let text = self.text.clone();
        self.writer
            .transact(|tx| {
                let at = tx.length(&text);
                tx.splice_text(&text, at, 0, if i.is_multiple_of(2) { "b" } else { "c" })
            })
            .expect("edit");
        self.settle();
        (self.hub - hub, self.apply - apply)
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    if std::env::args().any(|a| a == "--ignored") {
        return;
    }
    let json = std::env::args().any(|a| a == "--json");
    let sizes = list(
        "--sizes",
        if full {
            &[0, 1_000, 10_000, 50_000]
        } else {
            &[0, 300]
        },
    );
    let readers = list("--readers", if full { &[10, 100] } else { &[3] });
    let edits: usize = flag("--edits").map_or(if full { 200 } else { 20 }, |v| {
        v.parse().expect("--edits N")
    });
    if !json {
        println!(
            "hub growth: one edit at the end of a text of N changes, K readers, {edits} edits; hub time per edit (mean: batches and snapshots included; median), three hubs in the same run"
        );
        println!(
            "| N | K | typing: hub ms mean (median) | apply each: hub ms mean (median) | of which apply | no fast path: hub ms mean | apply each / typing | batches | calls to automerge per edit, typing / apply each / off |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    }
    for &n in &sizes {
        for &k in &readers {
            let mut rooms = [
                Room::new(n, k, Mode::Typing),
                Room::new(n, k, Mode::ApplyEach),
                Room::new(n, k, Mode::NoFastPath),
            ];
            let calls0: Vec<(u64, u64)> = rooms.iter().map(|r| r.relay.sync_calls()).collect();
            let typed0 = rooms[0].relay.typed_calls();
            let mut times: [Vec<(Duration, Duration)>; 3] = Default::default();
            // Alternate the three, edit by edit: the machine's noise falls on all.
            for i in 0..edits {
                for (room, times) in rooms.iter_mut().zip(times.iter_mut()) {
                    times.push(room.edit(i));
                }
            }
            // What the typing hub still holds unapplied is part of its cost.
            let start = Instant::now();
            rooms[0].relay.flush(&mut Vec::new()).expect("flush");
            let last_batch = start.elapsed();
            for room in &rooms {
                assert_eq!(room.readers.get_heads(), room.writer.get_heads());
                assert_eq!(room.relay.heads(), room.writer.get_heads());
            }
            let hub: Vec<Duration> = times
                .iter()
                .map(|t| median(t.iter().map(|x| x.0).collect()))
                .collect();
            let mut totals: Vec<Duration> = times
                .iter()
                .map(|t| t.iter().map(|x| x.0).sum::<Duration>())
                .collect();
            totals[0] += last_batch;
            let hub_mean: Vec<Duration> = totals.iter().map(|t| *t / edits.max(1) as u32).collect();
            let apply = median(times[1].iter().map(|x| x.1).collect());
            let asked: Vec<f64> = rooms
                .iter()
                .zip(&calls0)
                .map(|(r, c0)| (r.relay.sync_calls().0 - c0.0) as f64 / edits as f64)
                .collect();
            let (typed, batches) = rooms[0].relay.typed_calls();
            let (typed, batches) = (typed - typed0.0, batches - typed0.1);
            let ratio = hub_mean[1].as_secs_f64() / hub_mean[0].as_secs_f64();
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "bench": "hub_growth", "changes": n, "readers": k, "edits": edits,
                        "hub_mean_ms_typing": ms(hub_mean[0]), "hub_ms_typing": ms(hub[0]),
                        "hub_mean_ms_apply_each": ms(hub_mean[1]), "hub_ms_apply_each": ms(hub[1]),
                        "apply_ms_apply_each": ms(apply),
                        "hub_mean_ms_no_fast_path": ms(hub_mean[2]),
                        "apply_each_over_typing": ratio,
                        "typed": typed, "batches": batches,
                        "automerge_calls_per_edit": asked,
                    })
                );
            } else {
                println!(
                    "| {n} | {k} | {:.3} ({:.3}) | {:.3} ({:.3}) | {:.3} | {:.3} | {ratio:.1}× | {batches} ({typed} kept) | {:.1} / {:.1} / {:.1} |",
                    ms(hub_mean[0]),
                    ms(hub[0]),
                    ms(hub_mean[1]),
                    ms(hub[1]),
                    ms(apply),
                    ms(hub_mean[2]),
                    asked[0],
                    asked[1],
                    asked[2]
                );
            }
            // Every keystroke but the first few after loading is kept
            // unapplied.
            assert!(
                typed + 3 >= edits as u64,
                "{typed} of {edits} keystrokes kept unapplied"
            );
            // The fast path answers a live edit without automerge's sync
            // calls (the first edits after loading may need them).
            for mode in [0, 1] {
                assert!(
                    asked[mode] < 1.0,
                    "{} calls to automerge per edit with the fast path",
                    asked[mode]
                );
            }
        }
    }
}
