//! Progress of long work (verifying a bundle, importing or exporting one),
//! as counts. The engine draws nothing: a caller passes a callback, called
//! with `(done, total)` — `done` increasing, never past `total` — and draws
//! what it likes (the `nous` command, a bar on a terminal).

/// A progress callback: `(done, total)`.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// Work done against a fixed total; the callback is called with `(0,
/// total)` first, then each time the count moves, and with `(total,
/// total)` when the work is over ([`Tally::finish`]).
pub(crate) struct Tally<'a> {
    done: usize,
    total: usize,
    callback: Progress<'a>,
}

impl<'a> Tally<'a> {
    /// Start counting up to `total`.
    pub(crate) fn new(total: usize, callback: Progress<'a>) -> Tally<'a> {
        callback(0, total);
        Tally {
            done: 0,
            total,
            callback,
        }
    }

    /// `count` more done (never past the total).
    pub(crate) fn add(&mut self, count: usize) {
        let done = self.done.saturating_add(count).min(self.total);
        if done != self.done {
            self.done = done;
            (self.callback)(done, self.total);
        }
    }

    /// Everything done.
    pub(crate) fn finish(&mut self) {
        self.add(self.total - self.done);
    }
}

/// A callback that does nothing, for the callers that show no progress.
pub(crate) fn none(_: usize, _: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_to_the_total_and_never_twice_the_same() {
        let mut calls = Vec::new();
        let mut record = |done, total| calls.push((done, total));
        let mut tally = Tally::new(5, &mut record);
        tally.add(2);
        tally.add(0);
        tally.add(9);
        tally.add(1);
        tally.finish();
        assert_eq!(calls, vec![(0, 5), (2, 5), (5, 5)]);

        let mut calls = Vec::new();
        let mut record = |done, total| calls.push((done, total));
        let mut tally = Tally::new(3, &mut record);
        tally.finish();
        assert_eq!(calls, vec![(0, 3), (3, 3)]);
    }
}
