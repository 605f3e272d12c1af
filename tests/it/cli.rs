//! The `nous` command, driven as a user would, in temporary homes.

use crate::support::{COOP, Home, path_str};

#[test]
fn init_creates_a_private_key_and_id_prints_it() {
    let home = Home::empty();
    let out = home.run(&["--json", "init"]).json();
    let device = out["device"].as_str().expect("device").to_owned();
    assert_eq!(device.len(), 64);
    assert!(device.bytes().all(|b| b.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let key = home.path().join("device.key");
        let mode = std::fs::metadata(&key).expect("key").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let secret = std::fs::read_to_string(&key).expect("key");
        let printed = format!(
            "{}{}",
            home.run(&["id"]).ok(),
            home.run(&["--json", "id"]).ok()
        );
        let seed_line = secret.lines().nth(1).expect("seed line");
        assert!(!printed.contains(seed_line), "the secret is never printed");
    }
    assert_eq!(home.run(&["id"]).ok().trim(), device);
    home.run(&["init"]).fails_with("already a Nous home");
}

#[test]
fn a_world_readable_key_is_refused() {
    let home = Home::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let key = home.path().join("device.key");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        home.run(&["id"]).fails_with("chmod 600");
    }
}

#[test]
fn commands_without_a_home_say_how_to_make_one() {
    let home = Home::empty();
    home.run(&["charter", "list"]).fails_with("nous init");
    home.run(&["id"]).fails_with("nous init");
    // A store without its key: the identity is missing.
    let home = Home::new();
    std::fs::remove_file(home.path().join("device.key")).expect("rm key");
    home.run(&["charter", "list"]).fails_with("no device key");
}

#[test]
fn an_unreadable_nous_now_is_refused_before_anything_is_written() {
    // Issue 12, item 6: `2026-3-1x` used to be ignored silently, and the
    // records got the system date instead.
    let home = Home::new();
    let doc = home.charter(COOP);
    let history = home.run(&["--json", "history", &doc]).ok().to_owned();
    for bad in ["2026-3-1x", "demain", "2026-13-01"] {
        let run = home.run_at(
            bad,
            &["charter", "edit", &doc, "1", "--text", "Jamais écrit."],
        );
        let line = run.fails_with("NOUS_NOW");
        assert!(line.contains("not a time"), "{line}");
    }
    assert_eq!(
        home.run(&["--json", "history", &doc]).ok(),
        history,
        "nothing was written"
    );
    // A readable one still works, dates and milliseconds alike.
    home.run_at("2026-03-01", &["charter", "list"]).ok();
    home.run_at("1772323200000", &["charter", "list"]).ok();
}

#[test]
fn markdown_import_and_export_round_trip() {
    let home = Home::new();
    let doc = home.charter(COOP);
    let exported = home
        .run(&["export", &doc, "--format", "md"])
        .ok()
        .to_owned();
    assert_eq!(
        exported, COOP,
        "annotated export is the annotated source, byte for byte"
    );
    let plain = home
        .run(&["export", &doc, "--format", "md", "--plain"])
        .ok()
        .to_owned();
    let without_annotations: String = COOP
        .lines()
        .filter(|l| !l.starts_with("<!-- nous:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(plain, without_annotations);
    // Exported Markdown imports as a new charter with the same sections.
    let path = home.file("exported.md");
    home.run(&["export", &doc, "--format", "md", "-o", path_str(&path)])
        .ok();
    let again = home
        .run(&["--json", "charter", "new", "--from", path_str(&path)])
        .json();
    let again = again["id"].as_str().expect("id");
    let a = home.run(&["--json", "charter", "show", &doc]).json();
    let b = home.run(&["--json", "charter", "show", again]).json();
    assert_eq!(a["charter"], b["charter"]);
    let json = home.run(&["export", &doc, "--format", "json"]).json();
    assert_eq!(json["charter"]["title"], "Charte de la coopérative");
    assert_eq!(
        json["charter"]["sections"][0]["articles"][1]["number"],
        "2."
    );
}

#[test]
fn charters_are_listed_shown_and_named_by_id_prefix_or_title() {
    let home = Home::new();
    let doc = home.charter(COOP);
    let list = home.run(&["--json", "charter", "list"]).json();
    assert_eq!(list[0]["id"], doc.as_str());
    assert_eq!(list[0]["title"], "Charte de la coopérative");
    assert!(
        home.run(&["charter", "list"])
            .ok()
            .contains("Charte de la coopérative")
    );
    let by_prefix = home.run(&["charter", "show", &doc[..5]]).ok().to_owned();
    let by_title = home
        .run(&["charter", "show", "charte de la coopérative"])
        .ok()
        .to_owned();
    assert_eq!(by_prefix, by_title);
    assert!(by_prefix.starts_with("# Charte de la coopérative\n"));
    assert!(!by_prefix.contains("nous:section"), "show is for reading");
    home.run(&["charter", "show", "no-such-doc"])
        .fails_with("no document matches");
    // Two charters with one title: the title is ambiguous, ids are not.
    home.charter(COOP);
    home.run(&["charter", "show", "Charte de la coopérative"])
        .fails_with("matches several documents");
}

#[test]
fn sections_are_edited_by_id_number_or_heading() {
    let home = Home::new();
    let doc = home.charter(COOP);
    let sections = home.run(&["--json", "charter", "sections", &doc]).json();
    assert_eq!(sections.as_array().expect("array").len(), 3);
    assert!(
        home.run(&["charter", "sections", &doc])
            .ok()
            .contains("membership.entry")
    );

    home.run(&["charter", "edit", &doc, "adhesion", "--text", "Toute personne majeure peut adhérer.\n\n1. Sur demande écrite.\n\n2. Le collège statue sous un mois."]).ok();
    home.run(&[
        "charter",
        "edit",
        &doc,
        "2",
        "--text",
        "On part quand on veut, sans délai. 👋",
    ])
    .ok();
    let file = home.file("tensions.md");
    std::fs::write(
        &file,
        "D'abord en parler, puis la médiation, puis le cercle.\n",
    )
    .expect("write");
    home.run(&[
        "charter",
        "edit",
        &doc,
        "tensions",
        "--file",
        path_str(&file),
    ])
    .ok();
    home.run(&[
        "charter",
        "edit",
        &doc,
        "@title",
        "--text",
        "Charte des Communs",
    ])
    .ok();
    home.run_with_stdin(
        &["charter", "edit", &doc, "@preamble", "--file", "-"],
        "Préambule lu sur l'entrée standard.\n".as_bytes(),
    )
    .ok();

    let shown = home.run(&["--json", "charter", "show", &doc]).json();
    let charter = &shown["charter"];
    assert_eq!(charter["title"], "Charte des Communs");
    assert_eq!(charter["preamble"], "Préambule lu sur l'entrée standard.");
    assert_eq!(
        charter["sections"][0]["text"],
        "Toute personne majeure peut adhérer."
    );
    assert_eq!(
        charter["sections"][1]["text"],
        "On part quand on veut, sans délai. 👋"
    );
    assert_eq!(
        charter["sections"][2]["text"],
        "D'abord en parler, puis la médiation, puis le cercle."
    );

    // Saving the same text again changes nothing.
    let same = home
        .run(&[
            "--json",
            "charter",
            "edit",
            &doc,
            "depart",
            "--text",
            "On part quand on veut, sans délai. 👋",
        ])
        .json();
    assert!(same["change"].is_null());
    home.run(&["charter", "edit", &doc, "nowhere", "--text", "x"])
        .fails_with("no section `nowhere`");
    home.run(&[
        "charter",
        "edit",
        &doc,
        "adhesion",
        "--text",
        "x\n\n## Sneaky heading",
    ])
    .fails_with("may not contain Markdown headings");
    home.run(&["charter", "edit", &doc, "@title", "--text", "two\nlines"])
        .fails_with("single line");
}

#[cfg(unix)]
#[test]
fn the_editor_option_edits_the_current_text() {
    let home = Home::new();
    let doc = home.charter(COOP);
    let script = home.file("editor.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nsed -i 's/On part/Chacun part/' \"$1\"\n",
    )
    .expect("script");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let out = home
        .command(&["charter", "edit", &doc, "depart", "--editor"])
        .env("EDITOR", &script)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = home.run(&["--json", "charter", "show", &doc]).json();
    assert_eq!(
        shown["charter"]["sections"][1]["text"],
        "Chacun part quand on veut. 👋"
    );
    // An editor that fails changes nothing (EDITOR=false in the test environment).
    home.run(&["charter", "edit", &doc, "depart", "--editor"])
        .fails_with("nothing was changed");
}

#[test]
fn sections_are_added_moved_tagged_and_removed() {
    let home = Home::new();
    let doc = home.charter(COOP);
    let added = home
        .run(&[
            "--json",
            "charter",
            "add-section",
            &doc,
            "Données personnelles",
            "--after",
            "adhesion",
            "--text",
            "Protégées.\n\n1. Jamais vendues.",
            "--tag",
            "privacy",
        ])
        .json();
    let id = added["section"].as_str().expect("section id").to_owned();
    let order = |home: &Home| -> Vec<String> {
        home.run(&["--json", "charter", "sections", &doc])
            .json()
            .as_array()
            .expect("array")
            .iter()
            .map(|s| s["id"].as_str().expect("id").to_owned())
            .collect()
    };
    assert_eq!(
        order(&home),
        ["adhesion", id.as_str(), "depart", "tensions"]
    );
    home.run(&["charter", "move-section", &doc, "tensions", "--start"])
        .ok();
    assert_eq!(
        order(&home),
        ["tensions", "adhesion", id.as_str(), "depart"]
    );
    home.run(&[
        "charter",
        "move-section",
        &doc,
        "tensions",
        "--after",
        "depart",
    ])
    .ok();
    assert_eq!(
        order(&home),
        ["adhesion", id.as_str(), "depart", "tensions"]
    );
    let tagged = home
        .run(&[
            "--json",
            "charter",
            "tag",
            &doc,
            &id,
            "--add",
            "membership.exit",
            "--remove",
            "privacy",
        ])
        .json();
    assert_eq!(tagged["tags"], serde_json::json!(["membership.exit"]));
    home.run(&["charter", "tag", &doc, &id]).fails_with("--add");
    home.run(&["charter", "remove-section", &doc, "Données personnelles"])
        .ok();
    assert_eq!(order(&home), ["adhesion", "depart", "tensions"]);
    home.run(&["charter", "add-section", &doc, "X", "--level", "9"])
        .fails_with("between 1 and 6");
    home.run(&["charter", "add-section", &doc, "X", "--tag", "bad tag"])
        .fails_with("not a valid tag");
}

#[test]
fn history_tells_who_changed_which_sections_and_when() {
    let home = Home::new();
    let doc = home.charter(COOP);
    let device = home.run(&["id"]).ok().trim().to_owned();
    home.run(&["charter", "edit", &doc, "depart", "--text", "On part."])
        .ok();
    home.run(&["charter", "remove-section", &doc, "tensions"])
        .ok();
    let history = home.run(&["--json", "history", &doc]).json();
    let changes = history["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 3);
    assert_eq!(changes[0]["device"], device.as_str());
    assert!(changes[1]["time_ms"].as_i64().expect("time") > 1_700_000_000_000);
    assert_eq!(
        changes[1]["touched"],
        serde_json::json!([{ "part": "section", "id": "depart" }])
    );
    assert_eq!(
        history["sections"]["tensions"], "Tensions",
        "removed sections keep their heading"
    );
    let text = home.run(&["history", &doc]).ok().to_owned();
    assert!(text.contains("§ Départ"));
    assert!(text.contains(&device[..10]));
    let only = home
        .run(&["--json", "history", &doc, "--section", "tensions"])
        .json();
    assert_eq!(only["changes"].as_array().expect("changes").len(), 2);
    let last = home
        .run(&["--json", "history", &doc, "--limit", "1"])
        .json();
    assert_eq!(last["changes"][0]["hash"], changes[2]["hash"]);
}

#[test]
fn earlier_versions_can_be_shown_and_diffed() {
    let home = Home::new();
    let doc = home.charter(COOP);
    let first = home.run(&["--json", "history", &doc]).json()["changes"][0]["hash"]
        .as_str()
        .expect("hash")
        .to_owned();
    home.run(&["charter", "edit", &doc, "adhesion", "--text", "Toute personne majeure peut adhérer.\n\n1. Sur demande écrite.\n\n2. Le collège statue sous un mois."]).ok();
    home.run(&[
        "charter",
        "add-section",
        &doc,
        "Finances",
        "--text",
        "Cotisation libre.",
    ])
    .ok();
    let then = home
        .run(&["charter", "show", &doc, "--at", &first[..8]])
        .ok()
        .to_owned();
    assert!(then.contains("Toute personne peut adhérer."));
    assert!(!then.contains("Finances"));
    let diff = home.run(&["diff", &doc, &first[..8]]).ok().to_owned();
    assert!(
        diff.contains("§ Adhésion (adhesion): text changed"),
        "{diff}"
    );
    assert!(diff.contains("-Toute personne peut adhérer."));
    assert!(diff.contains("+Toute personne majeure peut adhérer."));
    assert!(diff.contains("+ § Finances"));
    let json = home.run(&["--json", "diff", &doc, &first, &first]).json();
    assert_eq!(json["diff"]["sections"], serde_json::json!([]));
    home.run(&["charter", "show", &doc, "--at", "zz"])
        .fails_with("not a change hash");
    home.run(&["charter", "show", &doc, "--at", "abc"])
        .fails_with("at least 4");
    home.run(&["diff", &doc, "0000000"])
        .fails_with("no change in this document matches");
}

#[test]
fn two_homes_edit_concurrently_and_converge_through_bundles() {
    let alice = Home::new();
    let bob = Home::new();
    let doc = alice.charter(COOP);
    let bundle = alice.file("to-bob.nous");
    alice
        .run(&["bundle", "export", &doc, "-o", path_str(&bundle)])
        .ok();
    let imported = bob
        .run(&["--json", "bundle", "import", path_str(&bundle)])
        .json();
    assert_eq!(imported["imported"][0]["outcome"], "added");

    alice
        .run(&[
            "charter",
            "edit",
            &doc,
            "depart",
            "--text",
            "Alice : on part quand on veut. 👋",
        ])
        .ok();
    bob.run(&[
        "charter",
        "edit",
        &doc,
        "depart",
        "--text",
        "On part quand on veut. 👋 (Bob)",
    ])
    .ok();
    bob.run(&["charter", "tag", &doc, "tensions", "--add", "conduct"])
        .ok();

    let to_bob = alice.file("a.nous");
    let to_alice = bob.file("b.nous");
    alice
        .run(&["bundle", "export", "-o", path_str(&to_bob)])
        .ok();
    bob.run(&["bundle", "export", &doc, "-o", path_str(&to_alice)])
        .ok();
    bob.run(&["bundle", "import", path_str(&to_bob)]).ok();
    let merged = alice
        .run(&["--json", "bundle", "import", path_str(&to_alice)])
        .json();
    assert_eq!(
        merged["imported"][0]["outcome"],
        serde_json::json!({ "merged": 2 })
    );

    let a = alice.run(&["--json", "charter", "show", &doc]).json();
    let b = bob.run(&["--json", "charter", "show", &doc]).json();
    assert_eq!(a, b, "same heads, same charter");
    assert_eq!(
        a["charter"]["sections"][1]["text"],
        "Alice : on part quand on veut. 👋 (Bob)"
    );
    assert_eq!(
        a["charter"]["sections"][2]["tags"],
        serde_json::json!(["conduct", "tensions"])
    );

    let again = alice
        .run(&["--json", "bundle", "import", path_str(&to_alice)])
        .json();
    assert_eq!(again["imported"][0]["outcome"], "unchanged");
    let after = alice.run(&["--json", "charter", "show", &doc]).json();
    assert_eq!(after, a, "importing twice changes nothing");
}

#[test]
fn every_command_has_help() {
    let home = Home::empty();
    for command in [
        vec![],
        vec!["init"],
        vec!["id"],
        vec!["charter"],
        vec!["charter", "new"],
        vec!["charter", "list"],
        vec!["charter", "show"],
        vec!["charter", "sections"],
        vec!["charter", "edit"],
        vec!["charter", "add-section"],
        vec!["charter", "move-section"],
        vec!["charter", "remove-section"],
        vec!["charter", "tag"],
        vec!["history"],
        vec!["diff"],
        vec!["export"],
        vec!["bundle"],
        vec!["bundle", "export"],
        vec!["bundle", "import"],
        vec!["demo"],
    ] {
        let mut args = command.clone();
        args.push("--help");
        let out = home.run(&args);
        assert!(out.ok().contains("Usage:"), "{command:?} --help");
    }
}

#[test]
fn usage_errors_are_one_line_and_exit_2() {
    let home = Home::new();
    let out = home.run(&["charter", "show"]);
    assert_eq!(out.code, 2);
    out.fails_with("missing argument: `<DOC>`");
    let out = home.run(&["--no-such-flag"]);
    assert_eq!(out.code, 2);
    out.fails_with("--no-such-flag");
    let doc = home.charter(COOP);
    let out = home.run(&["charter", "edit", &doc, "depart", "--text", "a", "--editor"]);
    assert_eq!(out.code, 2);
    out.fails_with("cannot be used with");
}

#[test]
fn errors_are_json_with_the_json_flag() {
    let home = Home::new();
    let out = home.run(&["--json", "charter", "show", "nothing"]);
    assert_eq!(out.code, 1);
    let error: serde_json::Value = serde_json::from_str(out.stderr.trim()).expect("json error");
    assert!(
        error["error"]
            .as_str()
            .expect("message")
            .contains("no document matches")
    );
}

#[test]
fn the_demo_converges() {
    let home = Home::empty();
    let out = home.run(&["demo"]).ok().to_owned();
    assert!(out.contains("Converged: yes"), "{out}");
    assert!(out.contains("both edits to « Adhésion » kept: yes"));
    assert!(out.contains("History"));
    let json = home.run(&["--json", "demo"]).json();
    assert_eq!(json["converged"], true);
    assert_eq!(json["history"].as_array().expect("history").len(), 5);
    // --keep leaves homes that the CLI can open, with the community's story.
    let story = home.file("story");
    home.run(&["demo", "--keep", path_str(&story)]).ok();
    let alice_home = story.join("alice");
    let alice = |args: &[&str]| -> String {
        let out = std::process::Command::new(crate::support::nous_bin())
            .arg("--home")
            .arg(&alice_home)
            .args(args)
            .env("NOUS_LANG", "en")
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let shown: serde_json::Value =
        serde_json::from_str(&alice(&["--json", "community", "show"])).expect("json");
    let charter = shown["charter"].as_str().expect("charter").to_owned();
    // The demo's challenge was answered by a ratified amendment: nothing
    // is open any more.
    let summary = alice(&["community", "show"]);
    assert!(
        summary.contains("Open: 0 applications, 0 challenges, 0 amendments"),
        "{summary}"
    );
    let markdown = alice(&["history", &charter, "--format", "md"]);
    for expected in [
        "On peut être exclu sans avoir été entendu.",
        "Sans délai de convocation",
        "**valid**",
        "**adopted**",
        "+2. L'exclusion est décidée par l'assemblée, après que la personne a été convoquée",
    ] {
        assert!(markdown.contains(expected), "{expected} in\n{markdown}");
    }
    let page = home.file("story.html");
    alice(&[
        "history",
        &charter,
        "--format",
        "html",
        "-o",
        path_str(&page),
    ]);
    let html = std::fs::read_to_string(&page).expect("html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
    assert!(html.contains("Droit d&#39;être entendu") || html.contains("Droit d'être entendu"));
    let kept = home.file("kept");
    home.run(&["demo", "--keep", path_str(&kept)]).ok();
    let alice = std::process::Command::new(crate::support::nous_bin())
        .args([
            "--home",
            path_str(&kept.join("alice")),
            "--json",
            "charter",
            "list",
        ])
        .output()
        .expect("run");
    assert!(alice.status.success());
    let list: serde_json::Value = serde_json::from_slice(&alice.stdout).expect("json");
    // The charter, and the draft of the amendment ratified in the demo.
    assert_eq!(list.as_array().expect("list").len(), 2);
}

#[test]
fn the_demo_ratifies_an_amendment_that_verifies() {
    let home = Home::empty();
    let bundle = home.file("demo.nous");
    let json = home
        .run(&["--json", "demo", "--bundle", path_str(&bundle)])
        .json();
    assert_eq!(json["verified"], true);
    assert_eq!(json["version"], 2);
    // Anyone holding the bundle gets the same verdict and the same hash.
    let verified = home.run(&["--json", "verify", path_str(&bundle)]).json();
    assert_eq!(verified["report"]["ok"], true);
    assert_eq!(verified["report_hash"], json["report_hash"]);
    let community = &verified["report"]["communities"][0];
    assert_eq!(community["versions"].as_array().expect("versions").len(), 2);
    assert_eq!(community["rejected"], 0);
    // One flipped byte and the bundle no longer verifies.
    let mut bytes = std::fs::read(&bundle).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    let damaged = home.file("damaged.nous");
    std::fs::write(&damaged, &bytes).expect("write");
    let out = home.run(&["verify", path_str(&damaged)]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("damaged"), "{}", out.stderr);
}

#[test]
fn output_to_a_closed_pipe_is_not_an_error() {
    let home = Home::new();
    let doc = home.charter(&COOP.replace("Nous, membres", &"Nous, membres ".repeat(20_000)));
    let mut child = home
        .command(&["charter", "show", &doc])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success() || out.status.code() == Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn concurrent_commands_on_one_home_wait_for_each_other() {
    let home = Home::new();
    let doc = home.charter(COOP);
    let children: Vec<_> = (0..4)
        .map(|i| {
            home.command(&["charter", "add-section", &doc, &format!("Section {i}")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let sections = home.run(&["--json", "charter", "sections", &doc]).json();
    assert_eq!(sections.as_array().expect("array").len(), 7);
}

/// The section `adhesion` of the charter as `charter show` renders it in
/// Markdown, and as `--json` gives it.
fn shown_adhesion(home: &Home, doc: &str) -> (String, String) {
    let markdown = home.run(&["charter", "show", doc]).ok().to_owned();
    let read = nous_core::markdown::parse(&markdown);
    let section = &read.sections[0];
    assert_eq!(section.heading, "Adhésion");
    let from_markdown = nous_core::markdown::render_body(&section.text, &section.articles);
    let json = home.run(&["--json", "charter", "show", doc]).json();
    let section = &json["charter"]["sections"][0];
    let articles: Vec<nous_core::charter::Article> = section["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .map(|a| nous_core::charter::Article {
            number: a["number"].as_str().expect("number").to_owned(),
            text: a["text"].as_str().expect("text").to_owned(),
        })
        .collect();
    let from_json =
        nous_core::markdown::render_body(section["text"].as_str().expect("text"), &articles);
    (from_markdown, from_json)
}

/// Edit the section through a file, as `--file` and `--editor` do, and
/// check that `charter show` gives back exactly that text.
fn edit_and_check(home: &Home, doc: &str, body: &str) -> Result<(), String> {
    let file = home.file("section.md");
    std::fs::write(&file, format!("{body}\n")).expect("write");
    home.run(&[
        "charter",
        "edit",
        doc,
        "adhesion",
        "--file",
        path_str(&file),
    ])
    .ok();
    let (markdown, json) = shown_adhesion(home, doc);
    if markdown != body || json != body {
        return Err(format!(
            "wrote {body:?}\nshow gives {markdown:?}\n--json gives {json:?}"
        ));
    }
    Ok(())
}

#[test]
fn a_section_edit_gives_exactly_the_text_given() {
    // Issue 12, item 1: each of these lost or duplicated articles.
    let home = Home::new();
    let doc = home.charter(COOP);
    let steps = [
        "1. Premier article.\n\n2. Deuxième article.\n\n3. Le quorum est de moitié.",
        "1. Les décisions courantes sont prises chaque mois.",
        "1. Un.\n\n2. Deux.\n\n3. Trois.\n\n4. Quatre.",
        "1. Quatre.\n\n2. Trois.\n\n3. Deux.\n\n4. Un.",
        "1. Trois.\n\n2. Deux.\n\n3. Un.",
        "1. Trois.\n\n2. Un.",
        "",
        "Préambule d'abord.\n\n1. Un.\n\n2. Deux.",
        "1. Un.",
    ];
    for body in steps {
        edit_and_check(&home, &doc, body).unwrap_or_else(|e| panic!("{e}"));
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        std::env::var("NOUS_PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(6)
    ))]

    /// The same through the command line, over random sequences of
    /// bodies (a few cases here: the engine's property test runs hundreds).
    #[test]
    fn random_section_edits_read_back_exactly_through_the_cli(
        bodies in proptest::collection::vec(
            proptest::collection::vec(
                (0usize..6, proptest::bool::ANY),
                0..6,
            ),
            1..5,
        ),
    ) {
        const POOL: [&str; 6] = [
            "Premier article.",
            "Deuxième article.",
            "Le quorum est de moitié.",
            "Les décisions courantes sont prises chaque mois.",
            "Chaque membre peut quitter la coopérative. Œuvre commune, Zoë.",
            "Toute personne peut adhérer.\n\nSuite de l'article : 20 €.",
        ];
        let home = Home::new();
        let doc = home.charter(COOP);
        for articles in bodies {
            let body = articles
                .iter()
                .enumerate()
                .map(|(i, (text, paren))| {
                    format!("{}{} {}", i + 1, if *paren { ")" } else { "." }, POOL[*text])
                })
                .collect::<Vec<_>>()
                .join("\n\n");
            if let Err(e) = edit_and_check(&home, &doc, &body) {
                proptest::prop_assert!(false, "{}", e);
            }
        }
    }
}

#[test]
fn concurrent_rewrites_of_the_same_words_are_shown_and_resolved() {
    // Issue 12, item 2: "20 €" changed to "25 €" and to "15 €" used to
    // read "155 €" with no word to anyone.
    let alice = Home::new();
    let bob = Home::new();
    let doc = alice.charter(COOP);
    let bundle = alice.file("to-bob.nous");
    alice
        .run(&["bundle", "export", &doc, "-o", path_str(&bundle)])
        .ok();
    bob.run(&["bundle", "import", path_str(&bundle)]).ok();
    let text = |amount: &str| format!("La cotisation est de {amount} € par an. 👋");
    alice
        .run(&["charter", "edit", &doc, "depart", "--text", &text("20")])
        .ok();
    alice
        .run(&["bundle", "export", &doc, "-o", path_str(&bundle)])
        .ok();
    bob.run(&["bundle", "import", path_str(&bundle)]).ok();
    alice
        .run(&["charter", "edit", &doc, "depart", "--text", &text("25")])
        .ok();
    bob.run(&["charter", "edit", &doc, "depart", "--text", &text("15")])
        .ok();
    // Different words at the same time are not a conflict.
    alice
        .run(&[
            "charter",
            "edit",
            &doc,
            "tensions",
            "--text",
            "D'abord en parler, puis le cercle.",
        ])
        .ok();
    bob.run(&[
        "charter",
        "edit",
        &doc,
        "tensions",
        "--text",
        "Toujours en parler, puis la médiation.",
    ])
    .ok();
    assert_eq!(bob.run(&["--json", "conflicts"]).json()["open"], 0);

    alice
        .run(&["bundle", "export", &doc, "-o", path_str(&bundle)])
        .ok();
    let imported = bob.run(&["bundle", "import", path_str(&bundle)]);
    let said = imported.ok();
    assert!(said.contains("conflict "), "{said}");
    assert!(said.contains("§ Départ"), "{said}");

    let listed = bob.run(&["--json", "conflicts", &doc]).json();
    assert_eq!(listed["open"], 1, "{listed:#}");
    let conflict = &listed["conflicts"][0];
    assert_eq!(conflict["part"], "section-text");
    assert_eq!(conflict["section"], "depart");
    assert_eq!(conflict["ancestor"], "20");
    let sides: std::collections::BTreeSet<&str> = conflict["sides"]
        .as_array()
        .expect("sides")
        .iter()
        .map(|s| s["text"].as_str().expect("text"))
        .collect();
    assert_eq!(sides, ["15", "25"].into_iter().collect());
    let id = conflict["id"].as_str().expect("id").to_owned();
    let shown = bob.run(&["charter", "show", &doc, "--latest"]);
    assert!(
        shown.stderr.contains(&format!("conflict {id}")),
        "{}",
        shown.stderr
    );
    let text_out = bob.run(&["conflicts"]).ok().to_owned();
    assert!(
        text_out.contains(&id) && text_out.contains("merged:"),
        "{text_out}"
    );

    // Bob keeps Alice's amount; the conflict is closed, the text exact.
    let take = if conflict["sides"][0]["text"] == "25" {
        "a"
    } else {
        "b"
    };
    bob.run(&["conflicts", "resolve", &id[..6], "--take", take])
        .ok();
    let charter = bob
        .run(&["--json", "charter", "show", &doc, "--latest"])
        .json();
    assert_eq!(charter["charter"]["sections"][1]["text"], text("25"));
    assert_eq!(charter["conflicts"], serde_json::json!([]));
    assert_eq!(bob.run(&["conflicts"]).ok().trim(), "No open conflicts.");
    let all = bob.run(&["--json", "conflicts", "--all"]).json();
    assert_eq!(all["conflicts"][0]["open"], false);
    bob.run(&["conflicts", "resolve", &id, "--text", "30"])
        .fails_with("already resolved");
    bob.run(&["conflicts", "resolve", "ffffffff", "--take", "a"])
        .fails_with("no conflict");
    // Alice gets the resolution and sees no open conflict either.
    bob.run(&["bundle", "export", &doc, "-o", path_str(&bundle)])
        .ok();
    alice.run(&["bundle", "import", path_str(&bundle)]).ok();
    assert_eq!(alice.run(&["--json", "conflicts"]).json()["open"], 0);
    assert_eq!(
        alice
            .run(&["--json", "charter", "show", &doc, "--latest"])
            .json()["charter"]["sections"][1]["text"],
        text("25")
    );
}

/// `bundle import` takes several files, each merged whole or not at all;
/// a bad one stops the command and names itself, those before it stay.
#[test]
fn bundle_import_takes_several_files() {
    let a = Home::new();
    let b = Home::new();
    a.run(&["charter", "new", "Charte A"]).ok();
    b.run(&["charter", "new", "Charte B"]).ok();
    let (fa, fb) = (a.file("a.nous"), b.file("b.nous"));
    a.run(&["bundle", "export", "-o", path_str(&fa)]).ok();
    b.run(&["bundle", "export", "-o", path_str(&fb)]).ok();
    let c = Home::new();
    let out = c.run(&["bundle", "import", path_str(&fa), path_str(&fb)]);
    let text = out.ok();
    assert!(
        text.contains("Charte A") && text.contains("Charte B"),
        "{text}"
    );
    assert!(text.contains(&format!("{}:", fa.display())), "{text}");
    let listed = c.run(&["--json", "charter", "list"]).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    // JSON: one report per file, in order.
    let d = Home::new();
    let json = d
        .run(&["--json", "bundle", "import", path_str(&fa), path_str(&fb)])
        .json();
    let reports = json.as_array().expect("a list for several files");
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["file"], path_str(&fa));
    assert!(reports[1]["report"]["imported"].is_array(), "{json}");
    // One file: the report itself, as before.
    let e = Home::new();
    let one = e.run(&["--json", "bundle", "import", path_str(&fa)]).json();
    assert!(one["imported"].is_array(), "{one}");
    // A bad file stops the command and names itself; the one before stays.
    let bad = e.file("bad.nous");
    std::fs::write(&bad, b"not a bundle").expect("write");
    let f = Home::new();
    f.run(&[
        "bundle",
        "import",
        path_str(&fa),
        path_str(&bad),
        path_str(&fb),
    ])
    .fails_with("bad.nous");
    let listed = f.run(&["--json", "charter", "list"]).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
}

/// `tension show` prints one tension whole: what, who, each step with its
/// note; the same in JSON; in French on demand; a record that is not a
/// tension is refused in one line.
#[test]
fn tension_show_prints_one_tension_whole() {
    use crate::relay_support::{Member, found};
    let alice = Member::new("Alice");
    found(&alice, &[]);
    let opened = alice.json(&[
        "tension",
        "open",
        "Le planning des ateliers",
        "--path",
        "mediation",
        "--section",
        "Adhésion",
    ]);
    let id = opened["record"].as_str().expect("record").to_owned();
    alice
        .run(&["tension", "start", &id[..8], "--note", "Réunion jeudi"])
        .ok();
    let shown = alice.run(&["tension", "show", &id[..8]]).ok().to_owned();
    for text in [
        "Tension \"Le planning des ateliers\"",
        "in-process, mediation, raised by Alice",
        "Section: Adhésion (",
        "open",
        "— Réunion jeudi",
    ] {
        assert!(shown.contains(text), "no `{text}` in {shown}");
    }
    let json = alice.json(&["tension", "show", &id]);
    assert_eq!(json["summary"], "Le planning des ateliers");
    assert_eq!(json["history"].as_array().map(Vec::len), Some(2));
    let french = alice.home.run_in("fr", &["tension", "show", &id]);
    let french = french.ok();
    assert!(
        french.contains("Tension « Le planning des ateliers »")
            && french.contains("soulevée par Alice"),
        "{french}"
    );
    // The founding record is not a tension.
    let genesis = alice.json(&["community", "show"])["community"]
        .as_str()
        .expect("community id")
        .to_owned();
    alice
        .run(&["tension", "show", &genesis])
        .fails_with("is not a tension");
}

/// `history` names the members who made the changes, where a community of
/// the home knows their devices; a device no community knows is shown by
/// its key.
#[test]
fn history_names_members() {
    use crate::relay_support::{Member, found};
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.edit(&doc, "Adhésion", "On adhère en écrivant au secrétariat.");
    let lines = alice.run(&["history", &doc]).ok().to_owned();
    let edit = lines
        .lines()
        .find(|l| l.contains("§ Adhésion") && !l.contains("create charter"))
        .unwrap_or_else(|| panic!("no edit of Adhésion in {lines}"));
    assert!(edit.contains("  Alice  "), "{edit}");
    assert!(!lines.contains("device "), "{lines}");
    let json = alice.json(&["history", &doc]);
    assert_eq!(json["authors"][&alice.key], "Alice", "{json}");
    // A document outside any community: its author is a device.
    let other = Home::new();
    other.run(&["charter", "new", "Brouillon"]).ok();
    let lines = other.run(&["history", "Brouillon"]).ok().to_owned();
    assert!(lines.contains("device "), "{lines}");
}

/// `charter list` says what each document is to the home's communities:
/// the charter, an amendment's draft, a shared document, or nothing.
#[test]
fn charter_list_says_what_each_document_is() {
    use crate::relay_support::{Member, found};
    let alice = Member::new("Alice");
    let doc = found(&alice, &[]);
    let challenge = alice.json(&[
        "challenge",
        "Adhésion",
        "--tension",
        "Trop vague",
        "--example",
        "La dernière assemblée",
    ])["record"]
        .as_str()
        .expect("record")
        .to_owned();
    let proposed = alice.json(&[
        "amendment",
        "propose",
        &challenge,
        "--title",
        "Adhésion claire",
        "--rationale",
        "Dire les choses",
    ]);
    let draft = proposed["draft"].as_str().expect("draft").to_owned();
    alice
        .home
        .charter("# Compte rendu\n\n## Jeudi\n\nOn s'est vus.\n");
    alice
        .run(&["community", "share", "Compte rendu", "--public"])
        .ok();
    alice
        .home
        .charter("# Brouillon perso\n\n## Idées\n\nRien.\n");
    let listed = alice.json(&["charter", "list"]);
    let role = |id: &str| -> serde_json::Value {
        listed
            .as_array()
            .expect("a list")
            .iter()
            .find(|d| d["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in {listed}"))["role"]
            .clone()
    };
    assert_eq!(role(&doc)["kind"], "charter");
    assert_eq!(role(&doc)["community_name"], "Coop");
    assert_eq!(role(&draft)["kind"], "draft");
    let by_title = |title: &str| -> serde_json::Value {
        listed
            .as_array()
            .expect("a list")
            .iter()
            .find(|d| d["title"] == title)
            .unwrap_or_else(|| panic!("{title} not in {listed}"))["role"]
            .clone()
    };
    assert_eq!(by_title("Compte rendu")["kind"], "shared");
    assert!(by_title("Brouillon perso").is_null());
    let text = alice.run(&["charter", "list"]).ok().to_owned();
    assert!(
        text.lines().next().expect("header").contains("ROLE"),
        "{text}"
    );
    assert!(
        text.contains("charter · Coop") && text.contains("draft · Coop"),
        "{text}"
    );
    assert!(text.contains("shared · Coop"), "{text}");
    let french = alice.home.run_in("fr", &["charter", "list"]);
    let french = french.ok();
    assert!(
        french.contains("charte · Coop") && french.contains("brouillon · Coop"),
        "{french}"
    );
}

/// `history` names the sections a change touched in the order the
/// document has them, not in the order of their random ids.
#[test]
fn history_lists_sections_in_document_order() {
    let home = Home::new();
    let headings = ["Zeta", "Alpha", "Mid", "Beta", "Omega", "Gamma"];
    let md: String = std::iter::once("# C\n\n".to_owned())
        .chain(headings.iter().map(|h| format!("## {h}\n\nTexte {h}.\n\n")))
        .collect();
    let doc = home.charter(&md);
    let out = home.run(&["history", &doc]).ok().to_owned();
    let first = out.lines().next().expect("the creation");
    let at: Vec<usize> = headings
        .iter()
        .map(|h| {
            first
                .find(&format!("§ {h}"))
                .unwrap_or_else(|| panic!("{h} in {first}"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{first}");
    let json = home.run(&["--json", "history", &doc]).json();
    let ids: Vec<String> = json["changes"][0]["touched"]
        .as_array()
        .expect("touched")
        .iter()
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect();
    let sections = home.run(&["--json", "charter", "show", &doc]).json();
    let order: Vec<String> = sections["charter"]["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids, order);
}

/// `charter sections` keeps its columns aligned when an id is longer than
/// eight characters (the sample's `amendement`).
#[test]
fn the_sections_table_stays_aligned_with_long_ids() {
    let home = Home::new();
    let doc = home.charter(include_str!("../../cli/assets/sample-charter.md"));
    let out = home.run(&["charter", "sections", &doc]).ok().to_owned();
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.iter().any(|l| l.contains("amendement")), "{out}");
    // Where each row's heading starts: the same column in every row.
    let starts: Vec<usize> = lines[1..]
        .iter()
        .map(|line| {
            let after_level = line
                .char_indices()
                .skip(5)
                .find(|(_, c)| c.is_ascii_digit());
            after_level.map_or(0, |(at, _)| at)
        })
        .collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{out}");
}
