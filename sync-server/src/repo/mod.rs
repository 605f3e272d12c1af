//! The one module that talks to samod (pinned at =0.16.0; an upgrade
//! touches this directory only): the client side of the protocol.
//!
//! - [`client`]: a samod repo that dials a relay over WebSocket with a
//!   token, used by `nous sync` and later the bindings.
//!
//! The relay's own side is ours ([`crate::hub`]): samod 0.16 joins every
//! connection to every document a repo has open and answers every peer
//! after every message, which a relay with many clients per document cannot
//! afford (see ARCHITECTURE.md, "Choices worth knowing").

pub mod client;

use nous_core::ids::DocId;
use samod::DocumentId;

/// Our document id as samod's.
pub fn samod_id(doc: &DocId) -> DocumentId {
    // 16 bytes are always a valid UUID, hence a valid samod id.
    DocumentId::try_from(doc.as_bytes().to_vec()).unwrap_or_else(|_| unreachable!("16 bytes"))
}
