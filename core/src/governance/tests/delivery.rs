//! Delivery order: a property test.

use super::*;

/// A history of the cooperative with random choices: who reacts how,
/// whether objections are tested, integrated and confirmed, whether the
/// amendment is adopted and ratified, whether Dana gets in, what becomes of
/// a tension, and whether Eve — who writes a few records offline on what she
/// saw mid-way — is then excluded, leaves or stays. Bob may act from a
/// second device, which may be revoked while it writes offline too. Every
/// act but the offline ones is kept only if it holds, as the engine does.
pub(super) fn history(seed: u64) -> World {
    let mut r = Rng(seed);
    let mut w = World::coop();
    w.options = ResolveOptions {
        check_signatures: false,
        ..ResolveOptions::default()
    };
    let bob = if r.chance(50) {
        w.ok("bob", certify("bob-phone"));
        "bob-phone"
    } else {
        "bob"
    };
    let challenge = w.ok("alice", challenge("s3"));
    let am = w.ok("alice", propose(challenge, w.base()));
    let mut current = w.ok("alice", submit(am, 10, &["s3"], &[], false));
    for who in [bob, "chloe", "eve", "fred"] {
        let stance = [Stance::Question, Stance::Concern, Stance::Consent][r.below(3)];
        if r.chance(60) {
            w.attempt(who, react(am, Some(current), stance));
        }
    }
    if r.chance(50) {
        current = w.ok("alice", submit(am, 11, &["s3"], &[], false));
    }
    w.ok("alice", round(am));
    let eve_saw = w.heads();
    let eve_current = current;
    let mut objections = Vec::new();
    for who in [bob, "chloe", "eve"] {
        match r.below(3) {
            0 => {
                w.attempt(who, react(am, Some(current), Stance::Consent));
            }
            1 => {
                if let Some(id) = w.attempt(who, objection(am, Some(current), "abcd")) {
                    objections.push((who, id));
                }
            }
            _ => {
                w.attempt(who, react(am, Some(current), Stance::Abstain));
            }
        }
    }
    for (_, objection) in &objections {
        if r.chance(50) {
            let passed = if r.chance(50) { "abcd" } else { "acd" };
            w.attempt("fred", test_objection(*objection, passed));
        }
    }
    if !objections.is_empty() && r.chance(70) {
        let integrates: Vec<RecordId> = objections.iter().map(|(_, o)| *o).collect();
        if let Some(id) = w.attempt("alice", submit(am, 12, &["s3"], &integrates, true)) {
            current = id;
            for (who, objection) in &objections {
                if r.chance(70) {
                    w.attempt(who, resolved(am, current, *objection));
                }
            }
        }
    }
    if w.attempt("fred", decide(am, Outcome::Adopted, ""))
        .is_some()
    {
        w.attempt("alice", ratify(am, 20));
        if r.chance(70) {
            w.attempt(bob, ratify(am, 20));
        }
    } else {
        w.attempt("fred", decide(am, Outcome::Rejected, "objections stand"));
    }

    let application = w.ok("dana", apply("Dana", "learners"));
    if r.chance(50) {
        w.attempt("dana", react(application, None, Stance::Question));
    }
    if r.chance(30) {
        w.attempt("chloe", objection(application, None, "e"));
    }
    w.days(7);
    if w.attempt("bob", decide(application, Outcome::Adopted, ""))
        .is_some()
    {
        if r.chance(80) {
            let version = w.state().in_force().hash.clone();
            w.attempt("dana", sign_charter(application, &version));
        }
    } else {
        w.attempt("bob", decide(application, Outcome::Rejected, "not now"));
    }

    let t = w.ok("chloe", tension("the schedule"));
    if r.chance(60) {
        w.attempt("fred", tension_update(t, TensionStatus::InProcess));
        if r.chance(60) {
            w.attempt("fred", tension_update(t, TensionStatus::Escalated));
            w.attempt("chloe", challenge_from(Some(t), None));
        }
    }

    // A few more tensions, so that every history has 20 records or more.
    let target = 20 + r.below(10);
    while w.records.len() < target {
        let who = ["alice", "chloe", "fred"][r.below(3)];
        let summary = format!("tension {}", w.records.len());
        w.ok(who, tension(&summary));
    }

    // Eve's offline records: a reaction to the wording she saw, then a
    // document shared and tensions, each on the one before.
    let mut offline = Vec::new();
    let stance = [Stance::Consent, Stance::Objection, Stance::Concern][r.below(3)];
    let first = if stance == Stance::Objection {
        objection(am, Some(eve_current), "abcd")
    } else {
        react(am, Some(eve_current), stance)
    };
    let mut record = w.sign_on("eve", first, eve_saw);
    for k in 0..=r.below(3) {
        let act = if k == 0 {
            share(30, Access::Public)
        } else {
            tension(&format!("offline {k}"))
        };
        let next = w.sign_on("eve", act, vec![record.id()]);
        offline.push(record);
        record = next;
    }
    offline.push(record);
    match r.below(3) {
        0 => {
            let now = w.clock;
            if let Some(proposal) = w.attempt("alice", exclude("eve", now, now + 15 * DAY_MS)) {
                for who in ["alice", "chloe", "fred", bob] {
                    if r.chance(80) {
                        w.attempt(who, react(proposal, None, Stance::Yes));
                    }
                }
                w.days(15);
                w.attempt("fred", decide(proposal, Outcome::Adopted, ""));
            }
        }
        1 => {
            w.attempt("eve", leave());
        }
        _ => {}
    }
    for record in &offline {
        w.push(record);
    }
    if bob == "bob-phone" && r.chance(50) {
        let saw = w.heads();
        w.attempt("bob", revoke("bob-phone"));
        let late = w.sign_on("bob-phone", tension("late"), saw);
        w.push(&late);
    }
    w
}

/// Reasons that are about who may act.
fn about_authority(reason: &str) -> bool {
    [
        "not a member's certified device",
        "had left",
        "was excluded",
        "is suspended",
        "no longer a member",
        "concurrent with the removal",
    ]
    .iter()
    .any(|needle| reason.to_string().contains(needle))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// The same records delivered to 3–5 homes, each in its own order with
    /// duplicates, in two batches: every home ends with the same state and
    /// verdicts, byte for byte; no partial view panics.
    ///
    /// What a partial view may say differs from the full one, and not only
    /// for records still waiting for a parent: a record concurrent with its
    /// author's removal holds in a view that lacks the removal, and is
    /// rejected once the removal arrives (a relay that withholds the removal
    /// delays the rejection; it cannot prevent it). So the property checked
    /// is the weaker true one: when a partial view accepts a record that the
    /// full view rejects for a reason of authority, the reason is a
    /// concurrent removal, and that removal does not hold in the partial view.
    #[test]
    fn every_home_reaches_the_same_state_and_report_whatever_the_delivery(
        seed in proptest::prelude::any::<u64>(),
        delivery in proptest::prelude::any::<u64>(),
        homes in 3usize..=5,
    ) {
        let w = history(seed);
        proptest::prop_assert!((20..=60).contains(&w.records.len()), "{} records", w.records.len());
        let reference = resolve(w.community, &w.records, ResolveOptions::default())
            .expect("resolve");
        let expected = serde_json::to_vec(&reference).expect("json");
        // What `nous verify` says of a home's records, exported in the order
        // that home stored them.
        let report_hash = |stream: &[Record]| {
            let mut seen = std::collections::HashSet::new();
            let records = stream
                .iter()
                .filter(|r| seen.insert(r.id()))
                .map(|r| r.bytes().to_vec())
                .collect();
            let bundle = crate::Bundle { documents: Vec::new(), records }.encode();
            crate::verify::verify(&bundle).expect("verify").hash()
        };
        let expected_hash = report_hash(&w.records);
        let mut r = Rng(delivery);
        for _ in 0..homes {
            let mut stream = w.records.clone();
            for _ in 0..r.below(stream.len() / 3 + 1) {
                let again = stream[r.below(stream.len())].clone();
                stream.push(again);
            }
            r.shuffle(&mut stream);
            let first = r.below(stream.len() + 1);
            match resolve(w.community, &stream[..first], ResolveOptions::default()) {
                Err(ResolveError::NoGenesis(_)) => proptest::prop_assert!(
                    !stream[..first].iter().any(|x| x.id() == w.community)
                ),
                Err(other) => proptest::prop_assert!(false, "partial view: {other}"),
                Ok(partial) => {
                    for outcome in &partial.records {
                        if outcome.verdict != Verdict::Accepted {
                            continue;
                        }
                        let Some(Verdict::Rejected(reason)) = reference.verdict(&outcome.id) else {
                            continue;
                        };
                        let reason = reason.to_string();
                        if !about_authority(&reason) {
                            continue;
                        }
                        proptest::prop_assert!(
                            reason.to_string().contains("concurrent with the removal"),
                            "partial view accepts {:?} that the full view rejects: {reason}",
                            outcome.kind
                        );
                        let removal = reason
                            .rsplit("record ")
                            .next()
                            .unwrap_or_default()
                            .trim_end_matches(')');
                        proptest::prop_assert!(
                            !partial.records.iter().any(|o| o.id.short() == removal
                                && o.verdict == Verdict::Accepted),
                            "the removal {removal} holds in the partial view too"
                        );
                    }
                }
            }
            let full = resolve(w.community, &stream, ResolveOptions::default()).expect("resolve");
            let verdicts = |s: &State| s.records.iter().map(|o| (o.id, o.verdict.clone())).collect::<Vec<_>>();
            proptest::prop_assert_eq!(verdicts(&full), verdicts(&reference));
            proptest::prop_assert_eq!(serde_json::to_vec(&full).expect("json"), expected.clone());
            proptest::prop_assert_eq!(report_hash(&stream), expected_hash.clone());
        }
    }
}
