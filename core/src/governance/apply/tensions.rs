//! Tensions: a member raises something that does not work, and it moves from
//! open to in process, then resolved or escalated. An escalated tension can
//! become a challenge (see `amendments.rs`).

use super::*;
use crate::record::{Tension, TensionUpdate};

impl Fold {
    /// `tension.open`: a member raises a tension.
    pub(super) fn tension(&mut self, i: usize, record: &Record, tension: &Tension) -> Check {
        let id = record.id();
        let author = self.active_member(i)?;
        require(!tension.summary.trim().is_empty(), || {
            reason!(TensionNeedsSummary)
        })?;
        self.state.tensions.insert(
            id,
            Arc::new(TensionState {
                record: id,
                author: author.member,
                path: tension.path,
                summary: tension.summary.clone(),
                section: tension.section.clone(),
                status: TensionStatus::Open,
                history: vec![(id, TensionStatus::Open, String::new(), record.timestamp())],
                challenges: Vec::new(),
            }),
        );
        Ok(())
    }

    /// `tension.update`: a member moves a tension on, from the status they
    /// saw. Of two updates made concurrently that move it to different
    /// statuses, the older stands (date, depth, id), whichever the replay
    /// visits first; concurrent updates to the same status both hold.
    pub(super) fn tension_update(
        &mut self,
        i: usize,
        record: &Record,
        update: &TensionUpdate,
    ) -> Check {
        let id = record.id();
        self.active_member(i)?;
        self.reference(i, &update.tension, "tension")?;
        let history: Vec<(RecordId, TensionStatus)> = self
            .state
            .tensions
            .get(&update.tension)
            .ok_or_else(|| reason!(NotATension))?
            .history
            .iter()
            .map(|(r, status, _, _)| (*r, *status))
            .collect();
        let mut seen = TensionStatus::Open;
        let mut rivals = Vec::new();
        for (r, status) in history {
            if r == update.tension || self.saw(i, &r) {
                seen = status;
            } else if status != update.status
                && let Some(&at) = self.dag.index.get(&r)
            {
                rivals.push(at);
            }
        }
        let allowed = matches!(
            (seen, update.status),
            (TensionStatus::Open, TensionStatus::InProcess)
                | (
                    TensionStatus::Open | TensionStatus::InProcess,
                    TensionStatus::Resolved | TensionStatus::Escalated,
                )
        );
        require(allowed, || {
            reason!(
                TensionTransition,
                from = ReasonArg::tension_status(seen),
                to = ReasonArg::tension_status(update.status)
            )
        })?;
        self.yields_to_all(i, &rivals)?;
        let dag = Arc::clone(&self.dag);
        let tension = Arc::make_mut(
            self.state
                .tensions
                .get_mut(&update.tension)
                .ok_or_else(|| reason!(NotATension))?,
        );
        tension
            .history
            .push((id, update.status, update.note.clone(), record.timestamp()));
        tension.history.sort_by_key(|(r, ..)| dag.causal_key_of(r));
        tension.status = tension.history.last().map_or(update.status, |h| h.1);
        Ok(())
    }
}
