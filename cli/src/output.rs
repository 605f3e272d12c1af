//! Printing: JSON for scripts, aligned text for people, one-line errors.

use std::io::{self, IsTerminal as _, Write as _};

/// Print a value as JSON on stdout.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    // Through a `Value`: keys come out sorted, whatever the type.
    let value = serde_json::to_value(value)?;
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &value)?;
    writeln!(out)?;
    Ok(())
}

/// Print text on stdout (a trailing newline is added when missing).
pub fn text(text: &str) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Say what is under way, on stderr when it is a terminal (long work).
pub fn note(text: &str) {
    let mut err = io::stderr();
    if err.is_terminal() {
        let _ = writeln!(err, "{text}");
    }
}

/// Whether the error comes from writing to a closed pipe (`nous … | head`).
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(|e| e.io_error_kind())
                .is_some_and(|kind| kind == io::ErrorKind::BrokenPipe)
    })
}

/// Print an error as one line on stderr (as JSON with `--json`, in
/// English).
pub fn report_error(error: &anyhow::Error, json: bool) {
    let message = if json {
        format!("{error:#}")
    } else {
        localized(error, crate::lang::current())
    }
    .replace(['\n', '\r'], " ");
    if json {
        let mut value = serde_json::json!({ "error": message });
        // A refusal by governance: its kind, and its reason as the state's
        // JSON gives reasons (English text, code, arguments).
        let refusal = error
            .chain()
            .find_map(|cause| cause.downcast_ref::<nous_api::Error>())
            .and_then(nous_api::Error::refusal);
        if let Some((kind, reason)) = refusal
            && let Ok(serde_json::Value::Object(mut refused)) = serde_json::to_value(reason)
        {
            refused.insert("kind".into(), kind.into());
            value["refused"] = serde_json::Value::Object(refused);
        }
        eprintln!("{value}");
    } else {
        eprintln!("{}", crate::lang::tr!("error-line", message = message));
    }
}

/// An error and its causes in one line, as `{error:#}` writes them, the
/// facade's errors said in `lang` ([`nous_api::Error::localized`]; in
/// English, exactly `{error:#}`).
pub fn localized(error: &anyhow::Error, lang: nous_core::i18n::Lang) -> String {
    error
        .chain()
        .map(|cause| {
            if let Some(api) = cause.downcast_ref::<nous_api::Error>() {
                api.localized(lang)
            } else if let Some(engine) = cause.downcast_ref::<nous_core::Error>() {
                nous_api::engine_localized(engine, lang)
            } else {
                cause.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(": ")
}

/// Pad `text` to `width` characters (counting chars, not bytes).
pub fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    let mut padded = text.to_owned();
    padded.extend(std::iter::repeat_n(' ', width.saturating_sub(len)));
    padded
}

/// Shorten `text` to at most `width` characters, with an ellipsis, and
/// blank out control characters so a hostile title cannot break a table.
pub fn clip(text: &str, width: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= width {
        clean
    } else {
        let mut clipped: String = clean.chars().take(width.saturating_sub(1)).collect();
        clipped.push('…');
        clipped
    }
}

/// A moment for people, in the language spoken (`2026-12-16 10:05:09 UTC`,
/// `16 déc. 2026 à 10 h 05 UTC`), from milliseconds since the Unix epoch.
pub fn time(ms: i64) -> String {
    crate::lang::current().moment(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_formatted_in_utc() {
        assert_eq!(time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(time(1_795_949_739_000), "2026-11-29 10:55:39 UTC");
        assert_eq!(time(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(time(-1000), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn padding_and_clipping_count_characters() {
        assert_eq!(pad("é", 3), "é  ");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
        assert_eq!(clip("a\nb\u{1b}[2J", 10), "a b [2J");
    }

    #[test]
    fn errors_are_said_in_the_language_spoken_and_as_before_in_english() {
        use nous_core::i18n::Lang;
        let api = || nous_api::Error::NotInitialised("/h".into());
        let error = anyhow::Error::new(api()).context("opening");
        assert_eq!(localized(&error, Lang::En), format!("{error:#}"));
        assert_eq!(
            localized(&error, Lang::Fr),
            "opening: /h n'est pas un dossier Nous (lancez `nous init`)"
        );
        let engine = anyhow::Error::new(nous_core::Error::UnknownDocument("zz".into()));
        assert_eq!(
            localized(&engine, Lang::Fr),
            "aucun document ne correspond à « zz »"
        );
        let plain = anyhow::anyhow!("something else");
        assert_eq!(localized(&plain, Lang::Fr), "something else");
    }
}
