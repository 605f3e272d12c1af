//! Documents and sections found as people type them: case and accents
//! aside, or by an unambiguous prefix; an ambiguous name lists the
//! candidates.

use crate::support::{Home, path_str};

const CHARTER: &str = "# Charte de la coopérative\n\n## Adhésion\n\nOn adhère.\n\n## Adhésion des partenaires\n\nLes partenaires adhèrent.\n\n## Départ\n\nOn part.\n";

#[test]
fn names_are_found_case_and_accents_aside_or_by_prefix() {
    let home = Home::new();
    let path = home.file("charte.md");
    std::fs::write(&path, CHARTER).expect("write");
    home.run(&["charter", "new", "--from", path_str(&path)])
        .ok();
    // The title: accents and case aside, or a prefix of it.
    for name in ["CHARTE DE LA COOPERATIVE", "charte", "Charte de la coop"] {
        let out = home.run(&["--json", "charter", "sections", name]).json();
        assert_eq!(out.as_array().map(Vec::len), Some(3), "{name}");
    }
    // A heading: `adhesion` is « Adhésion » (the exact name wins over the
    // longer heading it begins), `depart` is « Départ ».
    home.run(&[
        "charter",
        "edit",
        "charte",
        "adhesion",
        "--text",
        "On adhère en signant.",
    ])
    .ok();
    home.run(&[
        "charter",
        "edit",
        "charte",
        "DEPART",
        "--text",
        "On part quand on veut.",
    ])
    .ok();
    home.run(&[
        "charter",
        "edit",
        "charte",
        "adhesion des p",
        "--text",
        "Par convention.",
    ])
    .ok();
    let shown = home.run(&["charter", "show", "charte"]).ok().to_owned();
    for text in [
        "On adhère en signant.",
        "On part quand on veut.",
        "Par convention.",
    ] {
        assert!(shown.contains(text), "{shown}");
    }
    // An ambiguous prefix says which sections it could be.
    let out = home.run(&["charter", "edit", "charte", "adh", "--text", "x"]);
    let line = out.fails_with("`adh` matches several sections");
    assert!(
        line.contains("\"Adhésion\"") && line.contains("\"Adhésion des partenaires\""),
        "{line}"
    );
    // Nothing of that name.
    home.run(&["charter", "edit", "charte", "statuts", "--text", "x"])
        .fails_with("statuts");
}
