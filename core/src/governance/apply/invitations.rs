//! Invitations: a member invites whoever holds an invitation's secret to
//! apply (`invitation.issue`), and may withdraw it (`invitation.revoke`).
//! An application made with one (`member.apply` naming it) must build on
//! it, prove it holds its secret (a signature by the invitation's key over
//! the community, the invitation and the applicant's device), ask for its
//! college if it names one, and come before its expiry, its revocation
//! and its last use. The times are the records' own: the relay, which
//! lets an invited applicant in, checks its own clock as well.

use super::*;
use crate::record::{Apply, Invite, Invited, RevokeInvitation};

impl Fold {
    /// `invitation.issue`: a member in good standing invites.
    pub(super) fn invite(&mut self, i: usize, record: &Record, invite: &Invite) -> Check {
        let author = self.active_member(i)?;
        require(invite.key.is_sound(), || reason!(UnsoundInvitationKey))?;
        if let Some(college) = &invite.college {
            require(self.state.colleges.iter().any(|c| &c.id == college), || {
                reason!(NoCollege, college = college.clone())
            })?;
        }
        require(invite.expires > record.timestamp(), || {
            reason!(InvitationExpiresTooSoon)
        })?;
        require(invite.uses != Some(0), || reason!(InvitationNoUses))?;
        self.state.invitations.insert(
            record.id(),
            InvitationState {
                record: record.id(),
                by: author.member,
                key: invite.key,
                college: invite.college.clone(),
                expires: invite.expires,
                uses: invite.uses,
                used: Vec::new(),
                revoked: None,
                at: record.timestamp(),
            },
        );
        Ok(())
    }

    /// `invitation.revoke`: the device that issued an invitation withdraws
    /// it; applications dated from then on are refused. Only that device:
    /// so whether an application came after a revocation is read off the
    /// records alone, whatever order the replay meets them in (see
    /// [`Fold::use_invitation`]). A revocation that saw another is
    /// refused; of two concurrent ones, the older (date, depth, id) is the
    /// one the state keeps.
    pub(super) fn revoke_invitation(
        &mut self,
        i: usize,
        record: &Record,
        revoke: &RevokeInvitation,
    ) -> Check {
        let at = self.reference(i, &revoke.invitation, "invitation")?;
        require(record.author() == self.dag.order[at].author(), || {
            reason!(RevokeOnlyIssuer)
        })?;
        let invitation = self
            .state
            .invitations
            .get(&revoke.invitation)
            .cloned()
            .ok_or_else(|| reason!(NotAnInvitation, record = revoke.invitation.short()))?;
        if let Some((earlier, _)) = invitation.revoked {
            let seen = self
                .dag
                .index
                .get(&earlier)
                .copied()
                .is_some_and(|e| self.builds_on(i, e));
            require(!seen, || reason!(InvitationAlreadyRevoked))?;
            if self.dag.causal_key_of(&earlier) < self.dag.causal_key(i) {
                return Ok(());
            }
        }
        let mut invitation = invitation;
        invitation.revoked = Some((record.id(), record.timestamp()));
        self.state.invitations.insert(revoke.invitation, invitation);
        Ok(())
    }

    /// The invitation `invited` names, held by record `i`'s author at its
    /// time: `i` builds on it, the proof holds for this device, and `i`
    /// comes before its expiry and before any revocation by its issuing
    /// device — found among all the records (not only those the replay met
    /// before this one), so the verdict does not depend on how concurrent
    /// records are ordered. Its index and state.
    pub(super) fn held_invitation(
        &mut self,
        i: usize,
        record: &Record,
        invited: &Invited,
    ) -> Check<(usize, InvitationState)> {
        let inv_at = self.reference(i, &invited.id, "invitation")?;
        let invitation = self
            .state
            .invitations
            .get(&invited.id)
            .cloned()
            .ok_or_else(|| reason!(NotAnInvitation, record = invited.id.short()))?;
        require(
            crate::record::invitation_proof_holds(
                &invitation.key,
                &record.community(),
                &invited.id,
                &record.author(),
                &invited.proof,
            ),
            || reason!(InvitationProofFails),
        )?;
        let at = record.timestamp();
        require(at < invitation.expires, || reason!(InvitationExpired))?;
        let issuer = self.dag.order[inv_at].author();
        let revoked = (0..self.dag.order.len())
            .filter(|&j| {
                let other = &self.dag.order[j];
                other.author() == issuer
                    && other.timestamp() <= at
                    && matches!(other.payload(), Payload::RevokeInvitation(r) if r.invitation == invited.id)
            })
            .collect::<Vec<usize>>()
            .into_iter()
            .any(|j| self.builds_on(j, inv_at));
        require(!revoked, || reason!(InvitationRevoked))?;
        Ok((inv_at, invitation))
    }

    /// The invitation an application names, if it names one: it must hold
    /// for this applicant at the application's time. Counts the use: an
    /// invitation of `n` uses admits the first `n` applications that prove
    /// it (by date, depth, id), even one refused for another reason.
    pub(super) fn use_invitation(
        &mut self,
        i: usize,
        record: &Record,
        apply: &Apply,
        invited: &Invited,
    ) -> Check {
        let (inv_at, mut invitation) = self.held_invitation(i, record, invited)?;
        if let Some(uses) = invitation.uses {
            // The uses go to the first applications that prove the
            // invitation, in the order that does not depend on the
            // tie-break (date, depth, id): two concurrent applications on
            // a last use get the same verdicts on every peer, whatever
            // order the replay met them in.
            let (key, expires) = (invitation.key, invitation.expires);
            let mine = self.dag.causal_key(i);
            let community = record.community();
            let before = (0..self.dag.order.len())
                .filter(|&j| j != i && self.dag.causal_key(j) < mine)
                .filter(|&j| {
                    let other = &self.dag.order[j];
                    matches!(other.payload(), Payload::Apply(Apply { invitation: Some(theirs), .. })
                    if theirs.id == invited.id
                        && other.timestamp() < expires
                        && crate::record::invitation_proof_holds(
                            &key, &community, &invited.id, &other.author(), &theirs.proof,
                        ))
                })
                .collect::<Vec<usize>>()
                .into_iter()
                .filter(|&j| self.builds_on(j, inv_at))
                .count();
            require(before < uses as usize, || reason!(InvitationUsedUp))?;
        }
        if let Some(college) = &invitation.college {
            require(&apply.college == college, || {
                reason!(InvitationForCollege, college = college.clone())
            })?;
        }
        invitation.used.push(record.id());
        self.state.invitations.insert(invited.id, invitation);
        Ok(())
    }
}
