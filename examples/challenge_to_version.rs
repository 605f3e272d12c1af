//! A challenge becomes a new version of the charter, and anyone can check it.
//!
//! Two founders, in two homes: Alice challenges a section and proposes an
//! amendment; Bob consents; Alice records the decision (checked against the
//! community's consent rule) and ratifies it. Bob receives the bundle and
//! sees version 2 in force; `verify` replays the bundle offline and accepts
//! it, and a bundle missing a record is refused.
//!
//! Run with: `cargo run -p nous-examples --example challenge_to_version`

use nous_core::community::Founding;
use nous_core::engine::EngineOptions;
use nous_core::governance::Phase;
use nous_core::record::{
    Challenge, College, Decide, Founder, Method, Outcome, Payload, React, Round, Rule, Rules,
    Stance,
};
use nous_core::store::MemoryStorage;
use nous_core::{Bundle, DeviceKey, Engine, markdown, verify};

fn home(seed: u8) -> Engine {
    let mut counter = 0u8;
    Engine::with_storage(
        DeviceKey::from_seed(&[seed; 32]),
        Box::new(MemoryStorage::default()),
        EngineOptions::new(
            Box::new(move || 1_767_225_600_000 + i64::from(seed)),
            Box::new(move |buf: &mut [u8]| {
                counter = counter.wrapping_add(1);
                buf.fill(counter ^ seed);
            }),
        ),
    )
}

fn main() -> Result<(), nous_core::Error> {
    let mut alice = home(1);
    let mut bob = home(2);
    let draft = markdown::parse(
        "# Charte\n\n## Tensions\n<!-- nous:section id=tensions tags=tensions -->\n\nOn en parle entre nous.\n",
    );
    let charter = alice.create_charter("Charte", &draft)?.value;

    let founded = alice.found_community(Founding {
        name: "Jardin partagé".into(),
        charter,
        colleges: vec![College {
            id: "jardiniers".into(),
            name: "Jardiniers".into(),
            weight: 1,
        }],
        founders: vec![
            Founder {
                member: alice.device(),
                name: "Alice".into(),
                college: "jardiniers".into(),
            },
            Founder {
                member: bob.device(),
                name: "Bob".into(),
                college: "jardiniers".into(),
            },
        ],
        rules: Rules {
            amend: Rule {
                quorum: 100,
                ..Rule::new(Method::Consent)
            },
            admit: Rule::new(Method::Consent),
            exclude: Rule {
                threshold: 67,
                min_days: 15,
                ..Rule::new(Method::Qualified)
            },
            rules: Rule::new(Method::Consensus),
        },
        facilitators: Vec::new(),
    })?;
    let id = founded.community.id;

    // Alice challenges « Tensions » and proposes new wording.
    let challenge = alice.act(
        &alice.community(&id)?,
        Payload::Challenge(Challenge {
            section: "tensions".into(),
            tension: "Nobody knows whom to ask when talking fails.".into(),
            example: "The watering rota dispute lasted a whole summer.".into(),
            tension_record: None,
            promoted_from: None,
        }),
    )?;
    let community = alice.community(&id)?;
    let proposed = alice.propose_amendment(
        &community,
        challenge.record.id(),
        "Name a mediator",
        "Disputes need a third person.",
        Vec::new(),
    )?;
    let amendment = proposed.record.id();
    let state = |engine: &Engine| engine.community(&id).map(|c| c.state);
    let current = state(&alice)?.amendments[&amendment].clone();
    alice.write_amendment(
        &alice.community(&id)?,
        &current,
        "tensions",
        "On en parle entre nous, puis avec la médiatrice élue.",
    )?;
    let submitted = alice.submit_amendment(&alice.community(&id)?, &current, "", Vec::new())?;
    alice.act(&alice.community(&id)?, Payload::Round(Round { amendment }))?;

    // Everyone consents (the rule wants everyone to take part).
    bob.import_bundle(&alice.export_bundle_with(&[charter, current.draft], &[id])?)?;
    for engine in [&mut alice, &mut bob] {
        let community = engine.community(&id)?;
        engine.act(
            &community,
            Payload::React(React {
                subject: amendment,
                submission: Some(submitted.record.id()),
                stance: Stance::Consent,
                criteria: Default::default(),
                argument: String::new(),
                objection: None,
            }),
        )?;
    }
    alice.import_bundle(&bob.export_bundle_with(&[], &[id])?)?;
    alice.act(
        &alice.community(&id)?,
        Payload::Decide(Decide {
            subject: amendment,
            outcome: Outcome::Adopted,
            reason: String::new(),
        }),
    )?;
    let adopted = state(&alice)?.amendments[&amendment].clone();
    alice.ratify_amendment(&alice.community(&id)?, &adopted)?;
    alice.attest_all()?;

    // Bob receives it: version 2 is in force, with the new text.
    let bundle = alice.export_bundle_with(&[charter, current.draft], &[id])?;
    bob.import_bundle(&bundle)?;
    let bob_state = state(&bob)?;
    assert_eq!(bob_state.amendments[&amendment].phase, Phase::Merged);
    assert_eq!(bob_state.in_force().number, 2);
    let heads: Vec<_> = bob_state
        .in_force()
        .heads
        .iter()
        .filter_map(|h| h.parse().ok())
        .collect();
    let text = bob.charter_at(&charter, Some(&heads))?.sections[0]
        .text
        .clone();
    assert_eq!(
        text,
        "On en parle entre nous, puis avec la médiatrice élue."
    );

    // Anyone can check the bundle offline; without one record it fails.
    let report = verify::verify(&bundle)?;
    assert!(report.ok, "{:?}", report.problems);
    let mut decoded = Bundle::decode(&bundle)?;
    let decision = state(&alice)?.amendments[&amendment]
        .decision
        .clone()
        .map(|d| d.record);
    decoded
        .records
        .retain(|bytes| Some(nous_core::record::RecordId::of(bytes)) != decision);
    let gapped = verify::verify(&decoded.encode())?;
    assert!(!gapped.ok);

    println!(
        "Version {} is in force; report hash {}",
        bob_state.in_force().number,
        report.hash()
    );
    Ok(())
}
