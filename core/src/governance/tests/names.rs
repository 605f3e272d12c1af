//! Members found by name, case and accents aside.

use super::*;

#[test]
fn a_member_is_found_by_name_case_and_accents_aside_or_by_prefix() {
    let w = World::new(
        &[
            ("Chloé", "learners"),
            ("Charles", "staff"),
            ("Zoë", "staff"),
        ],
        coop_rules(),
        &[],
    );
    let state = w.state();
    assert_eq!(state.member_by_ref("chloe").ok(), Some(pk("Chloé")));
    assert_eq!(state.member_by_ref("CHLOÉ").ok(), Some(pk("Chloé")));
    assert_eq!(state.member_by_ref("zoe").ok(), Some(pk("Zoë")));
    assert_eq!(state.member_by_ref("charl").ok(), Some(pk("Charles")));
    match state.member_by_ref("ch") {
        Err(crate::Error::AmbiguousRef { candidates, .. }) => assert_eq!(candidates.len(), 2),
        other => panic!("`ch` is ambiguous, got {other:?}"),
    }
    assert!(state.member_by_ref("dana").is_err());
}
