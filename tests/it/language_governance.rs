//! The governance commands in French and English (issue 15).
