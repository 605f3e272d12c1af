//! Progress bars for long work (`nous sync`, `nous verify`, `nous bundle
//! import` and `export`): drawn on
//! stderr with `indicatif` when it is a terminal, never on a pipe nor with
//! `--json`. The facade only counts (`done`, `total`); drawing is here.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar, or nothing when progress is not shown.
#[derive(Debug)]
pub struct Bar(Option<ProgressBar>);

/// Whether progress is shown: not with `--json`, and only when stderr is a
/// terminal.
pub fn shown(json: bool) -> bool {
    !json && std::io::stderr().is_terminal()
}

impl Bar {
    /// A bar saying `what`, drawn when `show` (see [`shown`]).
    pub fn new(show: bool, what: &str) -> Bar {
        if !show {
            return Bar(None);
        }
        // Hidden until the first count: a bar of 0/0 would be drawn full.
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(what.to_owned());
        Bar(Some(bar))
    }

    /// `done` of `total`.
    pub fn update(&self, done: usize, total: usize) {
        if let Some(bar) = &self.0 {
            bar.set_length(u64::try_from(total).unwrap_or(u64::MAX));
            bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
            if bar.is_hidden() {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        }
    }

    /// Whether anything is drawn.
    #[cfg(test)]
    pub fn is_drawn(&self) -> bool {
        self.0.is_some()
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_bar_with_json_or_when_not_asked() {
        assert!(!shown(true));
        let bar = Bar::new(false, "syncing");
        assert!(!bar.is_drawn());
        bar.update(1, 2);
        assert!(Bar::new(true, "syncing").is_drawn());
    }
}
