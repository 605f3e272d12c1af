//! Scenarios (governance survey §d).

use super::*;

/// §d1: challenge → proposal → reactions → new wording → round → objections
/// (one valid, one found invalid) → integration → confirmed → adopted →
/// ratified by the two signers the rule asks for.
#[test]
fn scenario_1_objection_integrated_then_ratified_by_two_signers() {
    let mut w = World::coop();
    let challenge = w.ok("alice", challenge("s3"));
    assert_eq!(
        w.state().challenges[&challenge].admissibility,
        Admissibility::Admissible
    );
    let am = w.ok("alice", propose(challenge, w.base()));
    assert_eq!(w.phase(&am), Phase::Draft);
    let w1 = w.ok("alice", submit(am, 10, &["s3"], &[], false));
    assert_eq!(w.phase(&am), Phase::Proposed);
    w.ok("chloe", react(am, Some(w1), Stance::Question));
    w.ok("bob", react(am, Some(w1), Stance::Concern));
    assert_eq!(w.phase(&am), Phase::Reactions);

    // Alice amends her proposal: W2. Reactions to W1 are over.
    let w2 = w.ok("alice", submit(am, 11, &["s3"], &[], false));
    w.no(
        "bob",
        react(am, Some(w1), Stance::Consent),
        "not the current one",
    );
    w.no(
        "bob",
        react(am, None, Stance::Consent),
        "not the current one",
    );
    w.no(
        "bob",
        round(am),
        "only the proposer opens the objection round",
    );
    w.ok("alice", round(am));
    assert_eq!(w.phase(&am), Phase::ObjectionRound);

    // Bob and Chloé object; the facilitator tests both.
    let bob = w.ok("bob", objection(am, Some(w2), "abcd"));
    let chloe = w.ok("chloe", objection(am, Some(w2), "abcd"));
    assert_eq!(w.phase(&am), Phase::Integrating);
    w.no("alice", test_objection(bob, "abcd"), "only a facilitator");
    w.ok("fred", test_objection(bob, "abcd"));
    w.ok("fred", test_objection(chloe, "acd"));
    let a = w.amendment(&am);
    let tested = |id| {
        a.objections
            .iter()
            .find(|o| o.record == id)
            .and_then(|o| o.test.clone())
            .expect("tested")
    };
    assert!(tested(bob).valid);
    assert!(!tested(chloe).valid, "Chloé's objection fails (b)");
    assert!(!tested(chloe).passed.contains(&'b'));
    assert_eq!(w.phase(&am), Phase::Integrating, "Bob's objection is open");
    w.no(
        "fred",
        decide(am, Outcome::Adopted, ""),
        "cannot adopt: the amendment is integrating",
    );

    // W3 integrates Bob's objection; Alice must confirm her tension.
    w.no(
        "alice",
        submit(am, 12, &["s3"], &[bob], false),
        "tension is still addressed",
    );
    w.no(
        "alice",
        submit(am, 12, &["s3"], &[w1], true),
        "not an objection to this amendment",
    );
    let w3 = w.ok("alice", submit(am, 12, &["s3"], &[bob], true));
    assert_eq!(w.phase(&am), Phase::Integrating, "open until Bob confirms");
    w.no("chloe", resolved(am, w3, bob), "only the objector confirms");
    w.ok("bob", resolved(am, w3, bob));
    assert_eq!(
        w.phase(&am),
        Phase::ObjectionRound,
        "the second round is empty"
    );
    w.ok("chloe", react(am, Some(w3), Stance::Consent));

    // Adopted, then ratified: the version appears with the second signer.
    let decision = w.ok("fred", decide(am, Outcome::Adopted, ""));
    let a = w.amendment(&am);
    assert_eq!(a.phase, Phase::Adopted);
    let entry = a.decision.expect("decided");
    assert_eq!(entry.record, decision);
    assert!(entry.tally.passes);
    assert_eq!(entry.tally.open_objections, 0);
    assert_eq!(entry.tally.participants, 2, "Bob and Chloé, on W3");
    w.ok("alice", ratify(am, 20));
    assert_eq!(w.state().versions.len(), 1, "one signer of two");
    assert_eq!(w.phase(&am), Phase::Adopted);
    w.no("alice", ratify(am, 20), "this member already signed");
    w.no("bob", ratify(am, 21), "names other heads than ratification");
    w.ok("bob", ratify(am, 20));
    let state = w.state();
    assert_eq!(state.versions.len(), 2);
    let version = state.in_force();
    assert_eq!(version.number, 2);
    assert_eq!(version.amendment, Some(am));
    assert_eq!(version.sections, vec!["s3".to_owned()]);
    assert_eq!(version.signers, vec![pk("alice"), pk("bob")]);
    assert_eq!(
        version.hash,
        version_hash(&DocId::from_bytes(CHARTER), &[h(20)])
    );
    assert_eq!(state.amendments[&am].phase, Phase::Merged);
    assert_eq!(state.amendments[&am].version, Some(1));
    w.no("chloe", ratify(am, 20), "only an adopted amendment");
    assert_eq!(w.state().problems().count(), 0);
}

/// §d2: A (s5) is ratified first; B (s5, s7) becomes stale, its consents
/// void until it is submitted again after the ratification; C (s9) is
/// rebased and can still be adopted.
#[test]
fn scenario_2_conflicting_amendment_goes_stale_and_unrelated_one_is_rebased() {
    let mut rules = coop_rules();
    rules.amend.quorum = 50;
    let mut w = World::new(COOP, rules, &["fred"]);
    let (_, a, a1) = w.open_amendment("alice", &["s5"], 10);
    let (_, b, b1) = w.open_amendment("bob", &["s5", "s7"], 20);
    let (_, c, c1) = w.open_amendment("chloe", &["s9"], 30);
    for who in ["alice", "bob", "chloe"] {
        w.ok(who, react(a, Some(a1), Stance::Consent));
        w.ok(who, react(b, Some(b1), Stance::Consent));
        w.ok(who, react(c, Some(c1), Stance::Consent));
    }
    w.ok("fred", decide(a, Outcome::Adopted, ""));
    w.ok("alice", ratify(a, 11));
    let old = w.heads();
    w.ok("bob", ratify(a, 11));
    let state = w.state();
    assert_eq!(state.versions.len(), 2);
    assert_eq!(state.amendments[&b].phase, Phase::Stale);
    assert_eq!(state.amendments[&b].stale_because, Some(1));
    assert_eq!(state.amendments[&c].phase, Phase::ObjectionRound);
    assert_eq!(state.amendments[&c].rebased_onto, vec![1]);

    // B's consents are void.
    w.no(
        "fred",
        decide(b, Outcome::Adopted, ""),
        "the amendment is stale",
    );
    w.no("eve", react(b, Some(b1), Stance::Consent), "stale");
    // C is unaffected.
    w.ok("fred", decide(c, Outcome::Adopted, ""));
    assert_eq!(w.phase(&c), Phase::Adopted);

    // A new wording of B that does not build on the ratification (made
    // offline) leaves it stale.
    let offline = w.sign_on("bob", submit(b, 21, &["s5", "s7"], &[], false), old);
    assert_eq!(w.push(&offline), Verdict::Accepted);
    assert_eq!(w.phase(&b), Phase::Stale);
    // Submitted again after the ratification: consent must be given again.
    let b2 = w.ok("bob", submit(b, 22, &["s5", "s7"], &[], false));
    assert_eq!(w.phase(&b), Phase::ObjectionRound);
    assert_eq!(w.amendment(&b).stale_because, None);
    let reason = w.no("fred", decide(b, Outcome::Adopted, ""), "not met");
    assert!(reason.to_string().contains("0/5 took part"), "{reason}");
    for who in ["alice", "bob", "chloe"] {
        w.ok(who, react(b, Some(b2), Stance::Consent));
    }
    w.ok("fred", decide(b, Outcome::Adopted, ""));
    assert_eq!(w.phase(&b), Phase::Adopted);
}

/// An adopted amendment waiting for its signatures goes stale too when
/// another ratified amendment changes its sections first; a ratification
/// must build on the decision it ratifies.
#[test]
fn an_adopted_amendment_goes_stale_when_its_sections_change_first() {
    let mut rules = coop_rules();
    rules.amend.quorum = 50;
    let mut w = World::new(COOP, rules, &["fred"]);
    let (_, a, a1) = w.open_amendment("alice", &["s5"], 10);
    let (_, b, b1) = w.open_amendment("bob", &["s5"], 20);
    for who in ["alice", "bob", "chloe"] {
        w.ok(who, react(a, Some(a1), Stance::Consent));
        w.ok(who, react(b, Some(b1), Stance::Consent));
    }
    let before = w.heads();
    w.ok("fred", decide(a, Outcome::Adopted, ""));
    w.ok("fred", decide(b, Outcome::Adopted, ""));
    // A ratification that does not build on the decision is refused.
    let blind = w.sign_on("alice", ratify(a, 11), before);
    assert!(matches!(w.push(&blind), Verdict::Rejected(_)));
    w.ok("alice", ratify(a, 11));
    w.ok("bob", ratify(a, 11));
    assert_eq!(w.phase(&b), Phase::Stale);
    w.no("alice", ratify(b, 21), "stale");
    // Submitted again after A: consent is needed again.
    let b2 = w.ok("bob", submit(b, 22, &["s5"], &[], false));
    w.no("fred", decide(b, Outcome::Adopted, ""), "not met");
    for who in ["alice", "bob", "chloe"] {
        w.ok(who, react(b, Some(b2), Stance::Consent));
    }
    w.ok("fred", decide(b, Outcome::Adopted, ""));
    w.ok("alice", ratify(b, 23));
    w.ok("bob", ratify(b, 23));
    assert_eq!(w.state().versions.len(), 3);
}

/// A decision is judged on what its author had seen: an objection found
/// invalid by a test the decider had not received still stands for it.
#[test]
fn a_decision_counts_only_the_objection_tests_it_saw() {
    let mut w = World::new(COOP, coop_rules(), &["fred"]);
    let (_, a, a1) = w.open_amendment("alice", &["s5"], 10);
    let raised = w.ok("bob", objection(a, Some(a1), "abcd"));
    let before_test = w.heads();
    let test = w.ok("fred", test_objection(raised, "acd"));
    // Concurrent records are folded by id: pick a decision folded after the
    // test, so that the phase already says "objection round".
    let blind = (0..256)
        .map(|n| {
            w.sign_on(
                "alice",
                decide(a, Outcome::Adopted, &n.to_string()),
                before_test.clone(),
            )
        })
        .find(|blind| blind.id() > test)
        .expect("a decision ordered after the test");
    assert!(
        matches!(w.push(&blind), Verdict::Rejected(ref r) if r.to_string().contains("1 open objection")),
        "{:?}",
        w.verdict(&blind.id())
    );
    w.ok("alice", decide(a, Outcome::Adopted, ""));
}

/// Nobody decides on their own exclusion.
#[test]
fn the_member_concerned_cannot_decide_their_exclusion() {
    let mut w = World::coop();
    let now = w.clock;
    let proposal = w.ok("alice", exclude("eve", now, now + 15 * DAY_MS));
    w.days(16);
    w.no(
        "eve",
        decide(proposal, Outcome::Rejected, "no"),
        "own exclusion",
    );
}

/// §d3: Dana applies; she may ask questions but not consent or decide; the
/// learners decide after 7 days; she signs the version in force (not another
/// one) and joins the next electorate.
#[test]
fn scenario_3_joining_after_seven_days_and_a_signature() {
    let mut w = World::coop();
    let application = w.ok("dana", apply("Dana", "learners"));
    assert_eq!(
        w.state().applications[&application].state,
        ApplicationState::Pending
    );
    w.no(
        "dana",
        apply("Dana", "learners"),
        "already has an open application",
    );
    w.no("dana", apply("Dana", "gardeners"), "no college `gardeners`");
    w.ok("dana", react(application, None, Stance::Question));
    w.no(
        "dana",
        react(application, None, Stance::Consent),
        "not a member's certified device",
    );
    w.no(
        "dana",
        decide(application, Outcome::Adopted, ""),
        "not a member's certified device",
    );
    w.ok("bob", react(application, None, Stance::Consent));
    let applied_at = w
        .records
        .iter()
        .find(|r| r.id() == application)
        .map(Record::timestamp)
        .expect("the application");
    w.days(6);
    // The refusal says when the delay ends.
    let ends = crate::time::format_minutes(applied_at + 7 * DAY_MS);
    w.no(
        "bob",
        decide(application, Outcome::Adopted, ""),
        &format!("the 7-day delay has not passed (it ends {ends} UTC)"),
    );
    w.days(1);
    w.ok("bob", decide(application, Outcome::Adopted, ""));
    let state = w.state();
    assert_eq!(
        state.applications[&application].state,
        ApplicationState::Admitted
    );
    let tally = &state.proposals[&application]
        .decision
        .as_ref()
        .expect("decided")
        .tally;
    assert_eq!(tally.electorate, 3, "the learners: Bob, Chloé, Eve");
    assert!(!state.members.contains_key(&pk("dana")));
    w.no(
        "dana",
        tension("too loud"),
        "not a member's certified device",
    );

    let wrong = version_hash(&DocId::from_bytes(CHARTER), &[h(99)]);
    w.no(
        "dana",
        sign_charter(application, &wrong),
        "not the one in force",
    );
    let right = w.state().in_force().hash.clone();
    w.no(
        "bob",
        sign_charter(application, &right),
        "only the applicant",
    );
    w.ok("dana", sign_charter(application, &right));
    // Signing twice says why it cannot be.
    w.no(
        "dana",
        sign_charter(application, &right),
        "already a member: this application was signed",
    );
    let state = w.state();
    assert_eq!(
        state.applications[&application].state,
        ApplicationState::Joined
    );
    let dana = &state.members[&pk("dana")];
    assert_eq!(dana.status, MemberStatus::Active);
    assert_eq!(dana.college, "learners");
    w.ok("dana", tension("too loud"));

    // The next admission counts her.
    let gina = w.ok("gina", apply("Gina", "partners"));
    w.days(7);
    w.ok("dana", react(gina, None, Stance::Consent));
    w.ok("dana", decide(gina, Outcome::Adopted, ""));
    let state = w.state();
    let tally = &state.proposals[&gina]
        .decision
        .as_ref()
        .expect("decided")
        .tally;
    assert_eq!(tally.electorate, 4, "Bob, Chloé, Eve and Dana");
    assert_eq!(tally.participants, 1);
}

/// §d4: a decline needs a reason, which the application then shows.
#[test]
fn scenario_4_decline_needs_a_reason_shown_to_the_applicant() {
    let mut w = World::coop();
    let application = w.ok("gina", apply("Gina", "learners"));
    w.ok("chloe", objection(application, None, "abcd"));
    w.days(7);
    w.no(
        "chloe",
        decide(application, Outcome::Adopted, ""),
        "1 open objection",
    );
    w.no(
        "chloe",
        decide(application, Outcome::Rejected, "  "),
        "needs a reason",
    );
    w.ok(
        "chloe",
        decide(
            application,
            Outcome::Rejected,
            "the learners' circle is full",
        ),
    );
    assert_eq!(
        w.state().applications[&application].state,
        ApplicationState::Declined {
            reason: "the learners' circle is full".into()
        }
    );
    let version = w.state().in_force().hash.clone();
    w.no("gina", sign_charter(application, &version), "not admitted");
    w.no(
        "bob",
        decide(application, Outcome::Adopted, ""),
        "already decided",
    );
}

/// Issue 12, item 6: under lazy consensus (the CLI's default admission
/// rule), a member saying "no" is enough to let the application be declined
/// once the delay has passed; before, only a formal objection did, and a
/// "no" changed nothing.
#[test]
fn under_lazy_consensus_a_no_lets_an_application_be_declined() {
    let mut rules = coop_rules();
    rules.admit = Rule {
        min_days: 7,
        ..Rule::new(Method::Lazy)
    };
    let mut w = World::new(COOP, rules, &["fred"]);
    let application = w.ok("gina", apply("Gina", "learners"));
    w.ok("chloe", react(application, None, Stance::No));
    w.days(6);
    w.no(
        "bob",
        decide(application, Outcome::Rejected, "Chloé a dit non."),
        "delay has not passed",
    );
    w.days(1);
    w.no(
        "bob",
        decide(application, Outcome::Adopted, ""),
        "1 against",
    );
    w.ok(
        "bob",
        decide(application, Outcome::Rejected, "Chloé a dit non."),
    );
    assert!(matches!(
        w.state().applications[&application].state,
        ApplicationState::Declined { .. }
    ));
    // Silence still consents: another applicant nobody answers is admitted.
    let hugo = w.ok("hugo", apply("Hugo", "learners"));
    w.days(7);
    w.ok("bob", decide(hugo, Outcome::Adopted, ""));
}

/// A decision, whatever its outcome, waits for the rule's delay: no one can
/// decline an application (or reject an amendment) before the others had
/// the time the rule gives them.
#[test]
fn a_decision_waits_for_the_delay_whatever_its_outcome() {
    let mut w = World::coop();
    let application = w.ok("gina", apply("Gina", "learners"));
    w.ok("chloe", objection(application, None, "abcd"));
    w.days(6);
    w.no(
        "chloe",
        decide(application, Outcome::Rejected, "the circle is full"),
        "the 7-day delay has not passed",
    );
    w.days(1);
    w.ok(
        "chloe",
        decide(application, Outcome::Rejected, "the circle is full"),
    );

    let mut rules = coop_rules();
    rules.amend.min_days = 3;
    let mut w = World::new(COOP, rules, &["fred"]);
    let (_, am, _) = w.open_amendment("alice", &["s1"], 10);
    w.no(
        "bob",
        decide(am, Outcome::Rejected, "I do not like it"),
        "the 3-day delay has not passed",
    );
}

/// §d5: correction and warning by the facilitator, an exclusion proposal
/// with notice and hearing, a decision after the hearing without Eve; her
/// later and concurrent acts are rejected, her earlier ones stay hers.
#[test]
fn scenario_5_exclusion_after_notice_and_hearing() {
    let mut w = World::coop();
    let earlier = w.ok("eve", challenge("s2"));
    w.no(
        "bob",
        sanction("eve", SanctionLevel::Correction),
        "only a facilitator",
    );
    w.ok("fred", sanction("eve", SanctionLevel::Correction));
    w.days(30);
    w.ok("fred", sanction("eve", SanctionLevel::Warning));
    w.days(30);
    let now = w.clock;
    w.no(
        "alice",
        exclude("eve", now, now + 14 * DAY_MS),
        "at least 15 days after the notice",
    );
    w.no(
        "alice",
        exclude("eve", now - 1, now + 15 * DAY_MS),
        "notice date is before the proposal",
    );
    w.no(
        "eve",
        exclude("eve", now, now + 15 * DAY_MS),
        "cannot propose one's own exclusion",
    );
    let proposal = w.ok("alice", exclude("eve", now, now + 15 * DAY_MS));
    w.no(
        "bob",
        exclude("eve", now, now + 15 * DAY_MS),
        "already open",
    );
    for who in ["alice", "bob", "chloe", "fred"] {
        w.ok(who, react(proposal, None, Stance::Yes));
    }
    w.days(14);
    w.no(
        "fred",
        decide(proposal, Outcome::Adopted, ""),
        "the decision comes after the hearing",
    );
    let before = w.heads();
    w.days(1);
    let decision = w.ok("fred", decide(proposal, Outcome::Adopted, ""));
    let state = w.state();
    let eve = &state.members[&pk("eve")];
    assert_eq!(eve.status, MemberStatus::Excluded);
    let levels: Vec<&str> = eve.sanctions.iter().map(|s| s.level.as_str()).collect();
    assert_eq!(levels, ["correction", "warning", "exclusion"]);
    let tally = &state.proposals[&proposal]
        .decision
        .as_ref()
        .expect("decided")
        .tally;
    assert_eq!(tally.electorate, 4, "Eve does not vote on her exclusion");
    assert_eq!(tally.yes, 4);

    // After: rejected at once.
    w.no("eve", tension("unfair"), "was excluded");
    // Concurrently (offline, on the heads before the decision): rejected by
    // every peer, whatever the order they fold it in.
    let offline = w.sign_on("eve", tension("unfair"), before);
    match w.push(&offline) {
        Verdict::Rejected(reason) => assert!(
            reason.to_string().contains(&format!(
                "concurrent with the removal of its author (record {})",
                decision.short()
            )),
            "{reason}"
        ),
        other => panic!("Eve's concurrent act holds: {other:?}"),
    }
    // Before: hers, and it holds.
    let state = w.state();
    assert_eq!(state.verdict(&earlier), Some(&Verdict::Accepted));
    assert_eq!(state.challenges[&earlier].author, pk("eve"));
}

/// §d6: a mediation tension that fails becomes a challenge, once escalated.
#[test]
fn scenario_6_escalated_tension_becomes_a_challenge() {
    let mut w = World::coop();
    let t = w.ok("bob", tension("the schedule changes every week"));
    w.no(
        "bob",
        challenge_from(Some(t), None),
        "only an escalated tension",
    );
    w.ok("fred", tension_update(t, TensionStatus::InProcess));
    w.no(
        "bob",
        challenge_from(Some(t), None),
        "only an escalated tension",
    );
    w.ok("fred", tension_update(t, TensionStatus::Escalated));
    w.no(
        "fred",
        tension_update(t, TensionStatus::Resolved),
        "cannot go from escalated to resolved",
    );
    let c = w.ok("bob", challenge_from(Some(t), None));
    let state = w.state();
    let tension = &state.tensions[&t];
    assert_eq!(tension.status, TensionStatus::Escalated);
    assert_eq!(tension.challenges, vec![c]);
    assert_eq!(tension.history.len(), 3);
    assert_eq!(state.challenges[&c].from_tension, Some(t));
    // A challenge from a record that is not a tension.
    w.no("bob", challenge_from(Some(c), None), "not a tension");
}

/// §d7: lowering the amendment quorum from 60% to 40% must pass the old rule
/// too: it fails with 50% turnout and passes with 75%.
#[test]
fn scenario_7_rule_change_must_pass_the_old_rule_too() {
    let four = &COOP[..4];
    let mut rules = coop_rules();
    rules.amend.quorum = 60;
    let mut w = World::new(four, rules, &["fred"]);
    let lower = Rule {
        quorum: 40,
        ..w.state().rules.amend.clone()
    };
    let first = w.ok("alice", change_rule(Act::Amend, lower.clone()));
    w.ok("alice", react(first, None, Stance::Consent));
    w.ok("bob", react(first, None, Stance::Consent));
    let reason = w.no("fred", decide(first, Outcome::Adopted, ""), "not met");
    assert!(
        reason.to_string().contains("old rule: consent")
            && reason.to_string().contains("quorum 60%, not met"),
        "{reason}"
    );
    w.ok(
        "fred",
        decide(first, Outcome::Rejected, "half of us took part"),
    );
    assert_eq!(w.state().rules.amend.quorum, 60);

    let second = w.ok("alice", change_rule(Act::Amend, lower));
    for who in ["alice", "bob", "chloe"] {
        w.ok(who, react(second, None, Stance::Consent));
    }
    w.no(
        "fred",
        decide(second, Outcome::Rejected, "no"),
        "the rule is met",
    );
    w.ok("fred", decide(second, Outcome::Adopted, ""));
    assert_eq!(w.state().rules.amend.quorum, 40);
}

/// Issue 12, item 3: Alice's rule change of `amend` to unanimity is adopted
/// while Bob, who has not seen it, adopts an amendment under consent. His
/// decision is judged under the rule he saw, whichever of the two
/// decisions' ids sorts first (it used to hold only if his sorted first).
#[test]
fn a_decision_is_judged_under_the_rules_its_author_saw_whatever_the_ids() {
    let mut w = World::coop();
    let (_, am, wording) = w.open_amendment("alice", &["s3"], 10);
    let unanimity = Rule {
        signers: 2,
        ..Rule::new(Method::Unanimity)
    };
    let change = w.ok("alice", change_rule(Act::Amend, unanimity));
    for who in ["alice", "bob", "chloe", "fred", "eve"] {
        w.ok(who, react(change, None, Stance::Consent));
    }
    // Enough under consent (Eve says nothing), not under unanimity.
    for who in ["bob", "chloe", "fred"] {
        w.ok(who, react(am, Some(wording), Stance::Consent));
    }
    let fork = w.heads();
    let rule_adopted = w.sign_on("fred", decide(change, Outcome::Adopted, ""), fork.clone());
    let (mut below, mut above) = (None, None);
    for n in 0.. {
        let reason = format!("adopté ({n})");
        let bobs = w.sign_on("bob", decide(am, Outcome::Adopted, &reason), fork.clone());
        if bobs.id() < rule_adopted.id() {
            below.get_or_insert(bobs);
        } else {
            above.get_or_insert(bobs);
        }
        if below.is_some() && above.is_some() {
            break;
        }
    }
    let mut states = Vec::new();
    for bobs in [below, above].map(|d| d.expect("both orders")) {
        let mut records = w.records.clone();
        records.push(rule_adopted.clone());
        records.push(bobs.clone());
        let state = resolve(w.community, &records, w.options).expect("resolve");
        assert_eq!(state.verdict(&rule_adopted.id()), Some(&Verdict::Accepted));
        assert_eq!(
            state.verdict(&bobs.id()),
            Some(&Verdict::Accepted),
            "Bob saw consent"
        );
        assert_eq!(state.amendments[&am].phase, Phase::Adopted);
        assert_eq!(state.rules.amend.method, Method::Unanimity);
        states.push(state);
    }
    // A decision that builds on the new rule is judged under it.
    let mut records = w.records.clone();
    records.push(rule_adopted.clone());
    let after = w.sign_on(
        "bob",
        decide(am, Outcome::Adopted, ""),
        vec![rule_adopted.id()],
    );
    records.push(after.clone());
    let state = resolve(w.community, &records, w.options).expect("resolve");
    match state.verdict(&after.id()) {
        Some(Verdict::Rejected(reason)) => {
            assert!(reason.to_string().contains("not met"), "{reason}")
        }
        other => panic!("judged under unanimity, got {other:?}"),
    }
}

/// Issue 12, item 3, the same for who votes: a member admitted concurrently
/// with a decision is not in its electorate, wherever the fold places the
/// two (a silent newcomer used to make a unanimity fail if the admission
/// happened to sort first).
#[test]
fn a_decision_counts_the_members_its_author_saw_whatever_the_ids() {
    let mut rules = coop_rules();
    rules.amend = Rule {
        signers: 2,
        ..Rule::new(Method::Unanimity)
    };
    let mut w = World::new(COOP, rules, &["fred"]);
    let (_, am, wording) = w.open_amendment("alice", &["s3"], 10);
    for who in ["alice", "bob", "chloe", "fred", "eve"] {
        w.ok(who, react(am, Some(wording), Stance::Consent));
    }
    let fork = w.heads();
    w.admit("dan", "learners");
    let joined = w.records.last().expect("dan's signature").id();
    let bobs = w.sign_on("bob", decide(am, Outcome::Adopted, "adopté"), fork);
    w.records.push(bobs.clone());
    // Replayed before Dan's admission and after it (the tie-break between
    // concurrent records, salted): the verdict is the same.
    for state in w.in_both_replay_orders(bobs.id(), joined) {
        assert_eq!(
            state.verdict(&bobs.id()),
            Some(&Verdict::Accepted),
            "five of five"
        );
        assert_eq!(state.amendments[&am].phase, Phase::Adopted);
        let tally = &state.amendments[&am]
            .decision
            .as_ref()
            .expect("decided")
            .tally;
        assert!(
            tally.explanation.to_string().contains("5 of 5"),
            "{}",
            tally.explanation
        );
        assert_eq!(
            state.member_of(&pk("dan")).map(|m| m.status),
            Some(MemberStatus::Active)
        );
    }
}
