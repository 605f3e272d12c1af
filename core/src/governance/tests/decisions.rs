//! Decisions: what they adopt, and when they are final.

use super::*;

/// Once adopted, the wording is the one ratified: no new wording, and no
/// later decision undoes the adoption (even when the electorate shrank).
#[test]
fn an_adopted_amendment_is_final_until_ratified() {
    let mut rules = coop_rules();
    rules.amend.quorum = 50;
    let mut w = World::new(COOP, rules, &["fred"]);
    let (_, am, w1) = w.open_amendment("alice", &["s1"], 10);
    for who in ["bob", "chloe", "eve"] {
        w.ok(who, react(am, Some(w1), Stance::Consent));
    }
    w.ok("fred", decide(am, Outcome::Adopted, ""));
    w.no(
        "alice",
        submit(am, 11, &["s1", "s2"], &[], false),
        "the amendment is adopted",
    );
    w.no(
        "bob",
        objection(am, Some(w1), "abcd"),
        "the amendment is adopted",
    );
    // Two who consented leave: the quorum would no longer be met.
    w.ok("bob", leave());
    w.ok("chloe", leave());
    w.no(
        "fred",
        decide(am, Outcome::Rejected, "too few of us now"),
        "adopted",
    );
    w.no("bob", tension("I am back"), "had left");
    w.ok("alice", ratify(am, 20));
    w.ok("fred", ratify(am, 20));
    assert_eq!(w.phase(&am), Phase::Merged);
}

/// A decision adopts the wording it builds on: a new wording made
/// concurrently (whatever the order the two are folded in) is not adopted
/// in its place.
#[test]
fn a_decision_adopts_only_the_wording_it_saw() {
    let mut base = World::coop();
    let (_, am, w1) = base.open_amendment("alice", &["s1"], 10);
    base.ok("bob", react(am, Some(w1), Stance::Consent));
    let parents = base.heads();
    let decision = base.sign_on("fred", decide(am, Outcome::Adopted, ""), parents.clone());
    let mut orders = BTreeSet::new();
    for wording in 11..=255u8 {
        let resubmit = base.sign_on(
            "alice",
            submit(am, wording, &["s1"], &[], false),
            parents.clone(),
        );
        // Same parents: the two are folded by id.
        if !orders.insert(resubmit.id() < decision.id()) {
            continue;
        }
        let mut w = World {
            community: base.community,
            records: base.records.clone(),
            clock: base.clock,
            options: base.options,
        };
        w.push(&decision);
        w.push(&resubmit);
        let a = w.amendment(&am);
        let current = a.submissions.last().map(|s| s.record);
        if a.phase == Phase::Adopted {
            assert_eq!(
                current,
                Some(w1),
                "adopted, but the wording under decision is one the decision never saw"
            );
        } else {
            assert_eq!(current, Some(resubmit.id()));
            assert!(matches!(w.verdict(&decision.id()), Verdict::Rejected(_)));
        }
        if orders.len() == 2 {
            return;
        }
    }
    panic!("could not make both orders");
}

/// A decision and a new wording its author had not seen: the older of the
/// two stands, whichever the replay visits first. A wording concurrent with
/// the withdrawal is kept as said, and the amendment stays withdrawn.
#[test]
fn of_a_decision_and_a_concurrent_wording_the_older_stands() {
    for wording_first in [true, false] {
        let mut w = World::coop();
        let (_, am, w1) = w.open_amendment("alice", &["s3"], 10);
        for who in ["alice", "bob", "chloe", "fred", "eve"] {
            w.ok(who, react(am, Some(w1), Stance::Consent));
        }
        w.days(8);
        let fork = w.heads();
        let (resubmit, decision) = if wording_first {
            let resubmit = w.sign_on("alice", submit(am, 11, &["s3"], &[], false), fork.clone());
            w.days(1);
            let decision = w.sign_on("fred", decide(am, Outcome::Adopted, ""), fork);
            (resubmit, decision)
        } else {
            let decision = w.sign_on("fred", decide(am, Outcome::Adopted, ""), fork.clone());
            w.days(1);
            let resubmit = w.sign_on("alice", submit(am, 11, &["s3"], &[], false), fork);
            (resubmit, decision)
        };
        w.records.extend([resubmit.clone(), decision.clone()]);
        for state in w.in_both_replay_orders(resubmit.id(), decision.id()) {
            let amendment = &state.amendments[&am];
            let current = amendment.submissions.last().map(|s| s.record);
            if wording_first {
                assert_eq!(state.verdict(&resubmit.id()), Some(&Verdict::Accepted));
                match state.verdict(&decision.id()) {
                    Some(Verdict::Rejected(reason)) => assert!(
                        reason
                            .to_string()
                            .contains("an older, concurrent act on this amendment stands"),
                        "{reason}"
                    ),
                    other => panic!("a decision on a wording it never saw stands: {other:?}"),
                }
                assert_eq!(current, Some(resubmit.id()));
                assert_ne!(amendment.phase, Phase::Adopted);
            } else {
                assert_eq!(state.verdict(&decision.id()), Some(&Verdict::Accepted));
                assert!(
                    matches!(state.verdict(&resubmit.id()), Some(Verdict::Rejected(_))),
                    "a wording made after the adoption it had not seen stands"
                );
                assert_eq!(current, Some(w1), "the adopted wording is the one decided");
                assert_eq!(amendment.phase, Phase::Adopted);
            }
        }
    }

    // Withdrawn on one branch, reworded on the other.
    let mut w = World::coop();
    let (_, am, _) = w.open_amendment("alice", &["s3"], 10);
    let fork = w.heads();
    let withdrawal = w.sign_on("alice", withdraw(am), fork.clone());
    w.days(1);
    let resubmit = w.sign_on("alice", submit(am, 12, &["s3"], &[], false), fork);
    w.records.extend([withdrawal.clone(), resubmit.clone()]);
    for state in w.in_both_replay_orders(withdrawal.id(), resubmit.id()) {
        assert_eq!(state.verdict(&withdrawal.id()), Some(&Verdict::Accepted));
        assert_eq!(state.verdict(&resubmit.id()), Some(&Verdict::Accepted));
        assert_eq!(state.amendments[&am].phase, Phase::Withdrawn);
    }
}

/// The proposer opens the objection round while, concurrently, a member
/// who had not seen it adopts the amendment: the round holds, the decision
/// does not (its author saw the amendment in its reactions), whichever the
/// replay visits first. A withdrawal concurrent with the round holds too,
/// and the round does not reopen the amendment.
#[test]
fn a_decision_that_had_not_seen_the_round_opened_does_not_adopt() {
    let mut w = World::coop();
    let question = w.ok("bob", challenge("s6"));
    let am = w.ok("bob", propose(question, w.base()));
    let wording = w.ok("bob", submit(am, 80, &["s6"], &[], false));
    for who in ["alice", "bob", "chloe", "fred", "eve"] {
        w.ok(who, react(am, Some(wording), Stance::Consent));
    }
    w.days(8);
    let fork = w.heads();
    let opens = w.sign_on("bob", round(am), fork.clone());
    let decides = w.sign_on("fred", decide(am, Outcome::Adopted, ""), fork.clone());
    w.records.extend([opens.clone(), decides.clone()]);
    for state in w.in_both_replay_orders(opens.id(), decides.id()) {
        assert_eq!(state.verdict(&opens.id()), Some(&Verdict::Accepted));
        match state.verdict(&decides.id()) {
            Some(Verdict::Rejected(reason)) => {
                assert_eq!(
                    reason.to_string(),
                    "cannot adopt: the amendment is reactions"
                )
            }
            other => panic!("a decision that never saw the round adopts: {other:?}"),
        }
        let amendment = &state.amendments[&am];
        assert_eq!(amendment.phase, Phase::ObjectionRound);
        assert_eq!(amendment.round, Some(opens.id()));
    }
    // Once the round is known, the amendment is adopted.
    w.ok("fred", decide(am, Outcome::Adopted, ""));
    assert_eq!(w.state().amendments[&am].phase, Phase::Adopted);

    // Withdrawn from one device, its round opened from another.
    let mut w = World::coop();
    let question = w.ok("bob", challenge("s6"));
    let am = w.ok("bob", propose(question, w.base()));
    w.ok("bob", submit(am, 80, &["s6"], &[], false));
    let fork = w.heads();
    let withdrawal = w.sign_on("bob", withdraw(am), fork.clone());
    let opens = w.sign_on("bob", round(am), fork);
    w.records.extend([withdrawal.clone(), opens.clone()]);
    for state in w.in_both_replay_orders(withdrawal.id(), opens.id()) {
        assert_eq!(state.verdict(&withdrawal.id()), Some(&Verdict::Accepted));
        assert_eq!(state.verdict(&opens.id()), Some(&Verdict::Accepted));
        assert_eq!(state.amendments[&am].phase, Phase::Withdrawn);
    }
}

/// An objector consents on one device while objecting on another: the
/// consent withdraws only the objections its author had seen, so the
/// objection stays open whichever the replay visits first; two
/// confirmations made concurrently name the older.
#[test]
fn a_consent_withdraws_only_the_objections_its_author_saw() {
    let mut w = World::coop();
    let (_, am, w1) = w.open_amendment("chloe", &["s7"], 90);
    for who in ["alice", "bob", "chloe", "eve"] {
        w.ok(who, react(am, Some(w1), Stance::Consent));
    }
    let fork = w.heads();
    let objects = w.sign_on("fred", objection(am, Some(w1), "abcd"), fork.clone());
    w.days(1);
    let consents = w.sign_on("fred", react(am, Some(w1), Stance::Consent), fork);
    w.records.extend([objects.clone(), consents.clone()]);
    for state in w.in_both_replay_orders(objects.id(), consents.id()) {
        let amendment = &state.amendments[&am];
        assert_eq!(amendment.objections.len(), 1);
        assert_eq!(amendment.objections[0].withdrawn_by, None);
        assert!(amendment.objections[0].is_open());
        assert_eq!(amendment.phase, Phase::Integrating);
    }
    // Integrated, then confirmed resolved from two devices concurrently.
    let w2 = w.ok("chloe", submit(am, 91, &["s7"], &[objects.id()], true));
    let fork = w.heads();
    let first = w.sign_on("fred", resolved(am, w2, objects.id()), fork.clone());
    w.days(1);
    let second = w.sign_on("fred", resolved(am, w2, objects.id()), fork);
    w.records.extend([first.clone(), second.clone()]);
    for state in w.in_both_replay_orders(first.id(), second.id()) {
        let objection = &state.amendments[&am].objections[0];
        assert_eq!(objection.confirmed_by, Some(first.id()));
        assert_eq!(objection.integrated_by, Some(w2));
        assert!(!objection.is_open());
    }
}

/// One member resolves a tension while another, unaware, escalates it: the
/// older update stands and the younger is refused, whichever the replay
/// visits first; a challenge from the escalation stands only with it. Two
/// concurrent updates to the same status both hold.
#[test]
fn of_two_concurrent_updates_of_a_tension_the_older_stands() {
    for resolved_first in [true, false] {
        let mut w = World::coop();
        let heating = w.ok("chloe", tension("the heating"));
        let fork = w.heads();
        let branch = |w: &mut World, who, status| {
            let update = w.sign_on(who, tension_update(heating, status), fork.clone());
            w.days(1);
            update
        };
        let (resolves, escalates) = if resolved_first {
            let r = branch(&mut w, "alice", TensionStatus::Resolved);
            (r, branch(&mut w, "bob", TensionStatus::Escalated))
        } else {
            let e = branch(&mut w, "bob", TensionStatus::Escalated);
            (branch(&mut w, "alice", TensionStatus::Resolved), e)
        };
        let from = w.sign_on(
            "bob",
            challenge_from(Some(heating), None),
            vec![escalates.id()],
        );
        w.records
            .extend([resolves.clone(), escalates.clone(), from.clone()]);
        let (older, younger) = if resolved_first {
            (&resolves, &escalates)
        } else {
            (&escalates, &resolves)
        };
        for state in w.in_both_replay_orders(resolves.id(), escalates.id()) {
            assert_eq!(state.verdict(&older.id()), Some(&Verdict::Accepted));
            match state.verdict(&younger.id()) {
                Some(Verdict::Rejected(reason)) => assert!(
                    reason
                        .to_string()
                        .contains("an older, concurrent update of this tension holds"),
                    "{reason}"
                ),
                other => panic!("both updates stand: {other:?}"),
            }
            let tension = &state.tensions[&heating];
            let expected = if resolved_first {
                TensionStatus::Resolved
            } else {
                TensionStatus::Escalated
            };
            assert_eq!(tension.status, expected);
            assert_eq!(tension.history.len(), 2);
            assert_eq!(
                state.verdict(&from.id()) == Some(&Verdict::Accepted),
                !resolved_first,
                "a challenge from an escalation that did not stand"
            );
        }
    }
    // The same status from two branches: both hold, in causal order.
    let mut w = World::coop();
    let heating = w.ok("chloe", tension("the heating"));
    let fork = w.heads();
    let a = w.sign_on(
        "alice",
        tension_update(heating, TensionStatus::InProcess),
        fork.clone(),
    );
    w.days(1);
    let b = w.sign_on(
        "bob",
        tension_update(heating, TensionStatus::InProcess),
        fork,
    );
    w.records.extend([a.clone(), b.clone()]);
    for state in w.in_both_replay_orders(a.id(), b.id()) {
        assert_eq!(state.verdict(&a.id()), Some(&Verdict::Accepted));
        assert_eq!(state.verdict(&b.id()), Some(&Verdict::Accepted));
        let history: Vec<RecordId> = state.tensions[&heating]
            .history
            .iter()
            .map(|h| h.0)
            .collect();
        assert_eq!(history, vec![heating, a.id(), b.id()]);
    }
}

/// Two members who exclude each other concurrently: exactly one exclusion
/// holds, and every home agrees on which.
#[test]
fn concurrent_mutual_exclusions_leave_exactly_one_standing() {
    let mut rules = coop_rules();
    rules.exclude = Rule::new(Method::Consent);
    let mut w = World::new(COOP, rules, &["fred"]);
    let now = w.clock;
    let against_bob = w.ok("alice", exclude("bob", now, now));
    let against_chloe = w.ok("alice", exclude("chloe", now, now));
    let fork = w.heads();
    // Chloé excludes Bob while Bob excludes Chloé, neither aware.
    let by_chloe = w.sign_on(
        "chloe",
        decide(against_bob, Outcome::Adopted, ""),
        fork.clone(),
    );
    let by_bob = w.sign_on(
        "bob",
        decide(against_chloe, Outcome::Adopted, ""),
        fork.clone(),
    );
    // And each writes something concurrently.
    let chloe_note = w.sign_on("chloe", tension("chloe's note"), fork.clone());
    let bob_note = w.sign_on("bob", tension("bob's note"), fork);
    for record in [&by_chloe, &by_bob, &chloe_note, &bob_note] {
        w.push(record);
    }
    let state = w.state();
    let held: Vec<bool> = [&by_chloe, &by_bob]
        .iter()
        .map(|r| state.verdict(&r.id()) == Some(&Verdict::Accepted))
        .collect();
    assert_eq!(
        held.iter().filter(|h| **h).count(),
        1,
        "exactly one exclusion holds: {:?}",
        state.problems().collect::<Vec<_>>()
    );
    let (excluded, standing, note_excluded, note_standing) = if held[0] {
        ("bob", "chloe", &bob_note, &chloe_note)
    } else {
        ("chloe", "bob", &chloe_note, &bob_note)
    };
    assert_eq!(state.members[&pk(excluded)].status, MemberStatus::Excluded);
    assert_eq!(state.members[&pk(standing)].status, MemberStatus::Active);
    assert!(matches!(
        state.verdict(&note_excluded.id()),
        Some(Verdict::Rejected(reason)) if reason.to_string().contains("concurrent with the removal")
    ));
    assert_eq!(state.verdict(&note_standing.id()), Some(&Verdict::Accepted));
    // Any order of delivery gives the same answer.
    let mut reversed = w.records.clone();
    reversed.reverse();
    let again = resolve(w.community, &reversed, ResolveOptions::default()).expect("resolve");
    assert_eq!(
        serde_json::to_vec(&again).expect("json"),
        serde_json::to_vec(&state).expect("json")
    );
}

/// A member who joined by application and was excluded (or left) is no
/// longer an applicant: no more questions.
#[test]
fn a_former_member_is_not_an_applicant() {
    let mut rules = coop_rules();
    rules.exclude = Rule::new(Method::Consent);
    let mut w = World::new(COOP, rules, &["fred"]);
    w.admit("dana", "learners");
    let application = w.ok("gina", apply("Gina", "partners"));
    w.ok("dana", react(application, None, Stance::Question));
    let now = w.clock;
    let proposal = w.ok("alice", exclude("dana", now, now));
    w.ok("fred", decide(proposal, Outcome::Adopted, ""));
    w.no(
        "dana",
        react(application, None, Stance::Question),
        "only members and applicants ask questions",
    );
    // Gina, who is still an applicant, may.
    w.ok("gina", react(application, None, Stance::Question));
}

/// The state keeps who did what and when, as the history report tells it:
/// the record that let each device in, who submitted each wording, the
/// records that opened the round and withdrew the amendment, when each test
/// and tension update was made, who issued each sanction and until when, the
/// application behind a joining and why a member left.
#[test]
fn the_state_keeps_who_did_what_and_when() {
    let mut rules = coop_rules();
    rules.exclude = Rule::new(Method::Consent);
    let mut w = World::new(COOP, rules, &["fred"]);
    let time = |state: &State, id: &RecordId| {
        state
            .records
            .iter()
            .find(|r| r.id == *id)
            .map(|r| r.at)
            .expect("a record")
    };

    // Founders: let in by the genesis, with no application.
    let state = w.state();
    let alice = &state.members[&pk("alice")];
    assert_eq!((alice.application, &alice.left), (None, &None));
    let first = &state.devices[&pk("alice")];
    assert_eq!((first.certified_by, first.certified_at), (w.community, T0));
    w.days(1);
    let certificate = w.ok("alice", certify("alice-laptop"));
    let state = w.state();
    let laptop = &state.devices[&pk("alice-laptop")];
    assert_eq!(
        (laptop.certified_by, laptop.certified_at),
        (certificate, time(&state, &certificate))
    );
    assert!(laptop.certified_at > T0);

    // An amendment: its wording, round, objection test and withdrawal.
    let challenged = w.ok("bob", challenge("s1"));
    let amendment = w.ok("bob", propose(challenged, w.base()));
    let wording = w.ok("bob", submit(amendment, 10, &["s1"], &[], false));
    w.days(1);
    let opened = w.ok("bob", round(amendment));
    let raised = w.ok("eve", objection(amendment, Some(wording), "a"));
    w.days(1);
    let test = w.ok("fred", test_objection(raised, "a"));
    w.days(1);
    let withdrawal = w.ok("bob", withdraw(amendment));
    let state = w.state();
    let a = &state.amendments[&amendment];
    assert_eq!(a.submissions[0].by, pk("bob"));
    assert!(a.round_open);
    assert_eq!(a.round, Some(opened));
    let tested = a.objections[0].test.as_ref().expect("tested");
    assert_eq!(tested.at, time(&state, &test));
    assert_eq!(a.withdrawn.as_deref(), Some("changed my mind"));
    assert_eq!(a.withdrawn_by, Some(withdrawal));

    // Sanctions, then an exclusion, with their authors and times.
    w.days(1);
    let warning = w.ok("fred", sanction("eve", SanctionLevel::Warning));
    let until = w.clock + 10 * DAY_MS;
    let suspension = w.ok(
        "fred",
        Payload::Sanction(Sanction {
            member: pk("eve"),
            level: SanctionLevel::Suspension,
            reasons: "shouted again".into(),
            until,
        }),
    );
    w.days(1);
    let now = w.clock;
    let proposal = w.ok("alice", exclude("eve", now, now));
    let decision = w.ok("chloe", decide(proposal, Outcome::Adopted, ""));
    let state = w.state();
    let facts: Vec<_> = state.members[&pk("eve")]
        .sanctions
        .iter()
        .map(|s| (s.record, s.level.as_str(), s.by, s.at, s.until))
        .collect();
    assert_eq!(
        facts,
        [
            (warning, "warning", pk("fred"), time(&state, &warning), 0),
            (
                suspension,
                "suspension",
                pk("fred"),
                time(&state, &suspension),
                until
            ),
            (
                decision,
                "exclusion",
                pk("chloe"),
                time(&state, &decision),
                0
            ),
        ]
    );

    // Joining, leaving, and joining again: the departure stays as history.
    let application = w.admit("dana", "learners");
    let state = w.state();
    let dana = &state.members[&pk("dana")];
    assert_eq!((dana.application, &dana.left), (Some(application), &None));
    let device = &state.devices[&pk("dana")];
    assert_eq!(
        (device.certified_by, device.certified_at),
        (dana.joined, time(&state, &dana.joined))
    );
    let joined = dana.joined;
    w.days(1);
    let departure = w.ok("dana", leave());
    let left = Some((
        departure,
        time(&w.state(), &departure),
        "moving away".to_owned(),
    ));
    assert_eq!(w.state().members[&pk("dana")].left, left);
    w.days(1);
    let again = w.admit("dana", "learners");
    let state = w.state();
    let dana = &state.members[&pk("dana")];
    assert_eq!(dana.status, MemberStatus::Active);
    assert_ne!(dana.joined, joined);
    assert_eq!(dana.application, Some(again));
    assert_eq!(dana.left, left);
    assert_eq!(state.devices[&pk("dana")].certified_by, dana.joined);

    // A tension's opening and update, each with its time.
    let opening = w.ok("bob", tension("noise"));
    w.days(1);
    let update = w.ok("fred", tension_update(opening, TensionStatus::InProcess));
    let state = w.state();
    let history: Vec<_> = state.tensions[&opening]
        .history
        .iter()
        .map(|(record, _, _, at)| (*record, *at))
        .collect();
    assert_eq!(
        history,
        [
            (opening, time(&state, &opening)),
            (update, time(&state, &update))
        ]
    );
    assert!(history[0].1 < history[1].1);
}
