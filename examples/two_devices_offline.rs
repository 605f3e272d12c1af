//! Two devices edit the same section while offline, exchange bundles, and
//! end with the same text and heads, both edits kept.
//!
//! Run with: `cargo run -p nous-examples --example two_devices_offline`

use nous_core::engine::EngineOptions;
use nous_core::store::MemoryStorage;
use nous_core::{DeviceKey, Engine, ImportOutcome, markdown};

fn device(seed: u8) -> Engine {
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
    let mut laptop = device(1);
    let mut phone = device(2);

    let draft = markdown::parse("# Charte\n\n## Tensions\n\nOn en parle d'abord entre nous.\n");
    let doc = laptop.create_charter("Charte", &draft)?.value;
    phone.import_bundle(&laptop.export_bundle(&[doc])?)?;
    let tensions = laptop.charter(&doc, None)?.sections[0].id.clone();

    // Offline, at the same time, in the same sentence.
    laptop.edit(&doc, "", |c| {
        c.set_body(&tensions, "On en parle d'abord entre nous, calmement.")
    })?;
    let end = phone.charter(&doc, None)?.sections[0].text.chars().count();
    phone.type_text(&doc, &tensions, end, 0, " Puis en médiation.")?;

    // Back online: each imports the other's bundle.
    let to_phone = laptop.export_bundle(&[doc])?;
    let to_laptop = phone.export_bundle(&[doc])?;
    phone.import_bundle(&to_phone)?;
    let report = laptop.import_bundle(&to_laptop)?;
    assert_eq!(report[0].outcome, ImportOutcome::Merged(1));

    assert_eq!(laptop.heads(&doc)?, phone.heads(&doc)?);
    let text = laptop.charter(&doc, None)?.sections[0].text.clone();
    assert_eq!(text, phone.charter(&doc, None)?.sections[0].text);
    assert_eq!(
        text,
        "On en parle d'abord entre nous, calmement. Puis en médiation."
    );

    // Importing the same bundle again changes nothing.
    assert_eq!(
        laptop.import_bundle(&to_laptop)?[0].outcome,
        ImportOutcome::Unchanged
    );
    println!("both devices: {text}");
    Ok(())
}
