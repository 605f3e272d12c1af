//! Bundles: documents and signed records in one file, to carry a charter
//! and its community's history between homes without a network
//! (`docs/formats.md`).

use std::collections::HashSet;

use nous_core::record::CommunityId;
use nous_core::{Bundle, DocId, ImportOutcome, Imported};
use serde::Serialize;

use crate::conflicts::{self, ConflictView};
use crate::sync::Progress;
use crate::{Event, Home, Invalid, Result};

/// The bundles of a home ([`Home::bundles`]).
#[derive(Debug)]
pub struct Bundles<'h> {
    home: &'h mut Home,
}

/// A bundle made.
#[derive(Debug, Clone, Serialize)]
pub struct BundleExported {
    /// The documents in it.
    pub documents: Vec<DocId>,
    /// The communities whose records are in it.
    pub communities: Vec<CommunityId>,
    /// How many signed records.
    pub records: usize,
    /// Its bytes (in JSON: their number).
    #[serde(serialize_with = "length")]
    pub bytes: Vec<u8>,
}

fn length<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(bytes.len() as u64)
}

/// A bundle imported (all of it, or nothing).
#[derive(Debug, Clone, Serialize)]
pub struct BundleImported {
    /// Each document, in bundle order, and what the import did to it.
    pub imported: Vec<Imported>,
    /// The signed records in the bundle.
    pub records: usize,
    /// Of those, how many were new here.
    pub new_records: usize,
    /// The conflicts the merge created.
    pub conflicts: Vec<ConflictView>,
}

impl Home {
    /// The bundles of this home.
    pub fn bundles(&mut self) -> Bundles<'_> {
        Bundles { home: self }
    }
}

impl Bundles<'_> {
    /// A bundle of the documents named (ids, prefixes or titles) and of the
    /// communities named (ids, prefixes or names) — every document and its
    /// communities when both are empty. A community's records come with
    /// its charter and amendment drafts, and a document with the records
    /// of the communities that own it.
    pub fn export(&mut self, docs: &[String], communities: &[String]) -> Result<BundleExported> {
        self.export_with_progress(docs, communities, &mut |_, _| {})
    }

    /// [`Bundles::export`], telling `progress` how far it is: `(done,
    /// total)`, counting the documents (each loaded and saved) and the
    /// communities (their records read).
    pub fn export_with_progress(
        &mut self,
        docs: &[String],
        communities: &[String],
        progress: Progress<'_>,
    ) -> Result<BundleExported> {
        let home = &mut *self.home;
        let docs: Vec<DocId> = if docs.is_empty() && communities.is_empty() {
            home.list()?.into_iter().map(|d| d.id).collect()
        } else {
            docs.iter()
                .map(|n| home.resolve(n))
                .collect::<nous_core::Result<_>>()?
        };
        let (documents, communities) = home.bundle_selection(&docs, communities)?;
        if documents.is_empty() && communities.is_empty() {
            return Err(Invalid::NothingToExport.into());
        }
        let bytes = home.export_bundle_with_progress(&documents, &communities, progress)?;
        let records = communities
            .iter()
            .map(|c| home.records(c).map(|r| r.len()))
            .sum::<nous_core::Result<usize>>()?;
        Ok(BundleExported {
            documents,
            communities,
            records,
            bytes,
        })
    }

    /// Import a bundle: all of it or, with the reason, nothing.
    pub fn import(&mut self, bytes: &[u8]) -> Result<BundleImported> {
        self.import_with_progress(bytes, &mut |_, _| {})
    }

    /// [`Bundles::import`], telling `progress` how far it is: `(done,
    /// total)`, from `(0, total)` up to `(total, total)` once the import is
    /// written, counting the bundle's records (known here, or their
    /// signatures checked) and documents (checked and ready to merge).
    pub fn import_with_progress(
        &mut self,
        bytes: &[u8],
        progress: Progress<'_>,
    ) -> Result<BundleImported> {
        let home = &mut *self.home;
        // The heads of the bundle's documents that are here already, to
        // tell which conflicts the merge creates.
        let bundle = Bundle::decode(bytes).map_err(nous_core::Error::from)?;
        let known: HashSet<DocId> = home.list()?.into_iter().map(|d| d.id).collect();
        let here: Vec<DocId> = bundle
            .documents
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| known.contains(id))
            .collect();
        let before = conflicts::heads_before(home, here);
        let report = home.import_decoded_with_progress(bundle, progress)?;
        let mut created = Vec::new();
        for imported in report.iter() {
            if imported.outcome != ImportOutcome::Unchanged {
                created.extend(conflicts::new_conflicts(
                    home,
                    &imported.id,
                    before.get(&imported.id).map(Vec::as_slice),
                )?);
            }
        }
        for &(community, record, kind) in &report.added {
            self.home.emit(Event::Recorded {
                community,
                record,
                kind,
            });
        }
        for imported in report.iter() {
            if imported.outcome != ImportOutcome::Unchanged {
                self.home.emit(Event::Merged {
                    doc: imported.id,
                    outcome: imported.outcome,
                });
            }
        }
        Ok(BundleImported {
            imported: report.documents,
            records: report.records,
            new_records: report.new_records,
            conflicts: created,
        })
    }
}
