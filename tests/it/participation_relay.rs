//! Citizens who are not members contribute to a participation through the
//! relay (issue 16 §2): they read the public view, contribute, support and
//! report; members' syncs take their records into the ledger. A citizen's
//! device writes nothing else: no other kind, community or participation,
//! nothing oversized, no document or ledger over the WebSocket, nothing
//! where the phase is for members or invited contributors without a proof,
//! nothing past its rate — each refusal counted in `/metrics`.

use std::time::Duration;

use nous_api::participate::{ContributionDraft, ParticipateError};
use nous_api::{Env, Error, Home};
use nous_core::governance::Code;
use nous_core::ids::DocId;
use nous_core::participation_link::{LinkInvitation, ParticipationLink};
use nous_core::record::{
    AnswerState, Apply, AuthorType, Category, Channel, Contributors, Heads, Moderate,
    OpenParticipation, OpenPhase, Payload, PhaseKind, PublishAnswer, Record, RecordId,
    ReportReason, SubmitContribution, SupportContribution, Unsigned, Version,
};
use nous_core::token::Token;
use nous_core::{DeviceKey, ledger};

use super::relay_guard::{Raw, device, now_ms, runtime};
use super::relay_support::{Member, RelayProcess, found, http};

fn open(member: &Member) -> Home {
    Home::open(&member.home.path(), Env::system()).expect("open the home")
}

/// `alice` opens a participation on `charter` with a strategy phase open
/// to `contributors` (signed through the engine's act path). Its id.
fn open_participation(
    alice: &Member,
    charter: &str,
    title: &str,
    contributors: Contributors,
) -> RecordId {
    let mut home = open(alice);
    let doc: DocId = charter.parse().expect("doc id");
    let heads = home.heads(&doc).expect("heads");
    let version = Version {
        doc,
        heads: Heads::new(heads),
    };
    let community = home.governance().community(None).expect("community");
    let opened = home
        .act(
            &community,
            Payload::OpenParticipation(OpenParticipation {
                title: title.into(),
                text: version.clone(),
                contract: version,
                commitments: Vec::new(),
                categories: vec![Category {
                    id: "mobility".into(),
                    label: "Mobility".into(),
                }],
                answer_due: now_ms() + 30 * 86_400_000,
                moderators: Vec::new(),
                answerers: Vec::new(),
                report_threshold: 3,
            }),
        )
        .expect("open the participation");
    home.wait(opened.ticket).expect("durable");
    let participation = opened.record.id();
    let community = home.governance().community(None).expect("community");
    let phase = home
        .act(
            &community,
            Payload::OpenPhase(OpenPhase {
                participation,
                phase: PhaseKind::Strategy,
                opens_at: opened.record.timestamp(),
                closes_at: None,
                contributors,
                channels: vec![Channel::Device],
                categories: Vec::new(),
            }),
        )
        .expect("open the strategy phase");
    home.wait(phase.ticket).expect("durable");
    home.close().expect("close");
    participation
}

fn link(relay: &RelayProcess, community: RecordId, participation: RecordId) -> String {
    ParticipationLink {
        community,
        participation,
        relay_key: relay.id.parse().expect("relay key"),
        relay_url: relay.url.clone(),
        invitation: None,
    }
    .to_link()
}

fn draft(title: &str) -> ContributionDraft {
    ContributionDraft {
        title: title.into(),
        body: format!("{title}: more buses at night."),
        category: "mobility".into(),
        author_type: AuthorType::Citizen,
        anchor: None,
        location: None,
    }
}

/// The citizen's device sends `record` for `participation` as it likes:
/// the status and the relay's JSON.
fn submit_raw(
    relay: &RelayProcess,
    key: &DeviceKey,
    community: &RecordId,
    participation: &RecordId,
    record: &Record,
) -> (u16, serde_json::Value) {
    let relay_id = relay.id.parse().expect("relay id");
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).expect("random");
    let token = Token::issue(key, &relay_id, now_ms() + 60_000, nonce);
    let body = serde_json::json!({
        "community": community.to_string(),
        "participation": participation.to_string(),
        "record": hex::encode(record.bytes()),
    });
    let bearer = format!("Bearer {token}");
    let (status, text) = http(
        &relay.authority,
        "POST",
        "/participate/submit",
        &[("Authorization", &bearer)],
        body.to_string().as_bytes(),
    );
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// The records `/status` hands `who` for `community`'s ledger.
fn pending(relay: &RelayProcess, who: &DeviceKey, community: &RecordId) -> Vec<String> {
    let relay_id = relay.id.parse().expect("relay id");
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).expect("random");
    let bearer = format!(
        "Bearer {}",
        Token::issue(who, &relay_id, now_ms() + 60_000, nonce)
    );
    let body = serde_json::json!({ "docs": [ledger::doc_id(community).to_string()] });
    let (status, text) = http(
        &relay.authority,
        "POST",
        "/status",
        &[("Authorization", &bearer)],
        body.to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{text}");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    value["pending"]
        .as_array()
        .expect("pending")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

fn sign(key: &DeviceKey, community: RecordId, parents: Vec<RecordId>, payload: Payload) -> Record {
    Record::sign(
        key,
        Unsigned {
            community,
            timestamp: now_ms(),
            parents,
            payload,
        },
    )
    .expect("sign")
}

/// Whether the relay answers `who`'s request for `doc` with the document
/// rather than `doc-unavailable`.
fn can_read(relay: &RelayProcess, who: &DeviceKey, doc: &str) -> bool {
    runtime().block_on(async {
        let mut raw = Raw::connect(relay, who).await;
        raw.request(doc).await;
        while let Some((kind, _, about)) = raw.next().await {
            if about.as_deref() == Some(doc) {
                return kind == "sync";
            }
        }
        false
    })
}

fn refused_with(error: Error) -> (String, String) {
    match error {
        Error::Participate(ParticipateError::Refused { code, reason, .. }) => (code, reason),
        other => panic!("not a relay's refusal: {other:?}"),
    }
}

fn relay_with(toml: &str) -> (tempfile::TempDir, RelayProcess) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("relay.toml");
    std::fs::write(&config, toml).expect("write the config");
    let relay = RelayProcess::start_in(
        &dir.path().join("relay"),
        &["--config", config.to_str().expect("utf-8")],
    );
    (dir, relay)
}

#[test]
fn citizens_contribute_through_the_relay_and_write_nothing_else() {
    let (_dir, mut relay) =
        relay_with("[participation]\ndevice_per_minute = 1000\naddress_per_minute = 10000\n");
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let charter = found(&alice, &[&bob]);
    let participation = open_participation(&alice, &charter, "Night buses", Contributors::Anyone);
    let members_only = open_participation(&alice, &charter, "Budget", Contributors::Members);
    let invited_only = open_participation(&alice, &charter, "Parks", Contributors::Invited);
    // An invitation, for the invited phase's link.
    let invitation = {
        let mut home = open(&alice);
        let issued = home
            .invite(None, &relay.url, None, Duration::from_secs(86_400), None)
            .expect("invite");
        home.close().expect("close");
        issued.details.link
    };
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    let community = open(&alice)
        .governance()
        .community(None)
        .expect("community")
        .id;
    let public = link(&relay, community, participation);

    // Cleo and Dan are no members: they read the participation and
    // contribute; Cleo supports and reports Dan's.
    let cleo = Member::new("Cleo");
    let dan = Member::new("Dan");
    let mut cleo_home = open(&cleo);
    let view = cleo_home.participation_view(&public).expect("view");
    assert_eq!(view.title, "Night buses");
    let phase = view.phase.as_ref().expect("a phase in force");
    assert_eq!(phase.phase, PhaseKind::Strategy);
    assert_eq!(phase.contributors, Contributors::Anyone);
    assert!(view.open);
    assert_eq!(view.categories[0].id, "mobility");
    assert!(view.text.markdown.contains("Adhésion"), "{:?}", view.text);
    assert!(!view.text.heads.is_empty());
    assert!(view.contributions.is_empty());
    let mine = cleo_home
        .contribute_remote(&public, draft("Cleo's"))
        .expect("Cleo contributes");
    let mut dan_home = open(&dan);
    let his = dan_home
        .contribute_remote(&public, draft("Dan's"))
        .expect("Dan contributes");
    let supported = cleo_home
        .support_remote(&public, &his.to_string())
        .expect("Cleo supports Dan's");
    let reported = cleo_home
        .report_remote(&public, &his.to_string(), ReportReason::OffTopic, "")
        .expect("Cleo reports Dan's");
    // The relay counts them at once: Cleo's own contribution, known only
    // to the relay, is hers (no support of one's own) and hers to reword.
    let (code, _) = refused_with(
        cleo_home
            .support_remote(&public, &mine.to_string())
            .expect_err("one's own"),
    );
    assert_eq!(code, Code::SupportOwn.as_str());
    cleo_home
        .amend_remote(
            &public,
            &mine.to_string(),
            "Cleo's, reworded",
            "Buses all night.",
        )
        .expect("Cleo rewords hers");
    let (code, _) = refused_with(
        dan_home
            .withdraw_remote(&public, &mine.to_string(), "not mine")
            .expect_err("not Dan's"),
    );
    assert_ne!(code, "kind");
    let view = dan_home.participation_view(&public).expect("view");
    let ids: Vec<&str> = view.contributions.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, [mine.to_string(), his.to_string()]);
    assert_eq!(view.contributions[1].supporters, 1);
    assert_eq!(
        view.contributions[0].title.as_deref(),
        Some("Cleo's, reworded")
    );

    // Alice's sync takes them in; through the ledger, Bob's too.
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    for member in [&alice, &bob] {
        let state = open(member)
            .governance()
            .community(None)
            .expect("community")
            .state;
        let dans = state.contributions.get(&his).expect("Dan's contribution");
        assert_eq!(dans.supports.len(), 1);
        assert_eq!(dans.supports[0].record, supported);
        assert_eq!(dans.reports[0].record, reported);
        assert!(state.contributions.contains_key(&mine), "{}", member.name);
        assert!(
            state.participations[&participation]
                .contributions
                .contains(&mine)
        );
    }

    // Now in the ledger, they are handed to members no more.
    assert!(pending(&relay, &device(&bob), &community).is_empty());

    // Attacks. Every other kind, signed by Cleo's device on the heads.
    let key = device(&cleo);
    let heads: Vec<RecordId> = view
        .heads
        .iter()
        .map(|h| h.parse().expect("head"))
        .collect();
    let others = [
        Payload::Apply(Apply {
            name: "Cleo".into(),
            college: "members".into(),
            motivation: String::new(),
            invitation: None,
        }),
        Payload::Hide(Moderate {
            contribution: his,
            reason: "no".into(),
            clause: "1".into(),
        }),
        Payload::PublishAnswer(PublishAnswer {
            contribution: mine,
            state: AnswerState::Retained,
            argument: "Yes".into(),
            landed_in: Vec::new(),
            revises: None,
        }),
        Payload::OpenPhase(OpenPhase {
            participation,
            phase: PhaseKind::Instruction,
            opens_at: now_ms(),
            closes_at: None,
            contributors: Contributors::Anyone,
            channels: vec![Channel::Device],
            categories: Vec::new(),
        }),
    ];
    for payload in others {
        let kind = payload.kind().name();
        let record = sign(&key, community, heads.clone(), payload);
        let (status, body) = submit_raw(&relay, &key, &community, &participation, &record);
        assert_eq!(
            (status, body["refused"].as_str()),
            (403, Some("kind")),
            "{kind}: {body}"
        );
    }
    assert_eq!(relay.rejections("participate_kind"), 4);
    let submission = |community: RecordId, participation: RecordId, body: String, channel| {
        let payload = Payload::SubmitContribution(SubmitContribution {
            participation,
            title: "T".into(),
            body,
            category: "mobility".into(),
            author_type: AuthorType::Citizen,
            anchor: None,
            location: None,
            channel,
            on_behalf_of: None,
            invitation: None,
        });
        sign(&key, community, heads.clone(), payload)
    };
    // Another community.
    let elsewhere = submission(
        RecordId([7; 32]),
        participation,
        "x".into(),
        Channel::Device,
    );
    let (status, body) = submit_raw(&relay, &key, &community, &participation, &elsewhere);
    assert_eq!(
        (status, body["refused"].as_str()),
        (403, Some("community")),
        "{body}"
    );
    // Another participation than the link's, directly or through a
    // contribution.
    let other = submission(community, members_only, "x".into(), Channel::Device);
    let (status, body) = submit_raw(&relay, &key, &community, &participation, &other);
    assert_eq!(
        (status, body["refused"].as_str()),
        (403, Some("participation")),
        "{body}"
    );
    let support = sign(
        &key,
        community,
        heads.clone(),
        Payload::SupportContribution(SupportContribution {
            contribution: mine,
            invitation: None,
        }),
    );
    let (status, body) = submit_raw(&relay, &key, &community, &invited_only, &support);
    assert_eq!(
        (status, body["refused"].as_str()),
        (403, Some("participation")),
        "{body}"
    );
    // A transcription is the team's, not a citizen's.
    let meeting = submission(community, participation, "x".into(), Channel::Meeting);
    let (status, body) = submit_raw(&relay, &key, &community, &participation, &meeting);
    assert_eq!(
        (status, body["refused"].as_str()),
        (403, Some("channel")),
        "{body}"
    );
    // Oversized.
    let big = submission(
        community,
        participation,
        "é".repeat(17_000),
        Channel::Device,
    );
    assert!(big.bytes().len() > 32 << 10);
    let (status, body) = submit_raw(&relay, &key, &community, &participation, &big);
    assert_eq!(
        (status, body["refused"].as_str()),
        (413, Some("too-large")),
        "{body}"
    );
    // Someone else's record, sent by Cleo's device.
    let dans_key = device(&dan);
    let forwarded = sign(
        &dans_key,
        community,
        heads.clone(),
        Payload::SupportContribution(SupportContribution {
            contribution: mine,
            invitation: None,
        }),
    );
    let (status, body) = submit_raw(&relay, &key, &community, &participation, &forwarded);
    assert_eq!(
        (status, body["refused"].as_str()),
        (403, Some("author")),
        "{body}"
    );
    for (code, count) in [
        ("participate_community", 1),
        ("participate_participation", 2),
        ("participate_channel", 1),
        ("participate_too_large", 1),
        ("participate_author", 1),
    ] {
        assert_eq!(relay.rejections(code), count, "{code}");
    }

    // No WebSocket access: neither the charter nor the ledger, while a
    // member reads both.
    let ledger_doc = ledger::doc_id(&community).to_string();
    assert!(!can_read(&relay, &key, &charter));
    assert!(!can_read(&relay, &key, &ledger_doc));
    assert!(can_read(&relay, &device(&alice), &charter));
    assert!(can_read(&relay, &device(&alice), &ledger_doc));

    // A participation for members: to a citizen, its view and its
    // submissions are as for one that does not exist; a member reads it.
    let budget = link(&relay, community, members_only);
    assert!(matches!(
        cleo_home
            .contribute_remote(&budget, draft("Budget"))
            .expect_err("members only"),
        Error::Participate(ParticipateError::Unknown)
    ));
    assert!(matches!(
        cleo_home
            .participation_view(&budget)
            .expect_err("not public to citizens"),
        Error::Participate(ParticipateError::Unknown)
    ));
    let mut alice_home = open(&alice);
    let budget_view = alice_home
        .participation_view(&budget)
        .expect("a member reads it");
    assert_eq!(budget_view.title, "Budget");
    alice_home.close().expect("close");
    // A phase for invited contributors: without the invitation, refused;
    // with it, taken.
    let parks = link(&relay, community, invited_only);
    let error = cleo_home
        .contribute_remote(&parks, draft("Parks"))
        .expect_err("no invitation");
    // The relay sends the fold's reason with its arguments: a French
    // citizen reads it in French.
    let french = error.localized(nous_core::i18n::Lang::Fr);
    assert!(french.contains("demande un code d'invitation"), "{french}");
    let (code, _) = refused_with(error);
    assert_eq!(code, Code::ParticipationNeedsInvitation.as_str());
    let invitation: nous_core::invitation::Invitation = invitation.parse().expect("invitation");
    let invited = ParticipationLink {
        invitation: Some(LinkInvitation {
            record: invitation.record,
            secret: invitation.secret,
        }),
        ..parks.parse().expect("link")
    }
    .to_link();
    let parks_contribution = cleo_home
        .contribute_remote(&invited, draft("Parks"))
        .expect("an invited contribution");
    assert!(relay.rejections("participate_governance") >= 3);

    // One more before a restart: the relay keeps every accepted record,
    // and hands the one its ledger lacks to the next member who syncs.
    let late = dan_home
        .contribute_remote(&public, draft("Dan's second"))
        .expect("Dan contributes again");
    cleo_home.close().expect("close");
    dan_home.close().expect("close");
    relay.stop();
    let relay = RelayProcess::start_in(&relay.data.clone(), &[]);
    let public = link(&relay, community, participation);
    let view = open(&cleo)
        .participation_view(&public)
        .expect("view after restart");
    let ids: Vec<String> = view.contributions.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, [mine.to_string(), his.to_string(), late.to_string()]);
    assert_eq!(view.contributions[1].supporters, 1);
    let parks_view = open(&cleo)
        .participation_view(&link(&relay, community, invited_only))
        .expect("view");
    assert_eq!(
        parks_view.contributions[0].id,
        parks_contribution.to_string()
    );
    assert_eq!(pending(&relay, &device(&bob), &community).len(), 2);
    assert!(
        pending(&relay, &key, &community).is_empty(),
        "a citizen gets none"
    );
    bob.sync(&relay, &[]);
    assert!(pending(&relay, &device(&bob), &community).is_empty());
    let state = open(&bob)
        .governance()
        .community(None)
        .expect("community")
        .state;
    assert!(state.contributions.contains_key(&late));
    assert!(state.contributions.contains_key(&parks_contribution));
}

#[test]
fn a_citizen_past_its_rate_is_refused_and_counted() {
    let (_dir, relay) =
        relay_with("[participation]\ndevice_per_minute = 2\naddress_per_minute = 3\n");
    let cleo = DeviceKey::from_seed(&[31; 32]);
    let dan = DeviceKey::from_seed(&[32; 32]);
    let nowhere = RecordId([9; 32]);
    let record = sign(
        &cleo,
        nowhere,
        vec![nowhere],
        Payload::SupportContribution(SupportContribution {
            contribution: nowhere,
            invitation: None,
        }),
    );
    // Within the rate: judged (and refused: no such participation).
    for _ in 0..2 {
        let (status, body) = submit_raw(&relay, &cleo, &nowhere, &nowhere, &record);
        assert_eq!(
            (status, body["refused"].as_str()),
            (404, Some("unknown")),
            "{body}"
        );
    }
    let (status, body) = submit_raw(&relay, &cleo, &nowhere, &nowhere, &record);
    assert_eq!(
        (status, body["refused"].as_str()),
        (429, Some("rate")),
        "{body}"
    );
    assert_eq!(relay.rejections("participate_rate_device"), 1);
    // Another device from the same address: the address's rate.
    let (status, _) = submit_raw(&relay, &dan, &nowhere, &nowhere, &record);
    assert_eq!(status, 404);
    let (status, body) = submit_raw(&relay, &dan, &nowhere, &nowhere, &record);
    assert_eq!(
        (status, body["refused"].as_str()),
        (429, Some("rate")),
        "{body}"
    );
    assert_eq!(relay.rejections("participate_rate_address"), 1);
}
