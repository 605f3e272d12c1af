//! Invitations: who may issue and revoke them, and what an application
//! made with one must show (proof, college, expiry, revocation, uses).

use super::*;
use crate::record::{Invite, Invited, RevokeInvitation, invitation_proof};

fn invite(secret: &str, college: Option<&str>, expires: u64, uses: Option<u32>) -> Payload {
    Payload::Invite(Invite {
        key: pk(secret),
        college: college.map(Into::into),
        expires,
        uses,
    })
}

fn revoke_invitation(invitation: RecordId) -> Payload {
    Payload::RevokeInvitation(RevokeInvitation { invitation })
}

impl World {
    /// `who` applies with `invitation`, proving it with the key `secret`.
    fn apply_invited(
        &mut self,
        who: &str,
        college: &str,
        invitation: RecordId,
        secret: &str,
    ) -> Record {
        let proof = invitation_proof(&key(secret), &self.community, &invitation, &pk(who));
        let payload = Payload::Apply(Apply {
            name: who.into(),
            college: college.into(),
            motivation: "invited".into(),
            invitation: Some(Invited {
                id: invitation,
                proof,
            }),
        });
        self.act(who, payload)
    }

    #[track_caller]
    fn rejected(&self, record: &Record, why: &str) {
        match self.verdict(&record.id()) {
            Verdict::Rejected(reason) => {
                assert!(reason.to_string().contains(why), "`{reason}` vs `{why}`")
            }
            other => panic!("expected a rejection ({why}), got {other:?}"),
        }
    }
}

#[test]
fn a_member_invites_and_the_invited_apply_once_per_use() {
    let mut w = World::coop();
    let expires = w.clock + 7 * DAY_MS;
    w.no(
        "mallory",
        invite("inv", None, expires, Some(2)),
        "not a member's certified device",
    );
    w.no(
        "alice",
        invite("inv", Some("pirates"), expires, None),
        "no college",
    );
    w.no("alice", invite("inv", None, w.clock, None), "expire after");
    w.no(
        "alice",
        invite("inv", None, expires, Some(0)),
        "at least one",
    );
    let invitation = w.ok("alice", invite("inv", None, expires, Some(2)));
    let state = w.state();
    let held = &state.invitations[&invitation];
    assert_eq!(held.by, pk("alice"));
    assert!(held.open_at(w.clock));

    let dora = w.apply_invited("dora", "learners", invitation, "inv");
    assert_eq!(w.verdict(&dora.id()), Verdict::Accepted);
    // A proof made for another device does not carry over.
    let proof = invitation_proof(&key("inv"), &w.community, &invitation, &pk("dora"));
    let stolen = w.act(
        "gus",
        Payload::Apply(Apply {
            name: "gus".into(),
            college: "learners".into(),
            motivation: String::new(),
            invitation: Some(Invited {
                id: invitation,
                proof,
            }),
        }),
    );
    w.rejected(&stolen, "proof does not hold");
    w.records.retain(|r| r.id() != stolen.id());
    // Nor does a key that is not the invitation's.
    let forged = w.apply_invited("gus", "learners", invitation, "another");
    w.rejected(&forged, "proof does not hold");
    w.records.retain(|r| r.id() != forged.id());

    let hugo = w.apply_invited("hugo", "partners", invitation, "inv");
    assert_eq!(w.verdict(&hugo.id()), Verdict::Accepted);
    let ivy = w.apply_invited("ivy", "learners", invitation, "inv");
    w.rejected(&ivy, "used as many times");
    let state = w.state();
    assert_eq!(
        state.invitations[&invitation].used,
        vec![dora.id(), hugo.id()]
    );
    assert!(!state.invitations[&invitation].open_at(w.clock));
    // The applications are ordinary ones: members decide.
    assert_eq!(
        state.applications[&dora.id()].state,
        ApplicationState::Pending
    );
}

#[test]
fn college_expiry_and_revocation_hold() {
    let mut w = World::coop();
    let expires = w.clock + 2 * DAY_MS;
    let staff_only = w.ok("alice", invite("s", Some("staff"), expires, None));
    let wrong = w.apply_invited("dora", "learners", staff_only, "s");
    w.rejected(&wrong, "for college `staff`");
    w.records.retain(|r| r.id() != wrong.id());
    let right = w.apply_invited("dora", "staff", staff_only, "s");
    assert_eq!(w.verdict(&right.id()), Verdict::Accepted);

    w.days(3);
    let late = w.apply_invited("gus", "staff", staff_only, "s");
    w.rejected(&late, "expired");
    w.records.retain(|r| r.id() != late.id());

    let open = w.ok("bob", invite("o", None, w.clock + 30 * DAY_MS, None));
    w.no(
        "mallory",
        revoke_invitation(open),
        "only the device that issued",
    );
    w.no(
        "chloe",
        revoke_invitation(open),
        "only the device that issued",
    );
    w.days(1);
    w.ok("bob", revoke_invitation(open));
    w.no("bob", revoke_invitation(open), "already revoked");
    w.days(1);
    let after = w.apply_invited("gus", "learners", open, "o");
    w.rejected(&after, "revoked");
    let state = w.state();
    assert!(state.invitations[&open].revoked.is_some());
    assert!(!state.invitations[&open].open_at(w.clock));
}

#[test]
fn an_application_must_build_on_its_invitation() {
    let mut w = World::coop();
    let invitation = w.ok("alice", invite("inv", None, w.clock + DAY_MS, None));
    let genesis = w.records[0].id();
    let proof = invitation_proof(&key("inv"), &w.community, &invitation, &pk("dora"));
    let blind = w.sign_on(
        "dora",
        Payload::Apply(Apply {
            name: "dora".into(),
            college: "learners".into(),
            motivation: String::new(),
            invitation: Some(Invited {
                id: invitation,
                proof,
            }),
        }),
        vec![genesis],
    );
    match w.push(&blind) {
        Verdict::Rejected(reason) => assert!(
            reason.to_string().contains("without building on it"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn uses_are_counted_alike_in_every_replay_order() {
    let mut w = World::coop();
    let invitation = w.ok("alice", invite("inv", None, w.clock + DAY_MS, Some(1)));
    let heads = w.heads();
    let make = |w: &World, who: &str| {
        let proof = invitation_proof(&key("inv"), &w.community, &invitation, &pk(who));
        w.sign_on(
            who,
            Payload::Apply(Apply {
                name: who.into(),
                college: "learners".into(),
                motivation: String::new(),
                invitation: Some(Invited {
                    id: invitation,
                    proof,
                }),
            }),
            heads.clone(),
        )
    };
    let dora = make(&w, "dora");
    let gus = make(&w, "gus");
    w.records.push(dora.clone());
    w.records.push(gus.clone());
    let states = w.in_both_replay_orders(dora.id(), gus.id());
    let accepted = |s: &State| {
        [dora.id(), gus.id()]
            .into_iter()
            .filter(|id| s.verdict(id) == Some(&Verdict::Accepted))
            .collect::<Vec<_>>()
    };
    assert_eq!(accepted(&states[0]).len(), 1);
    assert_eq!(accepted(&states[0]), accepted(&states[1]));
}

#[test]
fn a_revocation_concurrent_with_an_application_is_judged_by_their_dates_in_every_order() {
    let mut w = World::coop();
    let invitation = w.ok("bob", invite("inv", None, w.clock + 30 * DAY_MS, None));
    let heads = w.heads();
    w.days(1);
    // Bob revokes on what he saw; Dora (a day later) and Gus (a day
    // earlier, on the invitation alone) apply without seeing it.
    let revocation = w.sign_on("bob", revoke_invitation(invitation), heads);
    let applying = |w: &World, who: &str, at: u64| {
        let proof = invitation_proof(&key("inv"), &w.community, &invitation, &pk(who));
        w.sign_at(
            who,
            Payload::Apply(Apply {
                name: who.into(),
                college: "learners".into(),
                motivation: String::new(),
                invitation: Some(Invited {
                    id: invitation,
                    proof,
                }),
            }),
            vec![invitation],
            at,
        )
    };
    let late = applying(&w, "dora", w.clock + DAY_MS);
    let early = applying(&w, "gus", w.clock - DAY_MS / 2);
    w.records.push(revocation.clone());
    w.records.push(late.clone());
    w.records.push(early.clone());
    for (application, holds) in [(&late, false), (&early, true)] {
        for state in w.in_both_replay_orders(revocation.id(), application.id()) {
            let verdict = state.verdict(&application.id()).cloned();
            assert_eq!(verdict == Some(Verdict::Accepted), holds, "{verdict:?}");
        }
    }
}
