//! The document, conflict, relay and demo commands in French and English (issue 15).
