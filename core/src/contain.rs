//! Containing panics in dependencies that are not a security boundary:
//! Automerge on malformed input, redb on a file damaged behind its back.
//!
//! [`contain`] runs a closure inside `catch_unwind` and marks the thread, so
//! the panic hook installed by [`crate::guard::install_panic_hook`] keeps the
//! contained panic off stderr: it becomes an error value instead.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    static CONTAINING: Cell<bool> = const { Cell::new(false) };
}

/// Run `f`; a panic becomes `Err(message)`.
pub(crate) fn contain<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was = CONTAINING.with(|flag| flag.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CONTAINING.with(|flag| flag.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned())
    })
}

/// Whether this thread is inside [`contain`].
pub(crate) fn is_containing() -> bool {
    CONTAINING.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        crate::guard::install_panic_hook();
        assert_eq!(contain(|| 7), Ok(7));
        assert_eq!(contain(|| -> u8 { panic!("boom") }), Err("boom".to_owned()));
        assert!(!is_containing());
    }
}
