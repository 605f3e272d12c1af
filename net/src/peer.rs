//! Who is on the other end of a connection.

use nous_core::PublicKey;

/// A connected, authenticated device. A relay fills it from the token a
/// WebSocket client presents; a peer-to-peer endpoint will fill it from
/// the key QUIC proved in its handshake. The hub and the guard know only
/// this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The device.
    pub device: PublicKey,
    /// The automerge-repo peer id the connection is pinned to: the guard
    /// refuses any message whose `senderId` is another.
    pub peer_id: String,
}
