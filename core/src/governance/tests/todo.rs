//! What awaits each member, read off the state as a story goes on.

use super::*;
use crate::governance::{TodoKind, todo, todo_of_device};

/// What awaits `name` now: (kind, subject) pairs, in the order given.
fn awaits(w: &World, name: &str) -> Vec<(TodoKind, RecordId)> {
    todo(&w.state(), &pk(name), w.clock)
        .into_iter()
        .map(|t| (t.kind, t.subject))
        .collect()
}

fn has(w: &World, name: &str, kind: TodoKind, subject: RecordId) -> bool {
    awaits(w, name).contains(&(kind, subject))
}

#[test]
fn an_amendment_asks_each_member_for_what_is_theirs_to_do() {
    let mut w = World::coop();
    let (_, am, w1) = w.open_amendment("alice", &["s3"], 11);
    // Everyone but the proposer is asked to react (amendments: every
    // member votes); nobody is asked anything else yet.
    for name in ["bob", "chloe", "eve", "fred"] {
        assert_eq!(
            awaits(&w, name),
            vec![(TodoKind::ReactAmendment, am)],
            "{name}"
        );
    }
    assert!(awaits(&w, "alice").is_empty());

    // Bob objects: he has reacted; the facilitator must test it; Alice
    // must integrate it.
    let bob = w.ok("bob", objection(am, Some(w1), "abcd"));
    assert!(!has(&w, "bob", TodoKind::ReactAmendment, am));
    assert!(has(&w, "fred", TodoKind::TestObjection, bob));
    assert!(has(&w, "alice", TodoKind::IntegrateObjection, bob));
    assert!(
        !has(&w, "chloe", TodoKind::TestObjection, bob),
        "not a facilitator"
    );
    w.ok("fred", test_objection(bob, "abcd"));
    assert!(!has(&w, "fred", TodoKind::TestObjection, bob));

    // Alice integrates it in a new wording: everyone is asked again, and
    // Bob is asked to confirm his objection resolved.
    let w2 = w.ok("alice", submit(am, 12, &["s3"], &[bob], true));
    assert!(!has(&w, "alice", TodoKind::IntegrateObjection, bob));
    assert!(has(&w, "bob", TodoKind::ConfirmResolved, bob));
    assert!(has(&w, "chloe", TodoKind::ReactAmendment, am));
    w.ok("bob", resolved(am, w2, bob));
    assert!(!has(&w, "bob", TodoKind::ConfirmResolved, bob));
    assert!(
        !has(&w, "bob", TodoKind::ReactAmendment, am),
        "his confirmation is a reaction"
    );
    w.ok("chloe", react(am, Some(w2), Stance::Consent));
    assert!(!has(&w, "chloe", TodoKind::ReactAmendment, am));

    // Adopted: two signatures ratify it; a member who signed is not asked
    // again, the others are until the version is in force.
    w.ok("fred", decide(am, Outcome::Adopted, ""));
    for name in ["alice", "bob", "chloe", "eve", "fred"] {
        assert_eq!(awaits(&w, name), vec![(TodoKind::Ratify, am)], "{name}");
    }
    w.ok("alice", ratify(am, 20));
    assert!(awaits(&w, "alice").is_empty());
    assert_eq!(awaits(&w, "bob"), vec![(TodoKind::Ratify, am)]);
    let challenge = w.amendment(&am).challenge;
    assert!(
        w.state()
            .challenge_is_open(&w.state().challenges[&challenge])
    );
    w.ok("bob", ratify(am, 20));
    // Answered by a ratified amendment: no longer open business.
    assert!(
        !w.state()
            .challenge_is_open(&w.state().challenges[&challenge])
    );
    for name in ["alice", "bob", "chloe", "eve", "fred"] {
        assert!(
            awaits(&w, name).is_empty(),
            "{name}: {:?}",
            awaits(&w, name)
        );
    }
}

#[test]
fn an_application_asks_its_electorate_then_the_newcomer() {
    let mut w = World::coop();
    let application = w.ok("dana", apply("dana", "learners"));
    let due = w.clock + 7 * DAY_MS;
    // Admission is the learners' to decide (coop_rules), after 7 days.
    for name in ["bob", "chloe", "eve"] {
        let items = todo(&w.state(), &pk(name), w.clock);
        assert_eq!(items.len(), 1, "{name}");
        assert_eq!(items[0].kind, TodoKind::DecideApplication);
        assert_eq!(items[0].subject, application);
        assert_eq!(items[0].title, "dana");
        assert_eq!(items[0].due, Some(due));
    }
    for name in ["alice", "fred"] {
        assert!(
            awaits(&w, name).is_empty(),
            "{name} does not decide admissions"
        );
    }
    // Someone who is not a member is asked nothing.
    assert!(awaits(&w, "dana").is_empty());
    w.days(7);
    w.ok("bob", decide(application, Outcome::Adopted, ""));
    assert!(awaits(&w, "bob").is_empty());
    assert_eq!(
        awaits(&w, "dana"),
        vec![(TodoKind::SignCharter, application)]
    );
    let version = w.state().in_force().hash.clone();
    w.ok("dana", sign_charter(application, &version));
    assert!(awaits(&w, "dana").is_empty());
}

#[test]
fn an_exclusion_tells_the_member_their_hearing_and_asks_the_others() {
    let mut w = World::coop();
    let hearing = w.clock + 15 * DAY_MS;
    let proposal = w.ok("fred", exclude("eve", w.clock, hearing));
    let eve = todo(&w.state(), &pk("eve"), w.clock);
    assert_eq!(eve.len(), 1);
    assert_eq!(eve[0].kind, TodoKind::MyHearing);
    assert_eq!(eve[0].due, Some(hearing));
    // The others: the hearing (dated, so first), then their reaction; the
    // proposer has only the hearing.
    assert_eq!(
        awaits(&w, "bob"),
        vec![
            (TodoKind::ExclusionHearing, proposal),
            (TodoKind::ReactProposal, proposal)
        ]
    );
    assert_eq!(
        awaits(&w, "fred"),
        vec![(TodoKind::ExclusionHearing, proposal)]
    );
    w.ok("bob", react(proposal, None, Stance::Yes));
    assert_eq!(
        awaits(&w, "bob"),
        vec![(TodoKind::ExclusionHearing, proposal)]
    );
}

#[test]
fn open_tensions_await_a_facilitator_and_dated_items_come_first() {
    let mut w = World::coop();
    let raised = w.ok("bob", tension("the schedule"));
    assert_eq!(awaits(&w, "fred"), vec![(TodoKind::TakeUpTension, raised)]);
    assert!(awaits(&w, "chloe").is_empty(), "not a facilitator");
    w.days(1);
    let application = w.ok("dana", apply("dana", "learners"));
    // Chloé: the application (dated) before anything undated.
    let (_, am, _) = w.open_amendment("alice", &["s3"], 11);
    assert_eq!(
        awaits(&w, "chloe"),
        vec![
            (TodoKind::DecideApplication, application),
            (TodoKind::ReactAmendment, am)
        ]
    );
    w.ok("fred", tension_update(raised, TensionStatus::InProcess));
    assert!(!has(&w, "fred", TodoKind::TakeUpTension, raised));
    // A member who left is asked nothing.
    w.ok("chloe", leave());
    assert!(awaits(&w, "chloe").is_empty());
}

#[test]
fn a_device_sees_its_members_items_until_it_is_revoked() {
    let mut w = World::coop();
    w.ok("bob", certify("bob-laptop"));
    let (_, am, _) = w.open_amendment("alice", &["s3"], 11);
    let of = |w: &World, device: &str| -> Vec<(TodoKind, RecordId)> {
        todo_of_device(&w.state(), &pk(device), w.clock)
            .into_iter()
            .map(|t| (t.kind, t.subject))
            .collect()
    };
    assert_eq!(of(&w, "bob-laptop"), vec![(TodoKind::ReactAmendment, am)]);
    assert_eq!(of(&w, "bob-laptop"), awaits(&w, "bob"));
    w.ok("bob", revoke("bob-laptop"));
    assert!(
        of(&w, "bob-laptop").is_empty(),
        "a revoked device acts for nobody"
    );
    assert_eq!(of(&w, "bob"), vec![(TodoKind::ReactAmendment, am)]);
    // A device no record names: only what awaits it as an applicant.
    assert!(of(&w, "stranger").is_empty());
}
