//! `nous-net`: the network edge that a relay and its peers share.
//!
//! Today: the automerge-repo wire codec ([`wire`]: the CBOR envelope of
//! every frame, read and written) and finding a relay ([`discover`]: its
//! URLs, its key, its `/status`). The relay (`nous-sync-server`) and the
//! `nous sync` client both use them. The frame guard, access, the
//! per-document hub and the client session move here next (issue 13),
//! behind a transport that iroh streams will also implement.

pub mod discover;
pub mod wire;
