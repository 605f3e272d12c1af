//! Closing a challenge: withdrawn by its author, declined with a reason by a
//! facilitator (or, without facilitators, by another member); closed once;
//! no longer open business; the same whatever the delivery order.

use super::*;
use crate::record::{ChallengeClose, ChallengeOutcome};

fn close(challenge: RecordId, outcome: ChallengeOutcome, reason: &str) -> Payload {
    Payload::ChallengeClose(ChallengeClose {
        challenge,
        outcome,
        reason: reason.into(),
    })
}

fn withdrawn(challenge: RecordId) -> Payload {
    close(challenge, ChallengeOutcome::Withdrawn, "")
}

fn declined(challenge: RecordId, reason: &str) -> Payload {
    close(challenge, ChallengeOutcome::Declined, reason)
}

fn is_open(w: &World, challenge: &RecordId) -> bool {
    let state = w.state();
    state.challenge_is_open(&state.challenges[challenge])
}

#[test]
fn the_challenger_withdraws_and_nobody_else_does() {
    let mut w = World::coop();
    let c = w.ok("alice", challenge("s3"));
    assert!(is_open(&w, &c));
    w.no("bob", withdrawn(c), "only its author withdraws");
    w.no("fred", withdrawn(c), "only its author withdraws");
    w.no("mallory", withdrawn(c), "not a member's certified device");
    // From a certified device of hers, Alice withdraws it.
    w.ok("alice", certify("alice-laptop"));
    let closing = w.ok("alice-laptop", withdrawn(c));
    let state = w.state();
    let closed = state.challenges[&c].closed.clone().expect("closed");
    assert_eq!(
        (closed.record, closed.by, closed.outcome),
        (closing, pk("alice"), ChallengeOutcome::Withdrawn)
    );
    assert!(!state.challenge_is_open(&state.challenges[&c]));
    // Closed once; and a closed challenge is answered by no new amendment.
    w.no("alice", withdrawn(c), "already closed");
    w.no("fred", declined(c, "out of scope"), "already closed");
    w.no("alice", propose(c, w.base()), "answers a closed challenge");
    // Other records are not challenges.
    let t = w.ok("chloe", tension("the schedule"));
    w.no("chloe", withdrawn(t), "not a challenge");
}

#[test]
fn declining_is_for_a_facilitator_with_a_reason() {
    let mut w = World::coop();
    let c = w.ok("bob", challenge("s5"));
    // Fred is the only facilitator: Alice may not decline, nor Bob his own.
    w.no("alice", declined(c, "out of scope"), "only a facilitator");
    w.no("bob", declined(c, "out of scope"), "only a facilitator");
    w.no("fred", declined(c, "  "), "needs a reason");
    w.ok("fred", declined(c, "the section was removed last year"));
    let state = w.state();
    let closed = state.challenges[&c].closed.clone().expect("closed");
    assert_eq!(closed.outcome, ChallengeOutcome::Declined);
    assert_eq!(closed.by, pk("fred"));
    assert_eq!(closed.reason, "the section was removed last year");
    assert!(!state.challenge_is_open(&state.challenges[&c]));

    // Without facilitators, any member but the challenger declines.
    let mut w = World::new(COOP, coop_rules(), &[]);
    let c = w.ok("bob", challenge("s5"));
    w.no("bob", declined(c, "I changed my mind"), "own case");
    w.ok("chloe", declined(c, "already settled in s6"));
    assert!(!is_open(&w, &c));
}

#[test]
fn a_challenge_answered_by_a_ratified_amendment_is_closed_already() {
    let mut w = World::coop();
    let (c, am, _) = w.open_amendment("alice", &["s3"], 10);
    assert!(is_open(&w, &c), "an amendment under way leaves it open");
    w.ok("fred", decide(am, Outcome::Adopted, ""));
    w.ok("alice", ratify(am, 20));
    w.ok("bob", ratify(am, 20));
    let state = w.state();
    assert!(state.challenge_answered(&state.challenges[&c]));
    assert!(!state.challenge_is_open(&state.challenges[&c]));
    assert_eq!(state.challenges[&c].closed, None);
    w.no("alice", withdrawn(c), "answered by a ratified amendment");
    // An amendment still in draft does not stop the challenger withdrawing.
    let c2 = w.ok("chloe", challenge("s4"));
    w.ok("chloe", propose(c2, w.base()));
    w.ok("chloe", withdrawn(c2));
    assert!(!is_open(&w, &c2));
}

#[test]
fn of_two_concurrent_closes_the_older_stands_in_both_replay_orders() {
    let mut w = World::coop();
    let c = w.ok("alice", challenge("s3"));
    let fork = w.heads();
    let alices = w.sign_on("alice", withdrawn(c), fork.clone());
    w.days(1);
    let freds = w.sign_on("fred", declined(c, "out of scope"), fork);
    w.push(&alices);
    w.push(&freds);
    for state in w.in_both_replay_orders(alices.id(), freds.id()) {
        assert_eq!(state.verdict(&alices.id()), Some(&Verdict::Accepted));
        assert!(
            matches!(state.verdict(&freds.id()), Some(Verdict::Rejected(_))),
            "{:?}",
            state.verdict(&freds.id())
        );
        let closed = state.challenges[&c].closed.clone().expect("closed");
        assert_eq!(closed.record, alices.id());
        assert_eq!(closed.outcome, ChallengeOutcome::Withdrawn);
    }
}

#[test]
fn a_concurrent_amendment_still_holds_and_a_later_one_does_not() {
    let mut w = World::coop();
    let c = w.ok("alice", challenge("s3"));
    let fork = w.heads();
    let base = w.base();
    let proposal = w.sign_on("bob", propose(c, base.clone()), fork.clone());
    let closing = w.sign_on("alice", withdrawn(c), fork);
    w.push(&proposal);
    w.push(&closing);
    for state in w.in_both_replay_orders(proposal.id(), closing.id()) {
        assert_eq!(state.verdict(&proposal.id()), Some(&Verdict::Accepted));
        assert_eq!(state.verdict(&closing.id()), Some(&Verdict::Accepted));
        assert!(!state.challenge_is_open(&state.challenges[&c]));
    }
    w.no("chloe", propose(c, base), "answers a closed challenge");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Challenges, closes on concurrent branches (some refused), delivered
    /// in any order with duplicates: every home resolves the same state.
    #[test]
    fn closes_resolve_the_same_in_any_delivery_order(
        seed in proptest::prelude::any::<u64>(),
        delivery in proptest::prelude::any::<u64>(),
    ) {
        let mut r = Rng(seed);
        let mut w = World::coop();
        w.options = ResolveOptions { check_signatures: false, ..ResolveOptions::default() };
        let authors = ["alice", "bob", "chloe", "eve"];
        let mut challenges = Vec::new();
        for k in 0..3 {
            let who = authors[r.below(authors.len())];
            challenges.push((who, w.ok(who, challenge(&format!("s{k}")))));
        }
        let fork = w.heads();
        for (who, c) in &challenges {
            for _ in 0..=r.below(3) {
                w.days(r.below(2) as u64);
                let (closer, payload) = match r.below(3) {
                    0 => (*who, withdrawn(*c)),
                    1 => ("fred", declined(*c, "out of scope")),
                    _ => (authors[r.below(authors.len())], withdrawn(*c)),
                };
                let parents = if r.chance(50) { fork.clone() } else { w.heads() };
                let record = w.sign_on(closer, payload, parents);
                w.records.push(record);
            }
        }
        let reference = w.state();
        let expected = serde_json::to_vec(&reference).expect("json");
        for (_, c) in &challenges {
            let closed = reference.challenges[c].closed.as_ref();
            let accepted = reference.records.iter().filter(|o| {
                o.verdict == Verdict::Accepted
                    && matches!(w.records.iter().find(|x| x.id() == o.id).map(Record::payload),
                        Some(Payload::ChallengeClose(cl)) if cl.challenge == *c)
            }).count();
            proptest::prop_assert_eq!(accepted, usize::from(closed.is_some()), "one close holds");
        }
        let mut d = Rng(delivery);
        for _ in 0..3 {
            let mut stream = w.records.clone();
            for _ in 0..d.below(stream.len() / 3 + 1) {
                let again = stream[d.below(stream.len())].clone();
                stream.push(again);
            }
            d.shuffle(&mut stream);
            let full = resolve(w.community, &stream, w.options).expect("resolve");
            proptest::prop_assert_eq!(serde_json::to_vec(&full).expect("json"), expected.clone());
        }
    }
}
