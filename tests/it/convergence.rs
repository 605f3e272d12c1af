//! Property: random concurrent edits on 2–5 copies of a charter, exchanged
//! through bundles in random order and duplicated, converge to the same
//! heads and the same charter.

use nous_core::charter::{Position, SectionDraft, SectionId};
use nous_core::engine::EngineOptions;
use nous_core::store::MemoryStorage;
use nous_core::{DeviceKey, DocId, Engine, markdown};
use proptest::prelude::*;

use crate::support::COOP;

#[derive(Debug, Clone)]
enum Op {
    /// A keystroke in a section's text.
    Type {
        section: usize,
        at: usize,
        delete: usize,
        text: String,
    },
    /// Replace a section's body with a variation of it.
    Rewrite {
        section: usize,
        prefix: String,
    },
    Add {
        after: usize,
        heading: String,
    },
    Move {
        section: usize,
        to_start: bool,
    },
    Remove {
        section: usize,
    },
    Tag {
        section: usize,
        tag: String,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let text = prop::sample::select(vec!["a", "é", "🙂", "שלום", "\n", "1. ", "xyz"])
        .prop_map(str::to_owned);
    prop_oneof![
        4 => (0..8usize, 0..200usize, 0..3usize, text.clone())
            .prop_map(|(section, at, delete, text)| Op::Type { section, at, delete, text }),
        2 => (0..8usize, text.clone()).prop_map(|(section, prefix)| Op::Rewrite { section, prefix }),
        1 => (0..8usize, prop::sample::select(vec!["Budget", "Éthique", "Outils"]))
            .prop_map(|(after, heading)| Op::Add { after, heading: heading.to_owned() }),
        1 => (0..8usize, any::<bool>()).prop_map(|(section, to_start)| Op::Move { section, to_start }),
        1 => (0..8usize).prop_map(|section| Op::Remove { section }),
        1 => (0..8usize, prop::sample::select(vec!["tensions", "amendment", "à-revoir"]))
            .prop_map(|(section, tag)| Op::Tag { section, tag: tag.to_owned() }),
    ]
}

#[derive(Debug, Clone)]
struct Round {
    edits: Vec<(usize, Op)>,
    /// (from, to) bundle exchanges, in this order; duplicates allowed.
    exchanges: Vec<(usize, usize)>,
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Round>)> {
    (2..=5usize).prop_flat_map(|copies| {
        let round = (
            prop::collection::vec((0..copies, op()), 1..8),
            prop::collection::vec((0..copies, 0..copies), 0..8),
        )
            .prop_map(|(edits, exchanges)| Round { edits, exchanges });
        (Just(copies), prop::collection::vec(round, 1..4))
    })
}

fn engine(seed: u8) -> Engine {
    let mut counter = 0u64;
    Engine::with_storage(
        DeviceKey::from_seed(&[seed; 32]),
        Box::new(MemoryStorage::default()),
        EngineOptions::new(
            Box::new(move || 1_700_000_000_000 + i64::from(seed)),
            Box::new(move |buf: &mut [u8]| {
                counter += 1;
                for (i, b) in buf.iter_mut().enumerate() {
                    *b = seed.wrapping_mul(97) ^ (counter as u8).wrapping_add(i as u8 * 13);
                }
            }),
        ),
    )
}

fn apply(engine: &mut Engine, doc: &DocId, op: &Op, fresh: u8) {
    let charter = engine.charter(doc, None).expect("read");
    let sections: Vec<SectionId> = charter.sections.iter().map(|s| s.id.clone()).collect();
    let pick = |i: usize| sections.get(i % sections.len().max(1)).cloned();
    match op {
        Op::Type {
            section,
            at,
            delete,
            text,
        } => {
            let Some(id) = pick(*section) else { return };
            let len = charter.sections[section % sections.len()]
                .text
                .chars()
                .count();
            let at = at % (len + 1);
            let delete = (*delete).min(len - at);
            engine.type_text(doc, &id, at, delete, text).expect("type");
        }
        Op::Rewrite { section, prefix } => {
            let Some(id) = pick(*section) else { return };
            let body = charter.sections[section % sections.len()].body();
            let body = format!("{prefix}{}", body.replacen('e', "E", 1));
            if markdown::has_heading(&body) {
                return;
            }
            engine
                .edit(doc, "rewrite", |c| c.set_body(&id, &body))
                .expect("rewrite");
        }
        Op::Add { after, heading } => {
            let position = pick(*after).map_or(Position::End, Position::After);
            let draft = SectionDraft {
                heading: heading.clone(),
                level: 2,
                ..SectionDraft::default()
            };
            engine
                .edit(doc, "add", |c| {
                    c.add_section(&draft, &position, || {
                        SectionId::from_random([fresh, 1, 2, 3, 4])
                    })
                })
                .map(|_| ())
                .or_else(|e| {
                    if e.to_string().contains("already exists") {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })
                .expect("add");
        }
        Op::Move { section, to_start } => {
            let Some(id) = pick(*section) else { return };
            let position = if *to_start {
                Position::Start
            } else {
                Position::End
            };
            engine
                .edit(doc, "move", |c| c.move_section(&id, &position))
                .expect("move");
        }
        Op::Remove { section } => {
            let Some(id) = pick(*section) else { return };
            engine
                .edit(doc, "remove", |c| c.remove_section(&id))
                .expect("remove");
        }
        Op::Tag { section, tag } => {
            let Some(id) = pick(*section) else { return };
            engine
                .edit(doc, "tag", |c| c.tag(&id, std::slice::from_ref(tag), &[]))
                .expect("tag");
        }
    }
}

fn exchange(engines: &mut [Engine], doc: &DocId, from: usize, to: usize) {
    if from == to {
        return;
    }
    let bundle = engines[from].export_bundle(&[*doc]).expect("export");
    engines[to].import_bundle(&bundle).expect("import");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_copies_converge((copies, rounds) in scenario()) {
        let mut engines: Vec<Engine> = (0..copies).map(|i| engine(i as u8 + 1)).collect();
        let doc = engines[0].create_charter("Charte", &markdown::parse(COOP)).expect("create").value;
        for to in 1..copies {
            exchange(&mut engines, &doc, 0, to);
        }
        let mut fresh = 0u8;
        for round in &rounds {
            for (copy, op) in &round.edits {
                fresh = fresh.wrapping_add(1);
                apply(&mut engines[*copy], &doc, op, fresh);
            }
            for (from, to) in &round.exchanges {
                exchange(&mut engines, &doc, *from, *to);
            }
        }
        // Everyone sends to everyone, twice (the second pass is all duplicates).
        for _ in 0..2 {
            for from in 0..copies {
                for to in 0..copies {
                    exchange(&mut engines, &doc, from, to);
                }
            }
        }
        let heads = engines[0].heads(&doc).expect("heads");
        let charter = engines[0].charter(&doc, None).expect("read");
        for engine in &mut engines[1..] {
            prop_assert_eq!(&engine.heads(&doc).expect("heads"), &heads);
            prop_assert_eq!(&engine.charter(&doc, None).expect("read"), &charter);
        }
        // Every copy's store holds what its engine shows.
        for engine in &mut engines {
            engine.flush().expect("flush");
        }
    }
}
