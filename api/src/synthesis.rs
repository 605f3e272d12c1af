//! The synthesis of a public participation (`home.synthesis(…)`,
//! `home.publish_synthesis(…)`): the report `nous_core::synthesis`
//! computes, now or as a signed `synthesis.publish` record that
//! `nous verify` recomputes from a bundle.

use nous_core::ChangeHash;
use nous_core::community::Community;
use nous_core::governance::ResolveOptions;
use nous_core::record::{Heads, Payload, RecordId, SYNTHESIS_METHOD, SynthesisPublish, Version};
use nous_core::synthesis;
pub use nous_core::synthesis::{SynthesisError, SynthesisReport};

use crate::governance::Nothing;
use crate::{Home, Result};

impl Home {
    /// The synthesis of a participation (its record by id or prefix) of a
    /// community (id, prefix or name; `None`: the home's only one),
    /// computed now on the text at `at` (its current heads in this home by
    /// default).
    pub fn synthesis(
        &mut self,
        community: Option<&str>,
        participation: &str,
        at: Option<&[ChangeHash]>,
    ) -> Result<SynthesisReport> {
        let community = self.governance().community(community)?;
        let (id, doc) = participation_of(&community, participation)?;
        let heads = match at {
            Some(heads) => heads.to_vec(),
            None => self.heads(&doc)?,
        };
        let text = self.document(&doc)?;
        Ok(synthesis::compute(&community.state, &id, text, &heads)
            .map_err(nous_core::Error::from)?)
    }

    /// Publish the synthesis of a participation: computed on the text's
    /// current heads in this home, from exactly the records the signed
    /// `synthesis.publish` builds on (the community's current heads), so
    /// `nous verify` reproduces it. Durable on return.
    pub fn publish_synthesis(
        &mut self,
        community: Option<&str>,
        participation: &str,
    ) -> Result<(RecordId, SynthesisReport)> {
        let community = self.governance().community(community)?;
        let (id, doc) = participation_of(&community, participation)?;
        let heads = self.heads(&doc)?;
        let records: Vec<_> = community.records.iter().cloned().collect();
        // The act cites the community's heads as its parents: the report
        // is computed from them and their ancestors.
        let report = synthesis::compute_on(
            community.id,
            &records,
            &community.state.heads,
            &id,
            self.document(&doc)?,
            &heads,
            ResolveOptions::default(),
        )
        .map_err(nous_core::Error::from)?;
        let payload = Payload::SynthesisPublish(SynthesisPublish {
            participation: id,
            text: Version {
                doc,
                heads: Heads::new(heads),
            },
            method: SYNTHESIS_METHOD.to_owned(),
            hash: report.hash(),
            figures: report.figures(),
        });
        let recorded = self.governance().act(&community, payload, Nothing {})?;
        Ok((recorded.record, report))
    }
}

/// The participation named (record id or prefix), and its text document.
fn participation_of(community: &Community, text: &str) -> Result<(RecordId, nous_core::DocId)> {
    let id = community.record_by_ref(text)?;
    let p = community
        .state
        .participations
        .get(&id)
        .ok_or(nous_core::Error::WrongKind {
            id,
            what: "a participation",
        })?;
    Ok((id, p.text.doc))
}
