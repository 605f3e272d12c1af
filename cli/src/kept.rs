//! `--editor` never loses text: a text whose save is refused (a heading in
//! a section's body, the part changed meanwhile, any refusal) is kept in the
//! home, one file per document and part (`kept/DOC-PART.md`); the error says
//! where and why. The next `--editor` on the same part opens the kept text
//! (saying so on stderr) until a save succeeds, which removes it, or
//! `--discard-kept` drops it.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use nous_api::Home;
use nous_core::DocId;

use crate::commands::{Context, edit_in_editor, open};
use crate::lang::tr;

/// The folder of the home where refused texts are kept.
const KEPT_DIR: &str = "kept";

/// Where the text of `part` (a section id, `title` or `preamble`) of `doc`
/// is kept.
pub fn path(cx: &Context, doc: &DocId, part: &str) -> PathBuf {
    cx.home.join(KEPT_DIR).join(format!("{doc}-{part}.md"))
}

/// The text kept at `path`, if any (without the newline the editor adds).
fn read(path: &Path) -> anyhow::Result<Option<String>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = crate::commands::read_text(path)?;
    Ok(Some(text.strip_suffix('\n').unwrap_or(&text).to_owned()))
}

/// `--discard-kept`: drop the text kept at `path` (nothing kept is no
/// error). Alone (`alone`), that is the command's output (JSON with
/// `--json`); with `--editor`, a note on stderr.
pub fn discard(cx: &Context, path: &Path, alone: bool) -> anyhow::Result<()> {
    let discarded = path.exists();
    if discarded {
        fs::remove_file(path).with_context(|| tr!("kept-cannot-remove", path = shown(path)))?;
    }
    let line = if discarded {
        tr!("kept-discarded", path = shown(path))
    } else {
        tr!("kept-nothing", path = shown(path))
    };
    if !alone {
        eprintln!("{line}");
        Ok(())
    } else if cx.json {
        crate::output::json(&serde_json::json!({
            "kept": shown(path),
            "discarded": discarded,
        }))
    } else {
        crate::output::text(&line)
    }
}

/// With `--text` or `--file`, a text kept for the same part stays: say so.
pub fn mention(path: &Path) {
    if path.exists() {
        eprintln!("{}", tr!("kept-still-there", path = shown(path)));
    }
}

/// Edit `current` (or the text kept at `kept`, which wins) in the editor
/// with the home closed, then `save` what was written with the home opened
/// again. If `save` fails, the text is kept at `kept` and the error says
/// where; if it succeeds, a kept text is removed.
pub fn edit<T>(
    cx: &Context,
    home: Home,
    kept: &Path,
    current: &str,
    save: impl FnOnce(Home, &str) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let start = match read(kept)? {
        Some(text) => {
            eprintln!("{}", tr!("kept-reopened", path = shown(kept)));
            text
        }
        None => current.to_owned(),
    };
    // Close the home while the editor is open, so other commands can use it.
    home.into_engine().close()?;
    let edited = edit_in_editor(&start)?;
    let saved = open(cx).and_then(|home| save(home, &edited));
    match saved {
        Ok(value) => {
            if kept.exists() {
                fs::remove_file(kept)
                    .with_context(|| tr!("kept-cannot-remove", path = shown(kept)))?;
            }
            Ok(value)
        }
        Err(error) => {
            if let Some(dir) = kept.parent() {
                fs::create_dir_all(dir)
                    .with_context(|| tr!("kept-cannot-write", path = shown(kept)))?;
            }
            fs::write(kept, &edited)
                .with_context(|| tr!("kept-cannot-write", path = shown(kept)))?;
            Err(error.context(tr!("kept-not-saved", path = shown(kept))))
        }
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}
