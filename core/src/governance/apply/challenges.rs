//! Closing a challenge: its author withdraws it, or it is declined with a
//! reason — by a facilitator, or, in a community without facilitators, by
//! any member but its author (`Fold::is_facilitator_or_member`). A closed
//! challenge is no longer open business and is answered by no new
//! amendment. A challenge answered by a ratified amendment is closed
//! already (`State::challenge_is_open`) and takes no `challenge.close`.
//!
//! Of two concurrent closes of one challenge, the older (date, depth, id)
//! stands, whichever the replay visits first.

use super::*;
use crate::record::{ChallengeClose, ChallengeOutcome};

impl Fold {
    /// `challenge.close`: a member closes a challenge they saw open.
    pub(super) fn close_challenge(
        &mut self,
        i: usize,
        record: &Record,
        close: &ChallengeClose,
    ) -> Check {
        let author = self.active_member(i)?;
        self.reference(i, &close.challenge, "challenge")?;
        let challenge = self
            .state
            .challenges
            .get(&close.challenge)
            .ok_or_else(|| reason!(NotAChallenge))?;
        let (challenger, closed) = (challenge.author, challenge.closed.clone());
        let answered: Vec<RecordId> = challenge
            .amendments
            .iter()
            .filter(|a| {
                self.state
                    .amendments
                    .get(a)
                    .is_some_and(|a| a.phase == Phase::Merged)
            })
            .copied()
            .collect();
        match close.outcome {
            ChallengeOutcome::Withdrawn => {
                require(author.member == challenger, || reason!(WithdrawOnlyAuthor))?
            }
            ChallengeOutcome::Declined => {
                self.is_facilitator_or_member(&author, &challenger)?;
                require(!close.reason.trim().is_empty(), || {
                    reason!(ChallengeDeclineNeedsReason)
                })?;
            }
        }
        // Answered by an amendment whose ratification its author had seen.
        let seen_answered = answered.into_iter().any(|amendment| {
            let version = self
                .state
                .amendments
                .get(&amendment)
                .and_then(|a| a.version);
            version.is_some_and(|v| self.saw_version(i, v))
        });
        require(!seen_answered, || reason!(ChallengeAnswered))?;
        let mut rivals = Vec::new();
        if let Some(closed) = &closed {
            require(!self.saw(i, &closed.record), || {
                reason!(ChallengeAlreadyClosed)
            })?;
            if let Some(&at) = self.dag.index.get(&closed.record) {
                rivals.push(at);
            }
        }
        self.yields_to_all(i, &rivals)?;
        if let Some(challenge) = self.state.challenges.get_mut(&close.challenge) {
            challenge.closed = Some(ChallengeClosed {
                record: record.id(),
                by: author.member,
                outcome: close.outcome,
                reason: close.reason.clone(),
                at: record.timestamp(),
            });
        }
        Ok(())
    }

    /// Record `i` answers `challenge`: refused if its author had seen the
    /// challenge closed.
    pub(super) fn not_closed_seen(&mut self, i: usize, challenge: &RecordId) -> Check {
        let closed = self
            .state
            .challenges
            .get(challenge)
            .and_then(|c| c.closed.as_ref().map(|c| c.record));
        require(!closed.is_some_and(|c| self.saw(i, &c)), || {
            reason!(AnswersClosedChallenge)
        })
    }
}
