//! No verdict depends on how concurrent records are ordered (issue 12, item 3).

use super::*;

/// A community where, after a shared past, two to four branches act
/// concurrently: two competing changes of the amendment rule adopted,
/// an amendment decided, two members excluding each other, a member
/// leaving, reactions and tensions, each branch ignorant of the others;
/// then, sometimes, a record that merges them.
pub(super) fn concurrent_history(seed: u64, extended: bool) -> World {
    let mut r = Rng(seed);
    let mut w = World::coop();
    w.options = ResolveOptions {
        check_signatures: false,
        ..ResolveOptions::default()
    };
    let (_, am, wording) = w.open_amendment("alice", &["s3"], 10);
    let unanimity = Rule {
        signers: 2,
        ..Rule::new(Method::Unanimity)
    };
    let rule_one = w.ok("alice", change_rule(Act::Amend, unanimity));
    let rule_two = w.ok(
        "chloe",
        change_rule(Act::Amend, Rule::new(Method::Majority)),
    );
    for who in ["alice", "bob", "chloe", "fred", "eve"] {
        for rule in [rule_one, rule_two] {
            if r.chance(85) {
                w.ok(who, react(rule, None, Stance::Consent));
            }
        }
        if who != "alice" && r.chance(80) {
            w.ok(who, react(am, Some(wording), Stance::Consent));
        }
    }
    let now = w.clock;
    let out_bob = w.ok("alice", exclude("bob", now, now + 15 * DAY_MS));
    let out_alice = w.ok("bob", exclude("alice", now, now + 15 * DAY_MS));
    for who in ["alice", "bob", "chloe", "fred", "eve"] {
        for proposal in [out_bob, out_alice] {
            if r.chance(80) {
                w.ok(who, react(proposal, None, Stance::Yes));
            }
        }
    }
    // Three amendments adopted before the fork, waiting for signatures:
    // two change the same section, the third another one; a fourth, open,
    // changes that section too; an applicant admitted, yet to sign.
    let (_, am2, w2) = w.open_amendment("bob", &["s4"], 40);
    let (_, am3, w3) = w.open_amendment("chloe", &["s4"], 50);
    let (_, am4, w4) = w.open_amendment("fred", &["s5"], 60);
    let (_, am5, w5) = w.open_amendment("eve", &["s4"], 70);
    for who in ["alice", "bob", "chloe", "fred", "eve"] {
        for (amendment, wording) in [(am2, w2), (am3, w3), (am4, w4), (am5, w5)] {
            w.ok(who, react(amendment, Some(wording), Stance::Consent));
        }
    }
    // With `extended`: an amendment whose proposer has yet to open the
    // objection round; one in its round, with an objection its proposer
    // integrates; a tension. (Kept apart: without them, a seed builds the
    // history it built before, so the regressions file keeps reproducing
    // what it found.)
    let mut later = Vec::new();
    if extended {
        let c6 = w.ok("bob", challenge("s6"));
        let am6 = w.ok("bob", propose(c6, w.base()));
        let w6 = w.ok("bob", submit(am6, 80, &["s6"], &[], false));
        let (_, am7, w7) = w.open_amendment("chloe", &["s7"], 90);
        for who in ["alice", "bob", "chloe", "fred", "eve"] {
            w.ok(who, react(am6, Some(w6), Stance::Consent));
            w.ok(who, react(am7, Some(w7), Stance::Consent));
        }
        let obj7 = w.ok("fred", objection(am7, Some(w7), "abcd"));
        let w7b = w.ok("chloe", submit(am7, 91, &["s7"], &[obj7], true));
        for who in ["alice", "bob", "chloe", "eve"] {
            w.ok(who, react(am7, Some(w7b), Stance::Consent));
        }
        let heating = w.ok("chloe", tension("the heating"));
        later = vec![
            // A tension moved on concurrently, to the same status or
            // others, and a challenge from it.
            ("alice", tension_update(heating, TensionStatus::Resolved)),
            ("bob", tension_update(heating, TensionStatus::Escalated)),
            ("fred", tension_update(heating, TensionStatus::InProcess)),
            ("eve", tension_update(heating, TensionStatus::Escalated)),
            ("chloe", challenge_from(Some(heating), None)),
            // A rejection, and the proposer promoting the amendment.
            ("eve", decide(am7, Outcome::Rejected, "non")),
            ("chloe", challenge_from(None, Some(am7))),
            // The objection round opened (twice, from two branches),
            // concurrently with a decision and the withdrawal.
            ("bob", round(am6)),
            ("bob", round(am6)),
            ("fred", decide(am6, Outcome::Adopted, "")),
            ("bob", withdraw(am6)),
            // An integrated objection confirmed resolved (twice),
            // withdrawn by a consent or a yes, tested, integrated again,
            // concurrently with the decision.
            ("fred", resolved(am7, w7b, obj7)),
            ("fred", resolved(am7, w7b, obj7)),
            ("fred", react(am7, Some(w7b), Stance::Consent)),
            ("fred", react(am7, Some(w7b), Stance::Yes)),
            ("alice", decide(am7, Outcome::Adopted, "")),
            ("eve", test_objection(obj7, "ab")),
            ("chloe", submit(am7, 92, &["s7"], &[obj7], true)),
        ];
    }
    let application = w.ok("zoe", apply("Zoé", "learners"));
    w.days(16);
    for amendment in [am2, am3, am4] {
        w.ok("fred", decide(amendment, Outcome::Adopted, ""));
    }
    w.ok("bob", decide(application, Outcome::Adopted, ""));
    let founding = w.state().in_force().hash.clone();
    let fork = w.heads();
    let mut acts: Vec<(&str, Payload)> = vec![
        ("fred", decide(rule_one, Outcome::Adopted, "")),
        ("bob", decide(rule_two, Outcome::Adopted, "")),
        ("chloe", decide(am, Outcome::Adopted, "")),
        ("fred", decide(out_bob, Outcome::Adopted, "")),
        ("chloe", decide(out_alice, Outcome::Adopted, "")),
        ("eve", leave()),
        ("eve", objection(am, Some(wording), "abcd")),
        ("alice", react(am, Some(wording), Stance::Consent)),
        ("bob", tension("who decides")),
        ("alice", tension("the schedule")),
        // A second decision on a subject, ignorant of the first.
        ("bob", decide(am, Outcome::Rejected, "pas encore")),
        ("eve", decide(rule_one, Outcome::Rejected, "non")),
        ("alice", decide(out_bob, Outcome::Rejected, "non")),
        ("eve", decide(rule_two, Outcome::Adopted, "")),
        // A withdrawal, concurrent with the decisions.
        ("alice", withdraw(am)),
        // Two shares of one document, each ignorant of the other.
        ("chloe", share(7, Access::Public)),
        ("fred", share(7, Access::Members)),
        // Ratifications: signatures of one amendment (one naming other
        // heads), of two amendments changing one section, of one changing
        // another; a decision on an amendment another version makes stale;
        // an applicant signing the version in force.
        ("alice", ratify(am2, 41)),
        ("bob", ratify(am2, 41)),
        ("chloe", ratify(am2, 42)),
        ("fred", ratify(am3, 51)),
        ("eve", ratify(am3, 51)),
        ("alice", ratify(am4, 61)),
        ("fred", ratify(am4, 61)),
        ("fred", decide(am5, Outcome::Adopted, "")),
        ("eve", react(am5, Some(w5), Stance::Objection)),
        ("zoe", sign_charter(application, &founding)),
        // New wordings, concurrent with the decisions on them.
        ("alice", submit(am, 11, &["s3"], &[], false)),
        ("eve", submit(am5, 72, &["s4"], &[], false)),
    ];
    acts.extend(later);
    r.shuffle(&mut acts);
    acts.truncate(4 + r.below(acts.len() - 3));
    let branches = 2 + r.below(3);
    let mut tips: Vec<Vec<RecordId>> = vec![fork.clone(); branches];
    let mut made = Vec::new();
    for (who, payload) in acts {
        let branch = r.below(branches);
        let record = w.sign_on(who, payload, tips[branch].clone());
        tips[branch] = vec![record.id()];
        // One act twice on the same parents at the same time is one record.
        if !made.iter().any(|m: &Record| m.id() == record.id()) {
            made.push(record);
        }
        if r.chance(20) {
            w.days(1);
        }
    }
    w.records.extend(made);
    if r.chance(50) {
        let all: Vec<RecordId> = {
            let mut all: Vec<RecordId> = tips.into_iter().flatten().collect();
            all.sort();
            all.dedup();
            all
        };
        let merge = w.sign_on("fred", tension("after the meeting"), all);
        let after = vec![merge.id()];
        w.records.push(merge);
        // Signatures once every branch is known: on whichever version is
        // then in force.
        if r.chance(50) {
            w.days(1);
            for (who, payload) in [("alice", ratify(am4, 62)), ("bob", ratify(am4, 62))] {
                let record = w.sign_on(who, payload, after.clone());
                w.records.push(record);
            }
        }
    }
    w
}

/// The case of issue 12: Alice's change of the amendment rule to unanimity
/// is adopted while, concurrently, Bob (who has not seen it) adopts an
/// amendment under consent. Bob's decision is judged on the rules he had
/// seen, whichever of the two the replay places first.
#[test]
fn a_decision_concurrent_with_a_rule_change_is_judged_on_the_rules_its_author_saw() {
    let mut w = World::coop();
    let (_, am, wording) = w.open_amendment("alice", &["s3"], 10);
    // Eve stays silent: consent holds, unanimity would not.
    for who in ["alice", "bob", "chloe", "fred"] {
        w.ok(who, react(am, Some(wording), Stance::Consent));
    }
    let unanimity = change_rule(Act::Amend, Rule::new(Method::Unanimity));
    let rule = w.ok("alice", unanimity);
    for who in ["alice", "bob", "chloe", "fred", "eve"] {
        w.ok(who, react(rule, None, Stance::Consent));
    }
    w.days(16);
    let fork = w.heads();
    let alices = w.sign_on("alice", decide(rule, Outcome::Adopted, ""), fork.clone());
    let bobs = w.sign_on("bob", decide(am, Outcome::Adopted, ""), fork);
    w.records.extend([alices.clone(), bobs.clone()]);
    for state in w.in_both_replay_orders(alices.id(), bobs.id()) {
        assert_eq!(state.verdict(&alices.id()), Some(&Verdict::Accepted));
        assert_eq!(
            state.verdict(&bobs.id()),
            Some(&Verdict::Accepted),
            "Bob decided under the consent rule he had seen"
        );
        assert_eq!(state.amendments[&am].phase, Phase::Adopted);
        assert_eq!(state.rules.amend.method, Method::Unanimity);
    }
}

/// Two members decide one amendment concurrently, one adopting it, the
/// other (a day later, not having seen the first) rejecting it: the older
/// decision stands and the younger is refused, whichever the replay visits
/// first.
#[test]
fn of_two_concurrent_decisions_on_one_subject_the_older_stands() {
    let mut w = World::coop();
    let (_, am, wording) = w.open_amendment("alice", &["s3"], 10);
    for who in ["alice", "bob", "chloe", "fred", "eve"] {
        w.ok(who, react(am, Some(wording), Stance::Consent));
    }
    w.days(8);
    let fork = w.heads();
    let adopts = w.sign_on("chloe", decide(am, Outcome::Adopted, ""), fork.clone());
    w.days(1);
    // Rejecting needs the rule not to be met: under consent with no open
    // objection it is met, so the younger would be refused on its own.
    // A rejection that holds by itself: Bob raises an objection first, on
    // his branch.
    let objects = w.sign_on("bob", objection(am, Some(wording), "abcd"), fork);
    w.records.push(objects.clone());
    let rejects = w.sign_on(
        "bob",
        decide(am, Outcome::Rejected, "pas encore"),
        vec![objects.id()],
    );
    w.records.extend([adopts.clone(), rejects.clone()]);
    for state in w.in_both_replay_orders(adopts.id(), rejects.id()) {
        assert_eq!(state.verdict(&adopts.id()), Some(&Verdict::Accepted));
        match state.verdict(&rejects.id()) {
            Some(Verdict::Rejected(reason)) => assert!(
                reason
                    .to_string()
                    .contains("an older, concurrent act on this amendment stands"),
                "{reason}"
            ),
            other => panic!("the younger decision stands: {other:?}"),
        }
        assert_eq!(state.amendments[&am].phase, Phase::Adopted);
    }
}

/// Two amendments adopted, changing different sections: (A, B).
fn two_adopted(w: &mut World) -> (RecordId, RecordId) {
    let (_, a, a1) = w.open_amendment("alice", &["s3"], 10);
    let (_, b, b1) = w.open_amendment("bob", &["s4"], 20);
    for who in ["alice", "bob", "chloe", "fred", "eve"] {
        w.ok(who, react(a, Some(a1), Stance::Consent));
        w.ok(who, react(b, Some(b1), Stance::Consent));
    }
    w.days(8);
    w.ok("fred", decide(a, Outcome::Adopted, ""));
    w.ok("fred", decide(b, Outcome::Adopted, ""));
    (a, b)
}

/// Issue 12, item 3: two versions ratified concurrently on the version in
/// force. Versions form a chain, each ratified by members who had seen the
/// one before: the older completion makes the version; the younger's
/// signatures stay, on a version no longer in force, and once both are
/// known B is signed again on top of A.
#[test]
fn of_two_versions_ratified_concurrently_the_older_stands() {
    let mut w = World::coop();
    let (a, b) = two_adopted(&mut w);
    let fork = w.heads();
    let a1 = w.sign_on("alice", ratify(a, 11), fork.clone());
    let a2 = w.sign_on("bob", ratify(a, 11), vec![a1.id()]);
    let b1 = w.sign_on("chloe", ratify(b, 21), fork);
    w.days(1);
    let b2 = w.sign_on("fred", ratify(b, 21), vec![b1.id()]);
    w.records.extend([a1, a2.clone(), b1.clone(), b2.clone()]);
    for state in w.in_both_replay_orders(a2.id(), b2.id()) {
        assert_eq!(state.versions.len(), 2, "one version on the founding one");
        let version = state.in_force();
        assert_eq!(version.amendment, Some(a));
        assert_eq!(version.number, 2);
        assert_eq!(version.signers, vec![pk("alice"), pk("bob")]);
        assert_eq!(state.verdict(&b1.id()), Some(&Verdict::Accepted));
        assert_eq!(state.verdict(&b2.id()), Some(&Verdict::Accepted));
        assert_eq!(state.amendments[&b].phase, Phase::Adopted);
        assert_eq!(state.amendments[&b].ratifications, vec![b1.id(), b2.id()]);
        assert!(state.amendments[&b].signatures_in_force.is_empty());
        assert_eq!(state.amendments[&b].rebased_onto, vec![1]);
    }
    // Once both branches are known, B is signed again on version 2: the
    // signatures made on version 1 do not count toward it.
    w.ok("chloe", ratify(b, 22));
    assert_eq!(w.state().versions.len(), 2);
    w.ok("fred", ratify(b, 22));
    let state = w.state();
    assert_eq!(state.versions.len(), 3);
    let version = state.in_force();
    assert_eq!((version.number, version.amendment), (3, Some(b)));
    assert_eq!(version.heads, vec![crate::ids::hash_hex(&h(22))]);
    assert_eq!(version.signers, vec![pk("chloe"), pk("fred")]);
}

/// Three members sign one amendment concurrently (two are needed): one
/// version, with every signature that had not seen it complete, listed and
/// dated the same whatever the replay; a signature made after it is
/// refused.
#[test]
fn concurrent_signatures_of_one_amendment_make_one_version() {
    let mut w = World::coop();
    let (a, _) = two_adopted(&mut w);
    let fork = w.heads();
    let mut signed = Vec::new();
    for who in ["alice", "bob", "chloe"] {
        signed.push(w.sign_on(who, ratify(a, 11), fork.clone()));
        w.days(1);
    }
    w.records.extend(signed.iter().cloned());
    let (first, last) = (signed[0].id(), signed[2].id());
    let states = w.in_both_replay_orders(first, last);
    for state in &states {
        assert_eq!(state.versions.len(), 2);
        let version = state.in_force();
        assert_eq!(
            version.signers,
            vec![pk("alice"), pk("bob"), pk("chloe")],
            "every signature counts, oldest first"
        );
        assert_eq!(version.at, signed[1].timestamp(), "dated by the second");
        assert_eq!(state.amendments[&a].phase, Phase::Merged);
        for record in &signed {
            assert_eq!(state.verdict(&record.id()), Some(&Verdict::Accepted));
        }
    }
    assert_eq!(judged(&states[0]), judged(&states[1]));
    w.no("fred", ratify(a, 11), "this one is merged");
}

/// A signature made before another version was ratified counts toward the
/// version in force its signer saw: once the other version is ratified,
/// signing starts again on it, with new heads, instead of being held to
/// the old ones.
#[test]
fn a_version_ratified_meanwhile_starts_the_signatures_again() {
    let mut w = World::coop();
    let (a, b) = two_adopted(&mut w);
    let early = w.ok("bob", ratify(b, 21));
    assert_eq!(w.amendment(&b).signatures_in_force, vec![early]);
    w.ok("alice", ratify(a, 11));
    w.ok("chloe", ratify(a, 11));
    assert_eq!(w.state().versions.len(), 2);
    assert!(w.amendment(&b).signatures_in_force.is_empty());
    assert_eq!(w.amendment(&b).ratifications, vec![early]);
    // Bob's signature named heads built on version 1: it does not complete
    // B on version 2, and other heads are no longer held against it.
    let again = w.ok("chloe", ratify(b, 22));
    assert_eq!(w.state().versions.len(), 2);
    assert_eq!(w.amendment(&b).signatures_in_force, vec![again]);
    w.no("chloe", ratify(b, 22), "this member already signed");
    w.ok("bob", ratify(b, 22));
    let state = w.state();
    let version = state.in_force();
    assert_eq!((version.number, version.amendment), (3, Some(b)));
    assert!(!version.ratified_by.contains(&early));
    assert_eq!(version.heads, vec![crate::ids::hash_hex(&h(22))]);
}

/// What must not depend on the tie-break: the whole state (every verdict,
/// members, rules, proposals, amendments, versions, in the same order).
fn judged(state: &State) -> serde_json::Value {
    serde_json::to_value(state).expect("json")
}

/// Where two JSON values differ (paths), for a readable failure.
fn differences(a: &serde_json::Value, b: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let none = Value::Null;
                differences(
                    x.get(key).unwrap_or(&none),
                    y.get(key).unwrap_or(&none),
                    &format!("{path}.{key}"),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differences(p, q, &format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(format!("{path}: {a} / {b}")),
        _ => {}
    }
}

/// The state and the `verify` report of `w`'s records are the same under
/// the canonical tie-break and under `salt`.
fn same_under_both_tie_breaks(
    w: &World,
    salt: [u8; 32],
) -> Result<(), proptest::test_runner::TestCaseError> {
    let canonical = resolve(w.community, &w.records, w.options).expect("resolve");
    let salted = resolve(
        w.community,
        &w.records,
        ResolveOptions {
            tie_break_salt: salt,
            ..w.options
        },
    )
    .expect("resolve");
    let mut differ = Vec::new();
    differences(&judged(&canonical), &judged(&salted), "state", &mut differ);
    differ.truncate(12);
    proptest::prop_assert!(
        differ.is_empty(),
        "canonical / salted:\n{}",
        differ.join("\n")
    );
    // What `nous verify` says of the records: the same report.
    let bundle = crate::Bundle {
        documents: Vec::new(),
        records: w.records.iter().map(|r| r.bytes().to_vec()).collect(),
    }
    .encode();
    let report = |options| {
        crate::verify::verify_with(&bundle, options)
            .expect("verify")
            .hash()
    };
    proptest::prop_assert_eq!(
        report(w.options),
        report(ResolveOptions {
            tie_break_salt: salt,
            ..w.options
        })
    );
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        crate::engine::tests::case_count(48)
    ))]

    /// Issue 12, item 3: concurrent rule changes, decisions, removals and
    /// reactions resolved with the canonical tie-break and with a salted
    /// one give the same verdicts and the same state.
    #[test]
    fn no_verdict_depends_on_how_concurrent_records_are_ordered(
        seed in proptest::prelude::any::<u64>(),
        salt in proptest::prelude::any::<[u8; 32]>(),
    ) {
        same_under_both_tie_breaks(&concurrent_history(seed, false), salt)?;
    }

    /// The same with objection rounds opened, objections integrated,
    /// confirmed, withdrawn and tested, tensions moved on, an escalated
    /// tension and a rejected amendment made challenges, concurrently with
    /// the decisions.
    #[test]
    fn no_verdict_on_rounds_objections_or_tensions_depends_on_the_order(
        seed in proptest::prelude::any::<u64>(),
        salt in proptest::prelude::any::<[u8; 32]>(),
    ) {
        same_under_both_tie_breaks(&concurrent_history(seed, true), salt)?;
    }
}
