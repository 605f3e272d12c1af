//! Devices, blocks, revisions, clocks, withdrawal, promotion.

use super::*;

#[test]
fn certified_devices_act_revoked_and_unknown_ones_cannot() {
    let mut w = World::coop();
    w.no(
        "mallory",
        tension("let me in"),
        "not a member's certified device",
    );
    w.no("bob", certify("alice"), "already known to the community");
    w.ok("alice", certify("alice-laptop"));
    let t = w.ok("alice-laptop", tension("from the laptop"));
    let state = w.state();
    assert_eq!(state.tensions[&t].author, pk("alice"));
    assert_eq!(
        state.member_of(&pk("alice-laptop")).map(|m| m.id),
        Some(pk("alice"))
    );
    assert_eq!(
        state.members[&pk("alice")].devices,
        vec![pk("alice"), pk("alice-laptop")]
    );
    w.no(
        "bob",
        revoke("alice-laptop"),
        "can only revoke one's own devices",
    );
    let before = w.heads();
    let revocation = w.ok("alice", revoke("alice-laptop"));
    w.no(
        "alice-laptop",
        tension("still here"),
        "not a member's certified device",
    );
    w.no(
        "alice-laptop",
        certify("alice-phone"),
        "not a member's certified device",
    );
    w.no("alice", revoke("alice-laptop"), "already revoked");
    // Made offline before the laptop learnt of its revocation.
    let offline = w.sign_on("alice-laptop", tension("offline"), before);
    match w.push(&offline) {
        Verdict::Rejected(reason) => assert!(
            reason.to_string().contains(&format!(
                "removal of its author (record {})",
                revocation.short()
            )),
            "{reason}"
        ),
        other => panic!("the revoked device's concurrent act holds: {other:?}"),
    }
    // Alice herself still acts, and what the laptop did before stays.
    w.ok("alice", tension("from the desktop"));
    assert_eq!(w.state().verdict(&t), Some(&Verdict::Accepted));
    assert_eq!(
        w.state().devices[&pk("alice-laptop")].revoked,
        Some(revocation)
    );
}

#[test]
fn a_block_counts_only_where_the_rule_allows_it() {
    let mut w = World::coop();
    let (_, am, w1) = w.open_amendment("alice", &["s1"], 10);
    w.no(
        "bob",
        react(am, Some(w1), Stance::Block),
        "the rule for amendments allows no block",
    );
    let application = w.ok("gina", apply("Gina", "learners"));
    w.no(
        "bob",
        react(application, None, Stance::Block),
        "this rule allows no block",
    );

    let mut rules = coop_rules();
    rules.admit.block = true;
    let mut w = World::new(COOP, rules, &["fred"]);
    let application = w.ok("gina", apply("Gina", "learners"));
    w.ok("bob", react(application, None, Stance::Block));
    w.days(7);
    w.no(
        "chloe",
        decide(application, Outcome::Adopted, ""),
        "1 block(s)",
    );
    // Bob lifts his block: his latest reaction counts.
    w.ok("bob", react(application, None, Stance::Consent));
    w.ok("chloe", decide(application, Outcome::Adopted, ""));
}

#[test]
fn reaction_revisions_the_latest_counts_and_all_are_kept() {
    let mut rules = coop_rules();
    rules.rules = Rule::new(Method::Majority);
    let mut w = World::new(COOP, rules, &["fred"]);
    let three = Rule {
        signers: 3,
        ..w.state().rules.amend.clone()
    };
    let proposal = w.ok("alice", change_rule(Act::Amend, three));
    w.ok("bob", react(proposal, None, Stance::No));
    w.ok("chloe", react(proposal, None, Stance::Yes));
    w.ok("bob", react(proposal, None, Stance::Yes));
    w.ok("fred", decide(proposal, Outcome::Adopted, ""));
    let state = w.state();
    let proposal = &state.proposals[&proposal];
    let stances: Vec<Stance> = proposal.reactions.iter().map(|r| r.stance).collect();
    assert_eq!(stances, [Stance::No, Stance::Yes, Stance::Yes]);
    let tally = &proposal.decision.as_ref().expect("decided").tally;
    assert_eq!((tally.yes, tally.no), (2, 0));
    assert_eq!(state.rules.amend.signers, 3);
}

#[test]
fn a_timestamp_earlier_than_a_parent_is_rejected() {
    let mut w = World::coop();
    w.days(1);
    w.ok("alice", tension("first"));
    let back = w.sign_at("bob", tension("backdated"), w.heads(), T0);
    match w.push(&back) {
        Verdict::Rejected(reason) => {
            assert!(
                reason
                    .to_string()
                    .contains("earlier than a record it builds on"),
                "{reason}"
            )
        }
        other => panic!("backdated record: {other:?}"),
    }
}

#[test]
fn only_the_proposer_withdraws_and_only_before_adoption() {
    let mut w = World::coop();
    let (_, am, w1) = w.open_amendment("alice", &["s1"], 10);
    w.no("bob", withdraw(am), "only the proposer withdraws");
    w.ok("alice", withdraw(am));
    let a = w.amendment(&am);
    assert_eq!(a.phase, Phase::Withdrawn);
    assert_eq!(a.withdrawn.as_deref(), Some("changed my mind"));
    w.no(
        "bob",
        react(am, Some(w1), Stance::Consent),
        "the amendment is withdrawn",
    );
    w.no("fred", decide(am, Outcome::Adopted, ""), "withdrawn");

    let (_, am, _) = w.open_amendment("alice", &["s2"], 20);
    w.ok("fred", decide(am, Outcome::Adopted, ""));
    w.no("alice", withdraw(am), "the amendment is adopted");
}

#[test]
fn a_rejected_amendment_is_promoted_by_its_proposer_only() {
    let mut w = World::coop();
    let (_, am, w1) = w.open_amendment("alice", &["s1"], 10);
    w.no(
        "alice",
        challenge_from(None, Some(am)),
        "only a rejected amendment can be promoted",
    );
    w.ok("bob", objection(am, Some(w1), "abcd"));
    w.no(
        "fred",
        decide(am, Outcome::Rejected, ""),
        "a rejection needs a reason",
    );
    w.ok(
        "fred",
        decide(am, Outcome::Rejected, "Bob's objection stands"),
    );
    assert_eq!(w.phase(&am), Phase::Rejected);
    w.no(
        "chloe",
        challenge_from(None, Some(am)),
        "only its proposer promotes",
    );
    let promoted = w.ok("alice", challenge_from(None, Some(am)));
    assert_eq!(w.state().challenges[&promoted].promoted_from, Some(am));
}
