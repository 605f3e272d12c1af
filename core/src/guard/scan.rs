//! TEMPORARY stub: replaced by the real pre-decode scanner (being written).
#![allow(dead_code)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanLimits {
    pub max_input_bytes: usize,
    pub max_inflated_bytes: u64,
    pub max_chunks: usize,
    pub max_changes: u64,
    pub max_ops: u64,
    pub max_depth: u32,
}
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ObjRef {
    pub actor: Vec<u8>,
    pub counter: u64,
}
#[derive(Debug, Default)]
pub(crate) struct ScanReport {
    pub chunks: usize,
    pub document_chunks: usize,
    pub change_chunks: usize,
    pub changes: u64,
    pub ops: u64,
    pub inflated_bytes: u64,
    pub max_depth: u32,
    pub dangling: Vec<(ObjRef, u32)>,
}
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScanError {
    #[error("input of {len} bytes is larger than {max}")]
    TooLarge { len: usize, max: usize },
    #[error("too deep {depth} > {max}")]
    TooDeep { depth: u32, max: u32 },
    #[error("empty")]
    Empty,
}
pub(crate) fn scan(bytes: &[u8], limits: &ScanLimits) -> Result<ScanReport, ScanError> {
    if bytes.len() > limits.max_input_bytes {
        return Err(ScanError::TooLarge {
            len: bytes.len(),
            max: limits.max_input_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    Ok(ScanReport {
        chunks: 1,
        ..Default::default()
    })
}
