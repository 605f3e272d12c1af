//! Documents shared with the community: a member attaches a document (the
//! minutes, open data…) with a title and an access — `members` (members
//! read and write) or `public` (anyone reads, members write). A later share
//! of the same document, by any member, replaces the title and the access:
//! the latest holds, by date, then depth in the DAG, then id (never by
//! where the replay happens to place two concurrent shares). The charter and the amendment drafts
//! belong to the community without a share (`State::document_access`); a
//! share of one of them changes who may read it.

use super::*;
use crate::record::DocumentShare;

impl Fold {
    /// `document.share`: a member in good standing shares a document, or
    /// changes its title or access.
    pub(super) fn share_document(
        &mut self,
        i: usize,
        record: &Record,
        share: &DocumentShare,
    ) -> Check {
        let author = self.active_member(i)?;
        require(!share.title.trim().is_empty(), || reason!(ShareNeedsTitle))?;
        let latest = match self.state.documents.get(&share.doc) {
            Some(held) => self.dag.causal_key_of(&held.record) < self.dag.causal_key(i),
            None => true,
        };
        if !latest {
            // Accepted, but an older share of the two: the other holds.
            return Ok(());
        }
        self.state.documents.insert(
            share.doc,
            DocumentState {
                title: share.title.clone(),
                access: share.access,
                shared_by: author.member,
                record: record.id(),
            },
        );
        Ok(())
    }
}
