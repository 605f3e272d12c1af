//! Import a charter from Markdown, edit one section, read an earlier
//! version, and export it back.
//!
//! Run with: `cargo run -p nous-examples --example charter_from_markdown`

use nous_core::engine::{self, EngineOptions};
use nous_core::markdown::{self, RenderOptions};
use nous_core::{Engine, HeadsRef, ids};

const CHARTER: &str = "# Charte du jardin partagé\n\nNous cultivons ensemble. 🌱\n\n## Adhésion\n<!-- nous:section id=adhesion tags=membership.entry -->\n\n1. Toute personne du quartier peut adhérer.\n\n2. L'adhésion est gratuite.\n";

fn main() -> Result<(), nous_core::Error> {
    let dir = tempfile::tempdir().map_err(|e| nous_core::Error::Io(e.to_string()))?;
    let home = dir.path().join("home");
    engine::init_home(&home, &[7; 32])?;
    let mut counter = 0u8;
    let options = EngineOptions::new(
        Box::new(|| 1_767_225_600_000),
        Box::new(move |buf: &mut [u8]| {
            counter = counter.wrapping_add(1);
            buf.fill(counter);
        }),
    );
    let mut engine = Engine::open(&home, options)?;

    // Headings become sections; numbered paragraphs become articles.
    let draft = markdown::parse(CHARTER);
    let created = engine.create_charter("Charte du jardin partagé", &draft)?;
    engine.wait(created.ticket)?;
    let doc = created.value;
    let first = engine.heads(&doc)?;

    // Change one article: the edit is the smallest splice of the text.
    let adhesion = engine
        .charter(&doc, None)?
        .find_section("adhesion")?
        .id
        .clone();
    let edit = engine.edit(&doc, "cotisation", |c| {
        c.set_body(
            &adhesion,
            "1. Toute personne du quartier peut adhérer.\n\n2. La cotisation est libre.",
        )
    })?;
    engine.wait(edit.ticket)?;

    let now = engine.charter(&doc, None)?;
    assert_eq!(now.sections[0].articles[1].text, "La cotisation est libre.");

    // The first version is still there.
    let at: HeadsRef = ids::hash_hex(&first[0]).parse()?;
    let then = engine.charter(&doc, Some(&at))?;
    assert_eq!(
        then.sections[0].articles[1].text,
        "L'adhésion est gratuite."
    );

    // Export: the first version round-trips to the source, byte for byte.
    assert_eq!(markdown::render(&then, RenderOptions::default()), CHARTER);
    println!(
        "{}",
        markdown::render(&now, RenderOptions { annotations: false })
    );
    engine.close()
}
