//! JS interop tests: written next.
