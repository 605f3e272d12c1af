//! A participation's open data: one ZIP archive
//! ([`nous_core::open_data`]), made of the community's state, the
//! sections of the text under consultation as it stands in this home, the
//! names given with consent ([`crate::names`]) and a bundle of the
//! community.

use nous_core::open_data::{self, ExportInput, SectionInfo};

use crate::{Home, Invalid, Result};

impl Home {
    /// The open-data export of `participation` (a record id or prefix) in
    /// `community` (id, prefix or name; `None`: the only one), with the
    /// synthesis report's JSON if one was computed: a ZIP archive that
    /// validates against its own `datapackage.json`. The sections and
    /// their words are read from the text under consultation at its
    /// current heads here; the bundle holds the community's records, its
    /// charter and drafts, and the text and contract where this home has
    /// them.
    pub fn export_participation(
        &mut self,
        community: Option<&str>,
        participation: &str,
        synthesis: Option<serde_json::Value>,
    ) -> Result<Vec<u8>> {
        let id = self.resolve_community(community)?;
        let community = self.community(&id)?;
        let participation = community.record_by_ref(participation)?;
        let Some(p) = community.state.participations.get(&participation).cloned() else {
            return Err(nous_core::Error::WrongKind {
                id: participation,
                what: "a participation",
            }
            .into());
        };
        let text = nous_core::charter::read(self.document(&p.text.doc)?, None)
            .map_err(nous_core::Error::from)?;
        let sections = text
            .sections
            .iter()
            .map(|s| SectionInfo {
                id: s.id.as_str().to_owned(),
                heading: s.heading.clone(),
                words: reported_words(synthesis.as_ref(), s.id.as_str())
                    .unwrap_or_else(|| section_words(s)),
            })
            .collect();
        let names = self.names(&id, &participation)?;
        let known: Vec<nous_core::DocId> = self.list()?.into_iter().map(|d| d.id).collect();
        let docs: Vec<nous_core::DocId> = [p.text.doc, p.contract.doc]
            .into_iter()
            .filter(|d| known.contains(d))
            .collect();
        let (docs, communities) = self.bundle_selection(&docs, &[id.to_string()])?;
        let bundle = self.export_bundle_with(&docs, &communities)?;
        let archive = open_data::export(&ExportInput {
            state: &community.state,
            participation,
            sections,
            synthesis: synthesis.as_ref(),
            names: &names,
            bundle: &bundle,
        })
        .map_err(|e| Invalid::Json(e.to_string()))?;
        Ok(archive)
    }
}

/// The words of a section as the synthesis counts them
/// ([`nous_core::synthesis::count_words`]): its heading, its prose and
/// each article's text, each part on its own (article numbers are not
/// words of the text).
fn section_words(section: &nous_core::charter::Section) -> u64 {
    use nous_core::synthesis::count_words;
    count_words(&section.heading)
        + count_words(&section.text)
        + section
            .articles
            .iter()
            .map(|a| count_words(&a.text))
            .sum::<u64>()
}

/// The words the synthesis report counted in a section (its
/// `final_words`), if the report has that section.
fn reported_words(synthesis: Option<&serde_json::Value>, section: &str) -> Option<u64> {
    synthesis?
        .get("sections")?
        .as_array()?
        .iter()
        .find(|s| s.get("section").and_then(serde_json::Value::as_str) == Some(section))?
        .get("final_words")?
        .as_u64()
}

impl Home {
    /// The latest published synthesis of `participation` (its
    /// `synthesis.publish` record and the report it publishes, recomputed
    /// from the records it builds on and the text as `nous verify` does),
    /// or `None` if none was published.
    pub fn published_synthesis(
        &mut self,
        community: Option<&str>,
        participation: &str,
    ) -> Result<
        Option<(
            nous_core::record::RecordId,
            nous_core::synthesis::SynthesisReport,
        )>,
    > {
        let community = self.governance().community(community)?;
        let id = community.record_by_ref(participation)?;
        let Some(p) = community.state.participations.get(&id) else {
            return Err(nous_core::Error::WrongKind {
                id,
                what: "a participation",
            }
            .into());
        };
        let Some(latest) = p.syntheses.last() else {
            return Ok(None);
        };
        let Some(record) = community.records.iter().find(|r| r.id() == latest.record) else {
            return Ok(None);
        };
        let records: Vec<_> = community.records.iter().cloned().collect();
        let report = nous_core::synthesis::recompute(
            community.id,
            &records,
            record,
            self.document(&p.text.doc)?,
            nous_core::governance::ResolveOptions::default(),
        )
        .map_err(nous_core::Error::from)?;
        Ok(Some((latest.record, report)))
    }
}

#[cfg(test)]
mod tests {
    use nous_core::record::{
        AuthorType, Category, Channel, Contributors, Heads, OpenParticipation, OpenPhase, Payload,
        PhaseKind, SubmitContribution, Version,
    };

    use crate::governance::NewCommunity;
    use crate::{Env, ErrorKind, Home};

    const NOW: u64 = 1_765_000_000_000;

    /// A community of one, a participation on a text of two sections, one
    /// contribution by this home's member.
    fn participation(dir: &std::path::Path) -> (Home, nous_core::record::RecordId, String) {
        Home::init_with_seed(dir, &[5; 32]).expect("init");
        let counter = std::sync::atomic::AtomicU8::new(1);
        let env = Env::fixed(NOW as i64).with_entropy(move |buffer: &mut [u8]| {
            for b in buffer.iter_mut() {
                *b = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        let mut home = Home::open(dir, env).expect("open");
        let charter =
            crate::Documents::import_markdown("# Charte\n\n## Objet\n\nNous.\n").expect("markdown");
        let charter = home
            .documents()
            .create("Charte", &charter)
            .expect("charter");
        let founded = home
            .governance()
            .found(NewCommunity {
                name: "Métropole",
                charter: &charter.id.to_string(),
                name_as: Some("Fred"),
                ..NewCommunity::default()
            })
            .expect("found");
        let id = founded.details.id;
        let text = crate::Documents::import_markdown(
            "# Plan vélo\n\n## Pistes\n\nDes pistes séparées partout.\n\n## Arceaux\n\nDes arceaux.\n",
        )
        .expect("markdown");
        let text = home.documents().create("Plan vélo", &text).expect("text");
        let heads = Heads::new(home.heads(&text.id).expect("heads"));
        let community = home.community(&id).expect("community");
        let open = home
            .act(
                &community,
                Payload::OpenParticipation(OpenParticipation {
                    title: "Plan vélo".into(),
                    text: Version {
                        doc: text.id,
                        heads: heads.clone(),
                    },
                    contract: Version {
                        doc: charter.id,
                        heads,
                    },
                    commitments: Vec::new(),
                    categories: vec![Category {
                        id: "mobility".into(),
                        label: "Mobilité".into(),
                    }],
                    answer_due: NOW + 1_000_000_000,
                    moderators: Vec::new(),
                    answerers: Vec::new(),
                    report_threshold: 0,
                }),
            )
            .expect("open")
            .record
            .id();
        let community = home.community(&id).expect("community");
        home.act(
            &community,
            Payload::OpenPhase(OpenPhase {
                participation: open,
                phase: PhaseKind::Strategy,
                opens_at: NOW,
                closes_at: None,
                contributors: Contributors::Anyone,
                channels: vec![Channel::Device],
                categories: Vec::new(),
            }),
        )
        .expect("phase");
        let community = home.community(&id).expect("community");
        let submitted = home
            .act(
                &community,
                Payload::SubmitContribution(SubmitContribution {
                    participation: open,
                    title: "Plus de pistes".into(),
                    body: "Rue Garibaldi".into(),
                    category: "mobility".into(),
                    author_type: AuthorType::Citizen,
                    anchor: None,
                    location: None,
                    channel: Channel::Device,
                    on_behalf_of: None,
                    invitation: None,
                }),
            )
            .expect("submit")
            .record
            .id();
        let community = home.community(&id).expect("community");
        let pseudonym = community.state.contributions[&submitted].pseudonym.clone();
        (home, open, pseudonym)
    }

    #[test]
    fn an_export_validates_and_an_erased_name_leaves_the_next_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut home, open, pseudonym) = participation(dir.path());
        let community = home.resolve_community(None).expect("community");
        home.record_name(&community, &open, &pseudonym, "Frédérique Dupont")
            .expect("name");
        let archive = home
            .export_participation(None, &open.to_string()[..8], None)
            .expect("export");
        let valid = nous_core::open_data::validate(&archive)
            .unwrap_or_else(|problems| panic!("{problems:#?}"));
        let contains = |files: &std::collections::BTreeMap<String, Vec<u8>>, text: &str| {
            files
                .values()
                .any(|b| b.windows(text.len()).any(|w| w == text.as_bytes()))
        };
        assert!(contains(&valid.files, "Frédérique Dupont"));
        let sections = String::from_utf8(valid.files["sections.csv"].clone()).expect("utf-8");
        // Words as the synthesis counts them: heading and prose.
        assert!(sections.contains(",Pistes,5,"), "{sections}");
        assert!(sections.contains(",Arceaux,3,"), "{sections}");
        // The bundle verifies, and carries the text under consultation.
        let bundle = nous_core::Bundle::decode(&valid.files["bundle.nous"]).expect("bundle");
        assert!(bundle.records.len() >= 4);
        assert_eq!(bundle.documents.len(), 2);

        assert!(
            home.erase_name(&community, &open, &pseudonym)
                .expect("erase")
        );
        let again = home
            .export_participation(None, &open.to_string(), None)
            .expect("export");
        let valid = nous_core::open_data::validate(&again).expect("valid");
        assert!(!contains(&valid.files, "Frédérique Dupont"));
        assert!(contains(&valid.files, &pseudonym));
    }

    #[test]
    fn a_record_that_is_no_participation_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut home, _, _) = participation(dir.path());
        let genesis = home.resolve_community(None).expect("community").to_string();
        let error = home
            .export_participation(None, &genesis, None)
            .expect_err("not a participation");
        assert_eq!(error.kind(), ErrorKind::NotFound);
    }

    /// The words of `sections.csv` are the synthesis's, whether the
    /// export is given the report or counts them itself.
    #[test]
    fn section_words_agree_with_the_synthesis() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut home, open, _) = participation(dir.path());
        let report = home
            .synthesis(None, &open.to_string(), None)
            .expect("synthesis");
        let json = serde_json::to_value(&report).expect("json");
        let with = home
            .export_participation(None, &open.to_string(), Some(json))
            .expect("export");
        let without = home
            .export_participation(None, &open.to_string(), None)
            .expect("export");
        let words = |archive: &[u8]| -> Vec<(String, u64)> {
            let valid = nous_core::open_data::validate(archive).expect("valid");
            let csv = String::from_utf8(valid.files["sections.csv"].clone()).expect("utf-8");
            csv.lines()
                .skip(1)
                .map(|l| {
                    let cells: Vec<&str> = l.split(',').collect();
                    (cells[0].to_owned(), cells[3].parse().expect("a number"))
                })
                .collect()
        };
        let expected: Vec<(String, u64)> = report
            .sections
            .iter()
            .filter(|s| !s.section.is_empty())
            .map(|s| (s.section.clone(), s.final_words))
            .collect();
        assert_eq!(words(&with), expected);
        assert_eq!(words(&without), expected);
        assert!(
            home.published_synthesis(None, &open.to_string())
                .expect("none")
                .is_none()
        );
        let (record, published) = home
            .publish_synthesis(None, &open.to_string())
            .expect("publish");
        let (latest, recomputed) = home
            .published_synthesis(None, &open.to_string())
            .expect("latest")
            .expect("one");
        assert_eq!(latest, record);
        assert_eq!(recomputed.hash(), published.hash());
    }
}
