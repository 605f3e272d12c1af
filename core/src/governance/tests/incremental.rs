//! Judging one more record from the last fold (`Folded::extend`) gives
//! exactly what folding everything again gives.

use proptest::prelude::{any, prop_assert, prop_assert_eq};
use proptest::test_runner::TestCaseError;

use super::concurrency::concurrent_history;
use super::delivery::history;
use super::participation::participation_history;
use super::*;
use crate::governance::fold;

/// Replay `w`'s records one by one in the canonical order; whenever the
/// last fold can judge the next record by itself, its state must be the
/// one a full fold gives, byte for byte. Returns (records judged that way,
/// records replayed).
fn replay(w: &World, options: ResolveOptions) -> Result<(usize, usize), TestCaseError> {
    let full = resolve(w.community, &w.records, options).expect("resolve");
    let by_id: std::collections::HashMap<RecordId, &Record> =
        w.records.iter().map(|r| (r.id(), r)).collect();
    let order: Vec<Record> = full
        .records
        .iter()
        .filter_map(|o| by_id.get(&o.id).map(|r| (*r).clone()))
        .collect();
    let mut folded = fold(w.community, &order[..1], options).expect("genesis");
    let mut extended = 0;
    for k in 1..order.len() {
        folded = match folded.extend(&order[k], options.check_signatures) {
            Some(next) => {
                extended += 1;
                let expected = resolve(w.community, &order[..=k], options).expect("resolve");
                prop_assert_eq!(
                    serde_json::to_string(&next.state()).expect("json"),
                    serde_json::to_string(&expected).expect("json"),
                    "record {} ({}) judged alone",
                    k,
                    order[k].kind().name()
                );
                next
            }
            None => fold(w.community, &order[..=k], options).expect("fold"),
        };
    }
    // What is left at the end is the full state (left-out records too).
    prop_assert_eq!(
        serde_json::to_string(&folded.state()).expect("json"),
        serde_json::to_string(&full).expect("json")
    );
    Ok((extended, order.len() - 1))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        if cfg!(debug_assertions) { 24 } else { 200 }
    ))]

    /// The cooperative's random histories (amendment rounds, objections,
    /// ratification, an application, a tension, an offline member excluded
    /// or leaving, a device revoked while it writes).
    #[test]
    fn one_more_record_is_judged_as_folding_everything_judges_it(
        seed in any::<u64>(),
        signatures in any::<bool>(),
    ) {
        let w = history(seed);
        let options = ResolveOptions { check_signatures: signatures, ..w.options };
        let (extended, replayed) = replay(&w, options)?;
        // Up to Eve's offline records, each record builds on the one
        // before (after them, the replay's order interleaves her branch).
        prop_assert!(extended * 4 >= replayed, "{extended} of {replayed}");
    }

    /// Histories with concurrent decisions, ratifications and removals:
    /// whatever the last fold judges by itself, it judges exactly.
    #[test]
    fn concurrent_histories_are_judged_exactly_or_folded_again(
        seed in any::<u64>(),
        extended in any::<bool>(),
    ) {
        let w = concurrent_history(seed, extended);
        replay(&w, w.options)?;
    }

    /// A public participation with concurrent answers, moderation,
    /// withdrawals and a closing: the same.
    #[test]
    fn participation_records_are_judged_exactly_or_folded_again(seed in any::<u64>()) {
        let (w, _) = participation_history(seed);
        let (extended, _) = replay(&w, w.options)?;
        prop_assert!(extended > 0, "some records judged alone");
    }
}

/// A record that does not build on every head, a duplicate, and a record
/// of another community are not judged alone.
#[test]
fn what_the_last_fold_cannot_judge_alone_it_declines() {
    let mut w = World::coop();
    let first = w.ok("alice", tension("one"));
    let folded = fold(w.community, &w.records, w.options).expect("fold");
    let again = w.records.last().expect("a record").clone();
    assert_eq!(again.id(), first);
    assert!(folded.extend(&again, true).is_none(), "a duplicate");
    // Built on the genesis only, beside the tension.
    let aside = w.sign_on("bob", tension("two"), vec![w.community]);
    assert!(folded.extend(&aside, true).is_none(), "not on every head");
    let other = World::new(COOP, coop_rules(), &[]);
    assert_ne!(other.community, w.community);
    let stranger = other.sign_on("alice", tension("three"), other.heads());
    assert!(
        folded.extend(&stranger, true).is_none(),
        "another community"
    );
    let next = w.sign_on("bob", tension("four"), w.heads());
    let judged = folded.extend(&next, true).expect("on every head");
    assert_eq!(judged.state().verdict(&next.id()), Some(&Verdict::Accepted));
}

/// A record dated before a record it builds on (a device whose clock is
/// behind) is rejected but placed by its date, before its ancestor; one
/// more on top, dated between the two, is placed between them. The kept
/// fold inserts each where a full fold sorts it, not at the end.
#[test]
fn a_record_dated_before_its_ancestors_is_placed_where_a_full_fold_places_it() {
    let mut w = World::coop();
    w.days(10);
    let ahead = w.ok("alice", tension("a clock ahead"));
    let at = w.records.last().expect("alice's").timestamp();
    let folded = fold(w.community, &w.records, w.options).expect("fold");
    let behind = w.sign_at(
        "bob",
        tension("a clock behind"),
        vec![ahead],
        at - 2 * DAY_MS,
    );
    let folded = folded.extend(&behind, true).expect("on every head");
    let between = w.sign_at("chloe", tension("between"), vec![behind.id()], at - DAY_MS);
    let folded = folded.extend(&between, true).expect("on every head");
    w.records.extend([behind.clone(), between.clone()]);
    let state = folded.state();
    assert!(matches!(
        state.verdict(&behind.id()),
        Some(Verdict::Rejected(_))
    ));
    assert_eq!(state.verdict(&between.id()), Some(&Verdict::Accepted));
    let placed: Vec<RecordId> = state.records.iter().map(|o| o.id).collect();
    let place = |id: RecordId| placed.iter().position(|p| *p == id);
    assert!(place(behind.id()) < place(between.id()));
    assert!(place(between.id()) < place(ahead), "{placed:?}");
    assert_eq!(
        serde_json::to_string(&state).expect("json"),
        serde_json::to_string(&w.state()).expect("json")
    );
}
