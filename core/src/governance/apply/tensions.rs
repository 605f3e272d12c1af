//! Tensions: a member raises something that does not work, and it moves from
//! open to in process, then resolved or escalated. An escalated tension can
//! become a challenge (see `amendments.rs`).

use super::*;
use crate::record::{Tension, TensionUpdate};

impl Fold<'_> {
    /// `tension.open`: a member raises a tension.
    pub(super) fn tension(&mut self, i: usize, record: &Record, tension: &Tension) -> Check {
        let id = record.id();
        let author = self.active_member(i)?;
        require(!tension.summary.trim().is_empty(), || {
            "a tension needs a summary".into()
        })?;
        self.state.tensions.insert(
            id,
            TensionState {
                record: id,
                author: author.member,
                path: tension.path,
                summary: tension.summary.clone(),
                section: tension.section.clone(),
                status: TensionStatus::Open,
                history: vec![(id, TensionStatus::Open, String::new(), record.timestamp())],
                challenges: Vec::new(),
            },
        );
        Ok(())
    }

    /// `tension.update`: a member moves a tension on.
    pub(super) fn tension_update(
        &mut self,
        i: usize,
        record: &Record,
        update: &TensionUpdate,
    ) -> Check {
        let id = record.id();
        self.active_member(i)?;
        self.reference(i, &update.tension, "tension")?;
        let tension = self
            .state
            .tensions
            .get_mut(&update.tension)
            .ok_or("refers to a record that is not a tension")?;
        let allowed = matches!(
            (tension.status, update.status),
            (TensionStatus::Open, TensionStatus::InProcess)
                | (
                    TensionStatus::Open | TensionStatus::InProcess,
                    TensionStatus::Resolved | TensionStatus::Escalated,
                )
        );
        require(allowed, || {
            format!(
                "a tension cannot go from {:?} to {:?}",
                tension.status, update.status
            )
            .to_lowercase()
        })?;
        tension.status = update.status;
        tension
            .history
            .push((id, update.status, update.note.clone(), record.timestamp()));
        Ok(())
    }
}
