//! `--editor` never loses text: a refused save keeps the text in the home,
//! says where and why, and the next `--editor` opens it again until a save
//! succeeds or `--discard-kept` drops it. Driven through `EDITOR` set to a
//! script that records what it was given and writes `NEW_TEXT`.

#![cfg(unix)]

use std::path::PathBuf;

use crate::support::{COOP, Home, Run, path_str};

/// The editor: copies what it is given to `$SEEN`, then writes `$NEW_TEXT`.
fn editor(home: &Home) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let script = home.file("editor.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\ncp \"$1\" \"$SEEN\"\nprintf '%s' \"$NEW_TEXT\" > \"$1\"\n",
    )
    .expect("script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    script
}

/// Run `nous ARGS` with the editor writing `text`; what the editor was given.
fn with_editor(home: &Home, lang: &str, args: &[&str], text: &str) -> (Run, String) {
    let seen = home.file("seen.md");
    let _ = std::fs::remove_file(&seen);
    let run = Run::from(
        home.command(args)
            .env("EDITOR", editor(home))
            .env("NOUS_LANG", lang)
            .env("SEEN", &seen)
            .env("NEW_TEXT", text)
            .output()
            .expect("run nous"),
    );
    let given = std::fs::read_to_string(&seen).unwrap_or_default();
    (run, given)
}

/// The kept file's path, as the error names it (`… kept in PATH (…`).
fn kept_path(line: &str, marker: &str) -> PathBuf {
    let rest = line
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("{line}"));
    PathBuf::from(rest.split(" (").next().expect("a path"))
}

fn body(home: &Home, doc: &str, section: usize) -> String {
    home.run(&["--json", "charter", "show", doc]).json()["charter"]["sections"][section]["text"]
        .as_str()
        .expect("text")
        .to_owned()
}

#[test]
fn a_refused_charter_edit_keeps_the_text_and_offers_it_again() {
    let home = Home::new();
    let doc = home.charter(COOP);
    let edit = ["charter", "edit", doc.as_str(), "depart", "--editor"];

    // A heading in a section's body: refused, kept, and the error says where.
    let mine = "On part quand on veut.\n\n## Préavis\n\nUn mois.";
    let (run, given) = with_editor(&home, "en", &edit, mine);
    assert_eq!(given, "On part quand on veut. 👋\n");
    let line = run.fails_with("may not contain Markdown headings");
    assert!(line.contains("not saved; your text is kept in "), "{line}");
    let kept = kept_path(line, "kept in ");
    assert!(kept.starts_with(home.path()), "{kept:?} is in the home");
    assert_eq!(std::fs::read_to_string(&kept).expect("kept"), mine);
    assert_eq!(body(&home, &doc, 1), "On part quand on veut. 👋");

    // The next --editor opens the kept text (said on stderr); refused again,
    // it is still kept, with the new text.
    let again = "On part.\n\n# Préavis";
    let (run, given) = with_editor(&home, "en", &edit, again);
    assert_eq!(given, format!("{mine}\n"));
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("Opening the text kept from a save that was refused"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&kept).expect("kept"), again);

    // Fixed in the editor, saved: the kept text is gone.
    let (run, given) = with_editor(&home, "en", &edit, "On part.\n\nPréavis : un mois.");
    assert_eq!(given, format!("{again}\n"));
    run.ok();
    assert!(!kept.exists());
    assert_eq!(body(&home, &doc, 1), "On part.\n\nPréavis : un mois.");
    // And the next --editor starts from the saved text.
    let (run, given) = with_editor(&home, "en", &edit, "On part.");
    run.ok();
    assert_eq!(given, "On part.\n\nPréavis : un mois.\n");
}

#[test]
fn a_kept_text_is_dropped_on_demand_and_the_title_has_its_own() {
    let home = Home::new();
    let doc = home.charter(COOP);
    let (run, _) = with_editor(
        &home,
        "en",
        &["charter", "edit", &doc, "@title", "--editor"],
        "Deux\nlignes",
    );
    let kept = kept_path(run.fails_with("single line"), "kept in ");
    // The section's editor is not offered the title's text.
    let (run, given) = with_editor(
        &home,
        "en",
        &["charter", "edit", &doc, "tensions", "--editor"],
        "D'abord en parler.",
    );
    run.ok();
    assert_eq!(given, "D'abord en parler, puis la médiation.\n");
    assert!(kept.exists());
    // --text saves, and says a kept text remains.
    let run = home.run(&["charter", "edit", &doc, "@title", "--text", "Charte"]);
    run.ok();
    assert!(run.stderr.contains("is still in"), "{}", run.stderr);
    assert!(kept.exists());
    // Dropped: in JSON, then nothing left to drop.
    let dropped = home
        .run(&[
            "--json",
            "charter",
            "edit",
            &doc,
            "@title",
            "--discard-kept",
        ])
        .json();
    assert_eq!(dropped["discarded"], true);
    assert_eq!(dropped["kept"], path_str(&kept));
    assert!(!kept.exists());
    let none = home.run(&["charter", "edit", &doc, "@title", "--discard-kept"]);
    assert!(none.ok().contains("No kept text"), "{}", none.stdout);
    // --discard-kept goes with --editor only.
    let usage = home.run(&[
        "charter",
        "edit",
        &doc,
        "@title",
        "--discard-kept",
        "--text",
        "x",
    ]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);
    let usage = home.run(&["charter", "edit", &doc, "@title"]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);
    // With --editor, it starts again from the current text.
    let (run, _) = with_editor(
        &home,
        "en",
        &["charter", "edit", &doc, "@title", "--editor"],
        "a\nb",
    );
    let kept = kept_path(run.fails_with("single line"), "kept in ");
    let (run, given) = with_editor(
        &home,
        "en",
        &[
            "charter",
            "edit",
            &doc,
            "@title",
            "--editor",
            "--discard-kept",
        ],
        "Charte commune",
    );
    run.ok();
    assert_eq!(given, "Charte\n");
    assert!(
        run.stderr.contains("Dropped the kept text"),
        "{}",
        run.stderr
    );
    assert!(!kept.exists());
}

#[test]
fn the_text_is_kept_when_the_part_changed_meanwhile_and_in_french() {
    let home = Home::new();
    let doc = home.charter(COOP);
    // The editor saves another text through `nous` while it is open.
    let script = home.file("meanwhile.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\"{}\" --home \"{}\" charter edit {doc} depart --text \"Autre texte.\" >/dev/null\nprintf '%s' 'Mon texte.' > \"$1\"\n",
            crate::support::nous_bin(),
            path_str(&home.path()),
        ),
    )
    .expect("script");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let run = Run::from(
        home.command(&["charter", "edit", &doc, "depart", "--editor"])
            .env("EDITOR", &script)
            .env("NOUS_LANG", "fr")
            .output()
            .expect("run"),
    );
    let line = run.fails_with("a changé pendant que vous la modifiiez");
    assert!(line.contains("votre texte est gardé dans "), "{line}");
    let kept = kept_path(line, "gardé dans ");
    assert_eq!(std::fs::read_to_string(&kept).expect("kept"), "Mon texte.");
    assert_eq!(body(&home, &doc, 1), "Autre texte.");
    // The JSON error names the path too.
    let (run, _) = with_editor(
        &home,
        "en",
        &["--json", "charter", "edit", &doc, "depart", "--editor"],
        "## No",
    );
    assert_ne!(run.code, 0);
    let error: serde_json::Value =
        serde_json::from_str(run.stderr.lines().last().expect("a line")).expect("json");
    assert!(
        error["error"]
            .as_str()
            .is_some_and(|e| e.contains(path_str(&kept))),
        "{error}"
    );
}

/// `amendment edit --editor`: the same guarantee on an amendment's draft.
#[test]
fn a_refused_draft_edit_keeps_the_text_too() {
    let home = Home::new();
    let sample = include_str!("../../cli/assets/sample-charter.md");
    let doc = home.charter(sample);
    home.run(&["--json", "community", "create", "Coop", "--charter", &doc])
        .json();
    let challenge = home
        .run(&[
            "--json",
            "challenge",
            "depart",
            "--tension",
            "trop vague",
            "--example",
            "la dernière fois",
        ])
        .json()["record"]
        .as_str()
        .expect("record")
        .to_owned();
    let amendment = home
        .run(&[
            "--json",
            "amendment",
            "propose",
            &challenge,
            "--title",
            "Préavis",
            "--rationale",
            "savoir",
        ])
        .json()["record"]
        .as_str()
        .expect("record")
        .to_owned();
    let edit = [
        "amendment",
        "edit",
        amendment.as_str(),
        "depart",
        "--editor",
    ];
    let (run, given) = with_editor(&home, "en", &edit, "Un mois.\n\n## Préavis");
    assert!(!given.is_empty());
    let kept = kept_path(
        run.fails_with("not saved; your text is kept in "),
        "kept in ",
    );
    assert_eq!(
        std::fs::read_to_string(&kept).expect("kept"),
        "Un mois.\n\n## Préavis"
    );
    let (run, given) = with_editor(&home, "en", &edit, "Un mois de préavis.");
    assert_eq!(given, "Un mois.\n\n## Préavis\n");
    run.ok();
    assert!(!kept.exists());
    let shown = home
        .run(&["--json", "amendment", "show", &amendment])
        .json();
    let draft = shown["amendment"]["draft"].as_str().expect("draft");
    let text = home.run(&["--json", "charter", "show", draft]).json();
    let sections = text["charter"]["sections"].as_array().expect("sections");
    assert!(
        sections.iter().any(|s| s["text"] == "Un mois de préavis."),
        "{text}"
    );
    // Dropping works on the draft too.
    let dropped = home
        .run(&[
            "--json",
            "amendment",
            "edit",
            &amendment,
            "depart",
            "--discard-kept",
        ])
        .json();
    assert_eq!(dropped["discarded"], false);
}
