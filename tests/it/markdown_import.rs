//! `nous charter new --from FILE.md` at the edges of its caps: many
//! headings, many articles, deep nesting, large files
//! (`docs/charter-schema.md`, Markdown).
//! A refused file leaves the home as it was.

use crate::support::{Home, path_str};

/// A charter of `n` sections, each with a line of text and one article, in
/// several scripts; well formed, so its plain export is the same bytes.
fn charter_with_sections(n: usize) -> String {
    let mut markdown = String::from("# Charte des communs\n\nPréambule : معًا, ensemble.\n");
    for i in 0..n {
        markdown.push_str(&format!(
            "\n## Section {i} — Adhésion\n\nTexte {i} : עברית ✊\n\n1. Article {i}.\n"
        ));
    }
    markdown
}

/// Write `markdown`, run `charter new --from` on it and return the outcome.
fn import(home: &Home, markdown: &str, json: bool) -> crate::support::Run {
    let path = home.file("import.md");
    std::fs::write(&path, markdown).expect("write markdown");
    let mut args = vec!["charter", "new", "--from", path_str(&path)];
    if json {
        args.insert(0, "--json");
    }
    home.run(&args)
}

#[track_caller]
fn assert_no_charters(home: &Home) {
    let list = home.run(&["--json", "charter", "list"]).json();
    assert_eq!(list, serde_json::json!([]), "nothing was created");
}

#[test]
fn a_file_over_the_heading_cap_is_refused_and_creates_nothing() {
    let home = Home::new();
    let too_many = charter_with_sections(10_001);
    import(&home, &too_many, false)
        .fails_with("more than 10000 headings; a charter imports at most 10000 sections");
    // With `--json`, the same reason as JSON on stderr.
    let run = import(&home, &too_many, true);
    assert_ne!(run.code, 0);
    let error: serde_json::Value = serde_json::from_str(run.stderr.trim()).expect("JSON error");
    let message = error["error"].as_str().expect("error message");
    assert!(message.contains("cannot import"), "{message}");
    assert!(message.contains("more than 10000 headings"), "{message}");
    assert_no_charters(&home);
    home.run(&["charter", "list"]).ok();
}

#[test]
fn a_file_over_the_article_cap_is_refused() {
    let home = Home::new();
    let articles = format!("# Code\n\n## Articles\n\n{}", "1. a\n".repeat(20_001));
    import(&home, &articles, false)
        .fails_with("more than 20000 articles; a charter imports at most 20000");
    assert_no_charters(&home);
}

#[test]
fn five_thousand_sections_import_with_every_section_and_its_text() {
    let home = Home::new();
    let markdown = charter_with_sections(5_000);
    let created = import(&home, &markdown, true).json();
    assert_eq!(created["sections"], 5_000);
    let doc = created["id"].as_str().expect("id");
    let shown = home.run(&["--json", "charter", "show", doc]).json();
    let sections = shown["charter"]["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), 5_000);
    for (i, section) in sections.iter().enumerate() {
        assert_eq!(section["heading"], format!("Section {i} — Adhésion"));
        assert_eq!(section["text"], format!("Texte {i} : עברית ✊"));
        assert_eq!(section["articles"][0]["text"], format!("Article {i}."));
    }
    // Every byte: the plain export of a well-formed charter is its source.
    let exported = home.run(&["export", doc, "--format", "md", "--plain"]);
    assert_eq!(exported.ok(), markdown);
}

#[test]
fn lists_nested_three_thousand_levels_deep_are_refused() {
    let home = Home::new();
    // Indented two spaces a level, 3,000 levels make a 9 MB file: refused
    // for its size before anything is read into a charter.
    let mut indented = String::from("# Liste\n\n## Niveaux\n\n");
    for level in 0..3_000 {
        indented.push_str(&"  ".repeat(level));
        indented.push_str("- niveau\n");
    }
    assert!(indented.len() > 9_000_000);
    import(&home, &indented, false)
        .fails_with("bytes long; a charter imports at most 1048576 bytes of Markdown");
    // The same depth on one line (`- - - … x`) is a few kilobytes: refused
    // for its depth.
    let one_line = format!("# Liste\n\n## Niveaux\n\n{}x\n", "- ".repeat(3_000));
    import(&home, &one_line, false)
        .fails_with("line 5 is nested more than 64 levels deep in lists and block quotes");
    let quotes = format!("# Citations\n\n{}x\n", "> ".repeat(3_000));
    import(&home, &quotes, false).fails_with("line 3 is nested more than 64 levels deep");
    assert_no_charters(&home);

    // 64 levels are allowed, and kept as written.
    let mut allowed = String::from("# Liste\n\n## Niveaux\n\n");
    for level in 0..64 {
        allowed.push_str(&format!("{}- niveau {level}\n", "  ".repeat(level)));
    }
    let created = import(&home, &allowed, true).json();
    let doc = created["id"].as_str().expect("id");
    let shown = home.run(&["--json", "charter", "show", doc]).json();
    let text = shown["charter"]["sections"][0]["text"]
        .as_str()
        .expect("text");
    assert_eq!(
        format!("{text}\n"),
        allowed["# Liste\n\n## Niveaux\n\n".len()..]
    );
}

#[test]
fn an_unclosed_code_fence_is_text_and_a_5_mb_one_is_refused() {
    let home = Home::new();
    // Within the cap: everything after the fence is the section's text,
    // headings and numbers included.
    let mut code = String::new();
    for i in 0..4_000 {
        code.push_str(&format!("## pas une section {i}\n{i}. pas un article\n"));
    }
    let fenced = format!("# Code\n\n## Exemple\n\n```\n{code}");
    assert!(fenced.len() < 1 << 20);
    let created = import(&home, &fenced, true).json();
    assert_eq!(created["sections"], 1);
    let doc = created["id"].as_str().expect("id");
    let shown = home.run(&["--json", "charter", "show", doc]).json();
    let section = &shown["charter"]["sections"][0];
    assert_eq!(section["text"], format!("```\n{}", code.trim_end()));
    assert_eq!(section["articles"], serde_json::json!([]));

    // 5 MB of it: refused for its size, and nothing more was created.
    let line = format!("{}\n", "x".repeat(79));
    let huge = format!(
        "# Code\n\n## Exemple\n\n```\n{}",
        line.repeat((5 << 20) / line.len())
    );
    assert!(huge.len() > 5_000_000);
    import(&home, &huge, false).fails_with("a charter imports at most 1048576 bytes");
    let list = home.run(&["--json", "charter", "list"]).json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}
