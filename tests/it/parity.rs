//! The CLI is a thin layer over `nous-api`: one governance scenario run
//! through `nous … --json` and through the facade alone gives JSON of the
//! same shape at every step (the same keys, the same kinds of values),
//! and the same outcome.

use std::collections::BTreeSet;

use nous_api::deliberation::Reaction;
use nous_api::documents::Reading;
use nous_api::governance::NewCommunity;
use nous_api::{Documents, Env};
use nous_core::record::{Outcome, Stance, TensionPath};
use serde_json::{Value, json};

use super::support::{Home, path_str};

const CHARTER: &str =
    "# Charte du jardin\n\nNous cultivons ensemble.\n\n## Tensions\n\n1. On en parle en réunion.\n";
const WORDING: &str = "1. On en parle en réunion.\n\n2. Le cercle tranche au bout d'un mois.";

/// The shape of a JSON value: objects keep their keys (a key that is an id
/// — of a member, record or document — becomes `<id>`), arrays the shape
/// of their first element, scalars become their kind.
fn shape(value: &Value) -> Value {
    let key = |k: &String| {
        if k.len() >= 20 && k.chars().all(|c| c.is_ascii_alphanumeric()) {
            "<id>".to_owned()
        } else {
            k.clone()
        }
    };
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (key(k), shape(v))).collect()),
        Value::Array(items) => json!([items.first().map(shape)]),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!("null"),
    }
}

fn to_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("json")
}

#[test]
fn the_cli_and_the_facade_give_the_same_json() {
    // Through the CLI.
    let cli = Home::new();
    let path = cli.file("charter.md");
    std::fs::write(&path, CHARTER).expect("write");
    let mut by_cli = Vec::new();
    let mut step = |name: &str, value: Value| by_cli.push((name.to_owned(), value));
    let created = cli
        .run(&["--json", "charter", "new", "--from", path_str(&path)])
        .json();
    let doc = created["id"].as_str().expect("id").to_owned();
    step("create", created);
    let founded = cli
        .run(&[
            "--json",
            "community",
            "create",
            "Jardin",
            "--charter",
            &doc,
            "--name-as",
            "Alice",
            "--rule",
            "amend=consent",
        ])
        .json();
    step("found", founded);
    let challenged = cli
        .run(&[
            "--json",
            "challenge",
            "Tensions",
            "--tension",
            "personne ne tranche",
            "--example",
            "le planning",
        ])
        .json();
    let challenge = challenged["record"].as_str().expect("record").to_owned();
    step("challenge", challenged);
    let proposed = cli
        .run(&[
            "--json",
            "amendment",
            "propose",
            &challenge,
            "--title",
            "Qui tranche",
            "--rationale",
            "pour savoir",
        ])
        .json();
    let amendment = proposed["record"].as_str().expect("record").to_owned();
    step("propose", proposed);
    step(
        "write",
        cli.run(&[
            "--json",
            "amendment",
            "edit",
            &amendment,
            "Tensions",
            "--text",
            WORDING,
        ])
        .json(),
    );
    step(
        "submit",
        cli.run(&["--json", "amendment", "submit", &amendment])
            .json(),
    );
    step(
        "react",
        cli.run(&["--json", "react", &amendment, "consent"]).json(),
    );
    step(
        "round",
        cli.run(&["--json", "amendment", "round", &amendment])
            .json(),
    );
    step(
        "decide",
        cli.run(&["--json", "decide", &amendment, "adopted"]).json(),
    );
    step("ratify", cli.run(&["--json", "ratify", &amendment]).json());
    step(
        "amendment",
        cli.run(&["--json", "amendment", "show", &amendment]).json(),
    );
    step(
        "tension",
        cli.run(&[
            "--json",
            "tension",
            "open",
            "l'arrosage",
            "--path",
            "governance",
        ])
        .json(),
    );
    step("show", cli.run(&["--json", "charter", "show", &doc]).json());
    step("members", cli.run(&["--json", "member", "list"]).json());
    step("state", cli.run(&["--json", "community", "show"]).json());
    step("list", cli.run(&["--json", "community", "list"]).json());

    // Through the facade alone.
    let dir = tempfile::tempdir().expect("tempdir");
    nous_api::Home::init(dir.path(), &Env::system()).expect("init");
    let mut home = nous_api::Home::open(dir.path(), Env::system()).expect("open");
    let mut by_api: Vec<(String, Value)> = Vec::new();
    let mut step = |name: &str, value: Value| by_api.push((name.to_owned(), value));
    let draft = Documents::import_markdown(CHARTER).expect("markdown");
    let title = draft.title.clone().expect("title");
    let created = home.documents().create(&title, &draft).expect("create");
    let doc = created.id.to_string();
    step("create", to_json(&created));
    let mut gov = home.governance();
    step(
        "found",
        to_json(
            &gov.found(NewCommunity {
                name: "Jardin",
                charter: &doc,
                name_as: Some("Alice"),
                rules: vec!["amend=consent".parse().expect("rule")],
                ..NewCommunity::default()
            })
            .expect("found"),
        ),
    );
    let challenged = gov
        .challenge(None, "Tensions", "personne ne tranche", "le planning", None)
        .expect("challenge");
    let challenge = challenged.record.to_string();
    step("challenge", to_json(&challenged));
    let proposed = gov
        .propose(None, &challenge, "Qui tranche", "pour savoir", &[])
        .expect("propose");
    let amendment = proposed.record.to_string();
    step("propose", to_json(&proposed));
    step(
        "write",
        to_json(
            &gov.write(None, &amendment, "Tensions", WORDING)
                .expect("write"),
        ),
    );
    step(
        "submit",
        to_json(&gov.submit(None, &amendment, "", &[]).expect("submit")),
    );
    let consent = Reaction {
        stance: Stance::Consent,
        criteria: BTreeSet::new(),
        argument: "",
        objection: None,
    };
    step(
        "react",
        to_json(&gov.react(None, &amendment, consent).expect("react")),
    );
    step(
        "round",
        to_json(&gov.round(None, &amendment).expect("round")),
    );
    step(
        "decide",
        to_json(
            &gov.decide(None, &amendment, Outcome::Adopted, "")
                .expect("decide"),
        ),
    );
    let ratified = gov.ratify(None, &amendment).expect("ratify");
    assert_eq!(ratified.details.version, Some(2));
    step("ratify", to_json(&ratified));
    step(
        "amendment",
        to_json(&gov.amendment(None, &amendment).expect("amendment")),
    );
    step(
        "tension",
        to_json(
            &gov.open_tension(None, TensionPath::Governance, "l'arrosage", None)
                .expect("tension"),
        ),
    );
    let roster = gov.roster(None).expect("roster");
    let state = gov.show(None).expect("state");
    let list = gov.list().expect("list");
    step(
        "show",
        to_json(&home.documents().show(&doc, Reading::InForce).expect("show")),
    );
    step("members", to_json(&roster));
    step("state", to_json(&state));
    step("list", to_json(&list));
    home.close().expect("close");

    assert_eq!(by_cli.len(), by_api.len());
    for ((name, cli), (_, api)) in by_cli.iter().zip(&by_api) {
        assert_eq!(shape(cli), shape(api), "{name}: CLI {cli}\nfacade {api}");
    }
    // The same outcome: version 2 in force, with the same text.
    let text = |value: &Value| value["charter"]["sections"][0]["articles"].clone();
    let (cli_show, api_show) = (&by_cli[12].1, &by_api[12].1);
    assert_eq!(cli_show["version"], json!(2));
    assert_eq!(api_show["version"], json!(2));
    assert_eq!(text(cli_show), text(api_show));
}
