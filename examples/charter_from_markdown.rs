//! Import a charter from Markdown, edit one section, read an earlier
//! version, and export it back.
//!
//! Run with: `cargo run -p nous-examples --example charter_from_markdown`

use nous_api::{Env, Home};
use nous_core::markdown::{self, RenderOptions};
use nous_core::{HeadsRef, ids};

const CHARTER: &str = "# Charte du jardin partagé\n\nNous cultivons ensemble. 🌱\n\n## Adhésion\n<!-- nous:section id=adhesion tags=membership.entry -->\n\n1. Toute personne du quartier peut adhérer.\n\n2. L'adhésion est gratuite.\n";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let home = dir.path().join("home");
    Home::init_with_seed(&home, &[7; 32])?;
    // A fixed clock and counting "randomness": the example's ids and times
    // are the same on every run.
    let counter = std::sync::atomic::AtomicU8::new(0);
    let env = Env::fixed(1_767_225_600_000).with_entropy(move |buf: &mut [u8]| {
        buf.fill(counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
    });
    let mut engine = Home::open(&home, env)?;

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
    engine.close()?;
    Ok(())
}
