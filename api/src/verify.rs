//! Verifying a bundle offline: a pure function of its bytes, the same
//! report byte for byte on every machine (`docs/governance.md`, "Verify").

use nous_core::verify::Report;
use serde::Serialize;

use crate::sync::Progress;
use crate::{Error, Result};

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    /// The report: communities, documents, rejected acts, problems.
    pub report: Report,
    /// The SHA-256 of its canonical form, to compare in one line.
    pub report_hash: String,
}

impl Verified {
    /// Whether the history is intact (every signature, cited record,
    /// attestation and version holds); acts rejected under the rules do
    /// not make it otherwise.
    pub fn intact(&self) -> bool {
        self.report.ok
    }
}

/// Verify a bundle: every signature, every cited record, the DAG, the
/// content attestations and the versions' text, and every act judged under
/// the rules. A bundle that cannot be read at all is an error; a history
/// that is not intact is a report with `intact() == false`.
pub fn verify(bundle: &[u8]) -> Result<Verified> {
    verify_with_progress(bundle, &mut |_, _| {})
}

/// [`verify`], telling `progress` how far it is: `(done, total)`, from
/// `(0, total)` up to `(total, total)`, counting the bundle's documents
/// (read through the guard) and records (signatures checked). The report
/// and its hash are the same.
pub fn verify_with_progress(bundle: &[u8], progress: Progress<'_>) -> Result<Verified> {
    let report = nous_core::verify::verify_with_progress(bundle, progress)
        .map_err(nous_core::Error::from)?;
    let report_hash = report.hash();
    Ok(Verified {
        report,
        report_hash,
    })
}

impl From<nous_core::verify::VerifyError> for Error {
    fn from(error: nous_core::verify::VerifyError) -> Self {
        Error::Engine(error.into())
    }
}
