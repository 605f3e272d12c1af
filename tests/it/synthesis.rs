//! The synthesis of a participation through the facade: a home publishes
//! it, exports a bundle, and `verify` recomputes it from the bundle alone;
//! a record that publishes other figures is a problem.

use nous_api::nous_core::charter::CharterDraft;
use nous_api::nous_core::record::{
    AnswerState, AuthorType, Category, Channel, Commitment, CommitmentCheck, Contributors, Heads,
    Landing, OpenParticipation, OpenPhase, Payload, PhaseKind, PublishAnswer, Record, RecordId,
    SubmitContribution, SynthesisPublish, Unsigned, Version,
};
use nous_api::nous_core::{DeviceKey, markdown};
use nous_api::{Env, Home, governance::NewCommunity};

const NOW: i64 = 1_780_000_000_000;
const DAY: u64 = 86_400_000;

fn draft() -> CharterDraft {
    markdown::parse("# Plan vélo\n\n## Pistes\n\nDes pistes.\n\n## Parcs\n\nDes parcs.\n")
}

/// A citizen's contribution, signed on their own device on the
/// community's heads, stored in the home.
fn contribute(home: &mut Home, seed: u8, p: RecordId, author_type: AuthorType) -> RecordId {
    let community = home.governance().community(None).expect("community");
    let record = Record::sign(
        &DeviceKey::from_seed(&[seed; 32]),
        Unsigned {
            community: community.id,
            timestamp: NOW as u64,
            parents: community.state.heads.clone(),
            payload: Payload::SubmitContribution(SubmitContribution {
                participation: p,
                title: format!("Idée {seed}"),
                body: "Des pistes sûres.".into(),
                category: "general".into(),
                author_type,
                anchor: None,
                location: None,
                channel: Channel::Device,
                on_behalf_of: None,
                invitation: None,
            }),
        },
    )
    .expect("sign");
    let staged = home
        .add_records(std::slice::from_ref(&record))
        .expect("add");
    home.wait(staged.ticket).expect("stored");
    record.id()
}

fn act(home: &mut Home, payload: Payload) -> RecordId {
    let community = home.governance().community(None).expect("community");
    let acted = home.act(&community, payload).expect("accepted");
    home.wait(acted.ticket).expect("stored");
    acted.record.id()
}

#[test]
fn verify_reproduces_a_published_synthesis_and_catches_tampered_figures() {
    let dir = tempfile::tempdir().expect("tempdir");
    Home::init_with_seed(dir.path(), &[42; 32]).expect("init");
    let mut home = Home::open(dir.path(), Env::fixed(NOW)).expect("open");
    let me = home.device();
    let created = home
        .documents()
        .create("Plan vélo", &draft())
        .expect("create");
    let doc = created.id;
    home.governance()
        .found(NewCommunity {
            name: "Métropole",
            charter: &doc.to_string(),
            facilitators: vec![me],
            ..Default::default()
        })
        .expect("found");
    let baseline = home.heads(&doc).expect("heads");
    let version = Version {
        doc,
        heads: Heads::new(baseline.clone()),
    };
    let p = act(
        &mut home,
        Payload::OpenParticipation(OpenParticipation {
            title: "Plan vélo".into(),
            text: version.clone(),
            contract: version,
            commitments: vec![Commitment {
                id: "answers".into(),
                text: "Chaque contribution reçoit une réponse argumentée.".into(),
                check: CommitmentCheck::Answers,
            }],
            categories: vec![Category {
                id: "general".into(),
                label: "Général".into(),
            }],
            answer_due: NOW as u64 + 60 * DAY,
            moderators: Vec::new(),
            answerers: Vec::new(),
            report_threshold: 0,
        }),
    );
    act(
        &mut home,
        Payload::OpenPhase(OpenPhase {
            participation: p,
            phase: PhaseKind::Strategy,
            opens_at: NOW as u64,
            closes_at: None,
            contributors: Contributors::Anyone,
            channels: vec![Channel::Device],
            categories: Vec::new(),
        }),
    );
    let c1 = contribute(&mut home, 1, p, AuthorType::Citizen);
    let c2 = contribute(&mut home, 2, p, AuthorType::Citizen);
    let c3 = contribute(&mut home, 3, p, AuthorType::Association);

    // The organiser writes the first citizen's idea into the text, and
    // signs its changes.
    let section = home.charter(&doc, None).expect("read").sections[0]
        .id
        .clone();
    let edited = home
        .edit(&doc, "pistes sûres", |c| {
            c.set_body(&section, "Des pistes sûres.")
        })
        .expect("edit");
    home.wait(edited.ticket).expect("saved");
    let change = edited.change.expect("a change");
    home.attest().expect("attest");
    for (c, state, landed) in [
        (c1, AnswerState::Retained, vec![change]),
        (c2, AnswerState::NotRetained, vec![]),
        (c3, AnswerState::Deferred, vec![]),
    ] {
        act(
            &mut home,
            Payload::PublishAnswer(PublishAnswer {
                contribution: c,
                state,
                argument: "Voir la délibération.".into(),
                landed_in: if landed.is_empty() {
                    Vec::new()
                } else {
                    vec![Landing {
                        section: section.as_str().into(),
                        changes: Heads::new(landed),
                    }]
                },
                revises: None,
            }),
        );
    }

    let now = home
        .synthesis(None, &p.to_string(), None)
        .expect("synthesis");
    assert_eq!(now.shares_permille.contributions_citizen, 667);
    assert_eq!(now.shares_permille.retained_citizen, 1000);
    assert_eq!(now.text_figures.added_by["citizen"].words, 1);
    let (published, report) = home
        .publish_synthesis(None, &p.to_string()[..12])
        .expect("publish");
    assert_eq!(report.hash(), now.hash(), "nothing changed in between");
    // Computed again: the same hash.
    assert_eq!(
        home.synthesis(None, &p.to_string(), None)
            .expect("again")
            .contributions,
        report.contributions
    );
    let not_one = home
        .synthesis(None, &c1.to_string(), None)
        .expect_err("not a participation");
    assert_eq!(not_one.kind(), nous_api::ErrorKind::NotFound, "{not_one}");

    let bundle = home.bundles().export(&[], &[]).expect("export").bytes;
    let verified = nous_api::verify(&bundle).expect("verify");
    assert!(verified.intact(), "{:#?}", verified.report.problems);
    let syntheses = &verified.report.communities[0].syntheses;
    assert_eq!(syntheses.len(), 1);
    assert_eq!(syntheses[0].record, published);
    assert_eq!(syntheses[0].participation, p);
    assert_eq!(syntheses[0].hash, report.hash());
    assert!(syntheses[0].reproduced);
    // The same bundle, verified again: the same report.
    assert_eq!(
        nous_api::verify(&bundle).expect("verify").report_hash,
        verified.report_hash
    );

    // A second synthesis that says 90 % came from citizens, with the
    // right hash: governance takes it (it cannot recompute), verify
    // does not.
    let mut figures = report.figures();
    figures.insert("citizen_permille".into(), 900);
    let heads = home.heads(&doc).expect("heads");
    let tampered = act(
        &mut home,
        Payload::SynthesisPublish(SynthesisPublish {
            participation: p,
            text: Version {
                doc,
                heads: Heads::new(heads),
            },
            method: nous_api::nous_core::record::SYNTHESIS_METHOD.into(),
            hash: report.hash(),
            figures,
        }),
    );
    let bundle = home.bundles().export(&[], &[]).expect("export").bytes;
    let verified = nous_api::verify(&bundle).expect("verify");
    assert!(!verified.intact());
    let syntheses = &verified.report.communities[0].syntheses;
    assert_eq!(syntheses.len(), 2);
    let of = |id: RecordId| syntheses.iter().find(|s| s.record == id).expect("listed");
    assert!(of(published).reproduced);
    assert!(!of(tampered).reproduced);
    let problem = verified
        .report
        .problems
        .iter()
        .find(|p| p.what == "synthesis")
        .expect("a problem");
    assert_eq!(problem.id, tampered.to_string());
    assert!(
        problem.reason.contains("does not reproduce")
            && problem.reason.contains("citizen_permille"),
        "{}",
        problem.reason
    );
}
