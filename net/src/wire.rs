//! automerge-repo messages as the relay reads and writes them.
//!
//! Each WebSocket frame carries one CBOR map (`type`, `senderId`,
//! `targetId`, `documentId`, `data`, …). The guard reads the envelope with
//! a small, bounded decoder: nesting is capped, lengths are checked against
//! the frame before anything is allocated, and every field it does not need
//! is skipped without being materialised. The relay writes the few messages
//! it sends itself, and passes ephemeral messages on re-addressed.

use minicbor::data::Type;
use minicbor::decode::Decoder;
use minicbor::encode::Encoder;

/// Nesting allowed inside a message (`peerMetadata` is the deepest field
/// real clients send, at depth 2).
const MAX_NESTING: u32 = 16;

/// The message types of protocol version 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// Handshake from the dialer.
    Join,
    /// Handshake answer.
    Peer,
    /// First sync message for a document the sender does not have.
    Request,
    /// Any other sync message.
    Sync,
    /// "I do not have it".
    DocUnavailable,
    /// Application bytes gossiped to a document's peers.
    Ephemeral,
    /// Advisory goodbye.
    Leave,
    /// Fatal error.
    Error,
    /// Remote-heads gossip (experimental upstream).
    RemoteSubscriptionChange,
    /// Remote-heads gossip (experimental upstream).
    RemoteHeadsChanged,
}

impl MessageType {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "join" => MessageType::Join,
            "peer" => MessageType::Peer,
            "request" => MessageType::Request,
            "sync" => MessageType::Sync,
            "doc-unavailable" => MessageType::DocUnavailable,
            "ephemeral" => MessageType::Ephemeral,
            "leave" => MessageType::Leave,
            "error" => MessageType::Error,
            "remote-subscription-change" => MessageType::RemoteSubscriptionChange,
            "remote-heads-changed" => MessageType::RemoteHeadsChanged,
            _ => return None,
        })
    }

    /// Whether `data` holds an Automerge sync message.
    pub fn carries_sync(self) -> bool {
        matches!(self, MessageType::Request | MessageType::Sync)
    }
}

/// The envelope of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// Its type.
    pub kind: MessageType,
    /// `senderId`, when present.
    pub sender: Option<&'a str>,
    /// `documentId` as raw bytes (decoded from base58check when sent as text).
    pub document: Option<Vec<u8>>,
    /// `data`, when present.
    pub data: Option<&'a [u8]>,
}

/// Why a frame is not an automerge-repo message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Not a CBOR map of the expected shape.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A `type` this relay does not know.
    #[error("unknown message type `{0}`")]
    UnknownType(String),
}

fn malformed(e: impl std::fmt::Display) -> WireError {
    WireError::Malformed(e.to_string())
}

/// Read the envelope of one frame.
pub fn decode(frame: &[u8]) -> Result<Envelope<'_>, WireError> {
    let mut d = Decoder::new(frame);
    let entries = d.map().map_err(malformed)?;
    let mut kind = None;
    let mut sender = None;
    let mut document = None;
    let mut data = None;
    let mut seen = 0u64;
    loop {
        match entries {
            Some(n) if seen == n => break,
            None if d.datatype().map_err(malformed)? == Type::Break => {
                d.skip().map_err(malformed)?;
                break;
            }
            _ => {}
        }
        seen += 1;
        if seen > 64 {
            return Err(WireError::Malformed("too many fields".into()));
        }
        let key = d.str().map_err(malformed)?;
        match key {
            "type" => {
                let text = d.str().map_err(malformed)?;
                kind = Some(
                    MessageType::parse(text).ok_or_else(|| WireError::UnknownType(text.into()))?,
                );
            }
            "senderId" => sender = Some(d.str().map_err(malformed)?),
            "documentId" => {
                document = Some(match d.datatype().map_err(malformed)? {
                    Type::String => document_bytes(d.str().map_err(malformed)?)?,
                    Type::Bytes => d.bytes().map_err(malformed)?.to_vec(),
                    other => return Err(malformed(format!("documentId is {other}"))),
                });
            }
            "data" => {
                data = match d.datatype().map_err(malformed)? {
                    Type::Bytes => Some(d.bytes().map_err(malformed)?),
                    Type::Null | Type::Undefined => {
                        d.skip().map_err(malformed)?;
                        None
                    }
                    other => return Err(malformed(format!("data is {other}"))),
                };
            }
            _ => skip(&mut d, 0)?,
        }
    }
    let kind = kind.ok_or_else(|| malformed("no `type`"))?;
    Ok(Envelope {
        kind,
        sender,
        document,
        data,
    })
}

/// A `documentId` sent as text, decoded from base58check: a conversion
/// quadratic in the length and two SHA-256 per frame, for the few ids a
/// thread sees again and again; so each thread remembers the last one.
fn document_bytes(text: &str) -> Result<Vec<u8>, WireError> {
    thread_local! {
        static LAST: std::cell::RefCell<(String, Vec<u8>)> =
            const { std::cell::RefCell::new((String::new(), Vec::new())) };
    }
    if let Some(bytes) =
        LAST.with_borrow(|(last, bytes)| (!last.is_empty() && last == text).then(|| bytes.clone()))
    {
        return Ok(bytes);
    }
    let bytes = bs58::decode(text)
        .with_check(None)
        .into_vec()
        .map_err(|_| malformed("documentId is not base58check"))?;
    LAST.with_borrow_mut(|last| *last = (text.to_owned(), bytes.clone()));
    Ok(bytes)
}

/// Skip one value without allocating, refusing deep nesting.
fn skip(d: &mut Decoder<'_>, depth: u32) -> Result<(), WireError> {
    if depth > MAX_NESTING {
        return Err(malformed("nested too deep"));
    }
    match d.datatype().map_err(malformed)? {
        Type::Array => {
            let n = d.array().map_err(malformed)?.unwrap_or(0);
            for _ in 0..n {
                skip(d, depth + 1)?;
            }
        }
        Type::Map => {
            let n = d.map().map_err(malformed)?.unwrap_or(0);
            for _ in 0..n {
                skip(d, depth + 1)?;
                skip(d, depth + 1)?;
            }
        }
        Type::ArrayIndef | Type::MapIndef => {
            let is_map = d.datatype().map_err(malformed)? == Type::MapIndef;
            if is_map {
                d.map().map_err(malformed)?;
            } else {
                d.array().map_err(malformed)?;
            }
            loop {
                if d.datatype().map_err(malformed)? == Type::Break {
                    d.skip().map_err(malformed)?;
                    break;
                }
                skip(d, depth + 1)?;
                if is_map {
                    skip(d, depth + 1)?;
                }
            }
        }
        Type::Tag => {
            d.tag().map_err(malformed)?;
            skip(d, depth + 1)?;
        }
        // Scalars, byte strings and text strings (definite or not) are
        // skipped by minicbor without nesting.
        _ => d.skip().map_err(malformed)?,
    }
    Ok(())
}

/// The handshake a dialling peer opens with: a `join` from `sender`,
/// protocol version 1, not ephemeral.
pub fn join(sender: &str) -> Vec<u8> {
    let mut e = Encoder::new(Vec::with_capacity(96));
    // Writing into a Vec cannot fail.
    let _ = e
        .map(4)
        .and_then(|e| e.str("type"))
        .and_then(|e| e.str("join"))
        .and_then(|e| e.str("senderId"))
        .and_then(|e| e.str(sender))
        .and_then(|e| e.str("supportedProtocolVersions"))
        .and_then(|e| e.array(1))
        .and_then(|e| e.str("1"))
        .and_then(|e| e.str("peerMetadata"))
        .and_then(|e| e.map(1))
        .and_then(|e| e.str("isEphemeral"))
        .and_then(|e| e.bool(false));
    e.into_writer()
}

/// The handshake answer: a `peer` message from `sender` to `target`,
/// protocol version 1, not ephemeral.
pub fn peer(sender: &str, target: &str) -> Vec<u8> {
    let mut e = Encoder::new(Vec::with_capacity(128));
    // Writing into a Vec cannot fail.
    let _ = e
        .map(5)
        .and_then(|e| e.str("type"))
        .and_then(|e| e.str("peer"))
        .and_then(|e| e.str("senderId"))
        .and_then(|e| e.str(sender))
        .and_then(|e| e.str("targetId"))
        .and_then(|e| e.str(target))
        .and_then(|e| e.str("selectedProtocolVersion"))
        .and_then(|e| e.str("1"))
        .and_then(|e| e.str("peerMetadata"))
        .and_then(|e| e.map(1))
        .and_then(|e| e.str("isEphemeral"))
        .and_then(|e| e.bool(false));
    e.into_writer()
}

/// A `doc-unavailable` message from `sender` to `target` about `doc`.
pub fn doc_unavailable(sender: &str, target: &str, doc: &str) -> Vec<u8> {
    let mut e = Encoder::new(Vec::with_capacity(128));
    // Writing into a Vec cannot fail.
    let _ = e
        .map(4)
        .and_then(|e| e.str("type"))
        .and_then(|e| e.str("doc-unavailable"))
        .and_then(|e| e.str("senderId"))
        .and_then(|e| e.str(sender))
        .and_then(|e| e.str("targetId"))
        .and_then(|e| e.str(target))
        .and_then(|e| e.str("documentId"))
        .and_then(|e| e.str(doc));
    e.into_writer()
}

/// A `sync` message from `sender` to `target` about `doc` carrying `data`
/// (an encoded Automerge sync message).
pub fn sync(sender: &str, target: &str, doc: &str, data: &[u8]) -> Vec<u8> {
    carrying("sync", sender, target, doc, data)
}

/// A `request` message: a `sync` message from a peer that holds nothing
/// of `doc` (the other side answers `doc-unavailable` if it has nothing
/// either).
pub fn request(sender: &str, target: &str, doc: &str, data: &[u8]) -> Vec<u8> {
    carrying("request", sender, target, doc, data)
}

fn carrying(kind: &str, sender: &str, target: &str, doc: &str, data: &[u8]) -> Vec<u8> {
    let mut e = Encoder::new(Vec::with_capacity(128 + data.len()));
    // Writing into a Vec cannot fail.
    let _ = e
        .map(5)
        .and_then(|e| e.str("type"))
        .and_then(|e| e.str(kind))
        .and_then(|e| e.str("senderId"))
        .and_then(|e| e.str(sender))
        .and_then(|e| e.str("targetId"))
        .and_then(|e| e.str(target))
        .and_then(|e| e.str("documentId"))
        .and_then(|e| e.str(doc))
        .and_then(|e| e.str("data"))
        .and_then(|e| e.bytes(data));
    e.into_writer()
}

/// Re-encode a frame for another recipient: `targetId` becomes `target`,
/// every other field (sender, session, count, data) stays as it was. How an
/// ephemeral message is passed on to a document's other peers.
pub fn retarget(frame: &[u8], target: &str) -> Result<Vec<u8>, WireError> {
    replace_field(frame, "targetId", |out| out.str(target).map(|_| ()))
}

fn replace_field(
    frame: &[u8],
    field: &str,
    write: impl FnOnce(
        &mut Encoder<Vec<u8>>,
    ) -> Result<(), minicbor::encode::Error<core::convert::Infallible>>,
) -> Result<Vec<u8>, WireError> {
    let mut d = Decoder::new(frame);
    let entries = d
        .map()
        .map_err(malformed)?
        .ok_or_else(|| malformed("indefinite map"))?;
    let mut out = Encoder::new(Vec::with_capacity(frame.len() + 64));
    out.map(entries).map_err(malformed)?;
    let mut write = Some(write);
    for _ in 0..entries {
        let key = d.str().map_err(malformed)?;
        out.str(key).map_err(malformed)?;
        let start = d.position();
        skip(&mut d, 0)?;
        match write.take_if(|_| key == field) {
            Some(write) => write(&mut out).map_err(malformed)?,
            None => {
                let raw = frame
                    .get(start..d.position())
                    .ok_or_else(|| malformed("truncated"))?;
                out.writer_mut().extend_from_slice(raw);
            }
        }
    }
    if write.is_some() {
        return Err(malformed(format!("no `{field}`")));
    }
    Ok(out.into_writer())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync_frame(doc: &str, data: &[u8]) -> Vec<u8> {
        let mut e = Encoder::new(Vec::new());
        e.map(5)
            .and_then(|e| e.str("type"))
            .and_then(|e| e.str("sync"))
            .expect("encode");
        e.str("senderId")
            .and_then(|e| e.str("alice"))
            .expect("encode");
        e.str("targetId")
            .and_then(|e| e.str("relay"))
            .expect("encode");
        e.str("documentId")
            .and_then(|e| e.str(doc))
            .expect("encode");
        e.str("data").and_then(|e| e.bytes(data)).expect("encode");
        e.into_writer()
    }

    #[test]
    fn reads_the_envelope_and_writes_and_readdresses_frames() {
        let id = bs58::encode([7u8; 16]).with_check().into_string();
        let frame = sync_frame(&id, b"abc");
        let env = decode(&frame).expect("decodes");
        assert_eq!(env.kind, MessageType::Sync);
        assert_eq!(env.sender, Some("alice"));
        assert_eq!(env.document.as_deref(), Some(&[7u8; 16][..]));
        assert_eq!(env.data, Some(&b"abc"[..]));
        let moved = retarget(&frame, "bob").expect("re-encodes");
        assert_eq!(moved.len(), frame.len() + "bob".len() - "relay".len());
        let env = decode(&moved).expect("decodes");
        assert_eq!((env.sender, env.data), (Some("alice"), Some(&b"abc"[..])));
        let ours = sync("relay", "bob", &id, b"abc");
        let env = decode(&ours).expect("decodes");
        assert_eq!(env.kind, MessageType::Sync);
        assert_eq!(env.document.as_deref(), Some(&[7u8; 16][..]));
        assert_eq!(env.data, Some(&b"abc"[..]));
        assert!(retarget(&peer("relay", "bob"), "carol").is_ok());
        let nobody = doc_unavailable("relay", "bob", &id);
        assert!(
            replace_field(&nobody, "data", |e| e.bytes(b"").map(|_| ())).is_err(),
            "no data field to replace"
        );
    }

    #[test]
    fn refuses_garbage_and_deep_nesting() {
        assert!(decode(b"").is_err());
        assert!(decode(&[0xa1, 0x01, 0x02]).is_err());
        // {"x": [[[[...]]]]} nested 100 deep.
        let mut frame = vec![0xa2, 0x64];
        frame.extend_from_slice(b"type");
        frame.push(0x64);
        frame.extend_from_slice(b"sync");
        frame.push(0x61);
        frame.push(b'x');
        frame.extend(std::iter::repeat_n(0x81, 100));
        frame.push(0x00);
        assert!(matches!(decode(&frame), Err(WireError::Malformed(_))));
        let unknown = {
            let mut e = Encoder::new(Vec::new());
            e.map(1)
                .and_then(|e| e.str("type"))
                .and_then(|e| e.str("teleport"))
                .expect("encode");
            e.into_writer()
        };
        assert!(matches!(decode(&unknown), Err(WireError::UnknownType(_))));
    }

    #[test]
    fn the_remembered_document_id_never_changes_an_answer() {
        // The same text again, another id, an id after garbage, garbage after
        // an id, the empty text first: each answered as a fresh decode would.
        let a = bs58::encode([1u8; 16]).with_check().into_string();
        let b = bs58::encode([2u8; 16]).with_check().into_string();
        let garbage = "not-base58check!".to_owned();
        let texts = [
            String::new(),
            a.clone(),
            a.clone(),
            b.clone(),
            garbage.clone(),
            a,
            garbage,
            b,
            String::new(),
        ];
        for text in texts {
            let fresh = bs58::decode(&text).with_check(None).into_vec().ok();
            let frame = sync_frame(&text, b"x");
            assert_eq!(
                decode(&frame).ok().map(|env| env.document),
                fresh.map(Some),
                "{text:?}"
            );
        }
    }
}
