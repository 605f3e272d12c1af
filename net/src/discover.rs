//! Finding a relay: its URLs and its key.
//!
//! A relay is named by `ws://host:port` (or `http://`, or a bare
//! `host:port`). Its key comes from `GET /id`; a client pins it the first
//! time (trust on first use, as SSH does) and refuses a relay whose key
//! changed. TLS (`wss://`) is not spoken here: put the relay behind a TLS
//! terminator and give clients the plain loopback or LAN address, or wait
//! for the client to learn TLS.

use std::str::FromStr;
use std::time::Duration;

use nous_core::PublicKey;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// The relay's answer to `POST /status`.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Documents this device may read that differ from what it holds (or
    /// that the relay has no heads for): `{"access", "heads"}` each.
    pub differ: serde_json::Map<String, serde_json::Value>,
    /// Per document asked, in order: readable and already the same.
    pub same: Vec<bool>,
    /// Applications invited applicants left with the relay, for the
    /// ledgers asked about that this device writes (record bytes): the
    /// device writes them into its replica, which carries them to every
    /// member.
    pub pending: Vec<Vec<u8>>,
}

/// Where a relay is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayUrl {
    /// `host:port`.
    pub authority: String,
}

/// Why a relay URL or its answer is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoverError {
    /// Not a relay URL.
    #[error("`{0}` is not a relay URL (expected ws://HOST:PORT)")]
    Url(String),
    /// `wss://` or `https://`.
    #[error("`{0}`: TLS relays are not supported by this client yet; use ws://")]
    Tls(String),
    /// The relay could not be reached or answered nonsense.
    #[error("relay at {url}: {detail}")]
    Unreachable {
        /// The relay.
        url: String,
        /// Why.
        detail: String,
    },
}

impl FromStr for RelayUrl {
    type Err = DiscoverError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.starts_with("wss://") || text.starts_with("https://") {
            return Err(DiscoverError::Tls(text.into()));
        }
        let rest = text
            .strip_prefix("ws://")
            .or_else(|| text.strip_prefix("http://"))
            .unwrap_or(text);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let valid = !authority.is_empty()
            && authority
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
            && authority
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c));
        if !valid {
            return Err(DiscoverError::Url(text.into()));
        }
        Ok(RelayUrl {
            authority: authority.into(),
        })
    }
}

impl RelayUrl {
    /// The WebSocket endpoint: `ws://host:port/`.
    pub fn websocket(&self) -> String {
        format!("ws://{}/", self.authority)
    }

    /// The WebSocket endpoint with a token, as a browser would open it.
    pub fn websocket_with_token(&self, token: &str) -> String {
        format!("ws://{}/?token={token}", self.authority)
    }

    /// The relay's key, from `GET /id`.
    pub async fn fetch_id(&self, timeout: Duration) -> Result<PublicKey, DiscoverError> {
        let fail = |detail: String| DiscoverError::Unreachable {
            url: self.websocket(),
            detail,
        };
        let body = tokio::time::timeout(timeout, self.get("/id"))
            .await
            .map_err(|_| fail("timed out".into()))?
            .map_err(|e| fail(e.to_string()))?;
        let info: serde_json::Value =
            serde_json::from_str(&body).map_err(|_| fail("not a Nous relay (bad /id)".into()))?;
        info.get("relay")
            .and_then(|v| v.as_str())
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| fail("not a Nous relay (no relay key)".into()))
    }

    /// Ask the relay to host a community this device founded: `ledger`
    /// is the community's ledger, saved. Returns whether it is newly hosted.
    pub async fn register(
        &self,
        token: &str,
        ledger: &[u8],
        timeout: Duration,
    ) -> Result<bool, DiscoverError> {
        let fail = |detail: String| DiscoverError::Unreachable {
            url: self.websocket(),
            detail,
        };
        let (status, body) = tokio::time::timeout(
            timeout,
            self.request("POST", "/register", Some(token), ledger),
        )
        .await
        .map_err(|_| fail("timed out".into()))?
        .map_err(|e| fail(e.to_string()))?;
        match status {
            200 => Ok(false),
            201 => Ok(true),
            _ => Err(fail(body.trim().to_owned())),
        }
    }

    /// What the relay holds of `docs` that this device may read, given
    /// what this device holds (a `heads_digest` per document, "" for none).
    /// Documents in neither part of the answer are unavailable.
    pub async fn status(
        &self,
        token: &str,
        docs: &[(String, String)],
        timeout: Duration,
    ) -> Result<Status, DiscoverError> {
        let fail = |detail: String| DiscoverError::Unreachable {
            url: self.websocket(),
            detail,
        };
        let ids: Vec<&str> = docs.iter().map(|(id, _)| id.as_str()).collect();
        let digests: Vec<&str> = docs.iter().map(|(_, d)| d.as_str()).collect();
        let body = serde_json::json!({ "docs": ids, "digests": digests }).to_string();
        let (status, text) = tokio::time::timeout(
            timeout,
            self.request("POST", "/status", Some(token), body.as_bytes()),
        )
        .await
        .map_err(|_| fail("timed out".into()))?
        .map_err(|e| fail(e.to_string()))?;
        if status != 200 {
            return Err(fail(text.trim().to_owned()));
        }
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
        let Some(serde_json::Value::Object(differ)) = value.get("docs") else {
            return Err(fail("bad /status answer".into()));
        };
        let bitmap = value
            .get("same")
            .and_then(|v| v.as_str())
            .and_then(|h| hex::decode(h).ok())
            .unwrap_or_default();
        let same = (0..docs.len())
            .map(|i| {
                bitmap
                    .get(i / 8)
                    .is_some_and(|byte| byte & (1 << (i % 8)) != 0)
            })
            .collect();
        let pending = value
            .get("pending")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| hex::decode(v.as_str()?).ok())
            .collect();
        Ok(Status {
            differ: differ.clone(),
            same,
            pending,
        })
    }

    /// `POST /join` with an invited applicant's token: what it may read
    /// of the community (JSON), or the relay's one-line refusal.
    pub async fn join(
        &self,
        token: &str,
        ask: &serde_json::Value,
        timeout: Duration,
    ) -> Result<Result<serde_json::Value, String>, DiscoverError> {
        let body = ask.to_string();
        let (status, text) = self.call("/join", token, body.as_bytes(), timeout).await?;
        if status != 200 {
            return Ok(Err(text.trim().to_owned()));
        }
        serde_json::from_str(&text)
            .map(Ok)
            .map_err(|e| DiscoverError::Unreachable {
                url: self.websocket(),
                detail: e.to_string(),
            })
    }

    /// `POST /join/apply`: an invited applicant's application (record
    /// bytes). The application the relay keeps (record bytes: this one, or
    /// the one this device made before with the invitation), or the
    /// relay's refusal.
    pub async fn join_apply(
        &self,
        token: &str,
        record: &[u8],
        timeout: Duration,
    ) -> Result<Result<Vec<u8>, String>, DiscoverError> {
        let (status, text) = self.call("/join/apply", token, record, timeout).await?;
        if status != 201 {
            return Ok(Err(text.trim().to_owned()));
        }
        let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        Ok(Ok(value["record"]
            .as_str()
            .and_then(|h| hex::decode(h).ok())
            .unwrap_or_else(|| record.to_vec())))
    }

    /// `POST /join/status`: what became of this device's invited
    /// application to `community` (the relay's JSON), or `None` if the
    /// relay knows none.
    pub async fn join_status(
        &self,
        token: &str,
        community: &str,
        timeout: Duration,
    ) -> Result<Option<serde_json::Value>, DiscoverError> {
        let body = serde_json::json!({ "community": community }).to_string();
        let (status, text) = self
            .call("/join/status", token, body.as_bytes(), timeout)
            .await?;
        if status != 200 {
            return Ok(None);
        }
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| DiscoverError::Unreachable {
                url: self.websocket(),
                detail: e.to_string(),
            })
    }

    /// `POST /participate` or `/participate/submit` (`path`): the relay's
    /// JSON answer, or its refusal (the body, a JSON
    /// `{"refused", "reason"}` as a rule).
    pub async fn participate(
        &self,
        path: &str,
        token: &str,
        ask: &serde_json::Value,
        timeout: Duration,
    ) -> Result<Result<serde_json::Value, String>, DiscoverError> {
        let body = ask.to_string();
        let (status, text) = self.call(path, token, body.as_bytes(), timeout).await?;
        if !(200..300).contains(&status) {
            return Ok(Err(text.trim().to_owned()));
        }
        serde_json::from_str(&text)
            .map(Ok)
            .map_err(|e| DiscoverError::Unreachable {
                url: self.websocket(),
                detail: e.to_string(),
            })
    }

    async fn call(
        &self,
        path: &str,
        token: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<(u16, String), DiscoverError> {
        let fail = |detail: String| DiscoverError::Unreachable {
            url: self.websocket(),
            detail,
        };
        tokio::time::timeout(timeout, self.request("POST", path, Some(token), body))
            .await
            .map_err(|_| fail("timed out".into()))?
            .map_err(|e| fail(e.to_string()))
    }

    /// A plain HTTP/1.1 GET, body as text (small answers only).
    async fn get(&self, path: &str) -> std::io::Result<String> {
        let (status, body) = self.request("GET", path, None, &[]).await?;
        if status != 200 {
            return Err(std::io::Error::other(format!("HTTP {status}")));
        }
        Ok(body)
    }

    /// One HTTP/1.1 request; the status and the body as text.
    async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<(u16, String)> {
        let mut stream = tokio::net::TcpStream::connect(&self.authority).await?;
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept: application/json\r\n{auth}Content-Length: {}\r\n\r\n",
            self.authority,
            body.len()
        );
        stream.write_all(request.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut response = Vec::new();
        stream.take(64 << 20).read_to_end(&mut response).await?;
        let text = String::from_utf8_lossy(&response);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .ok_or_else(|| std::io::Error::other("not an HTTP answer"))?;
        let status = head
            .lines()
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other("not an HTTP answer"))?;
        Ok((status, body.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_relay_urls() {
        let url: RelayUrl = "ws://127.0.0.1:3030/".parse().expect("parses");
        assert_eq!(url.websocket(), "ws://127.0.0.1:3030/");
        let url: RelayUrl = "localhost:4000".parse().expect("parses");
        assert_eq!(url.authority, "localhost:4000");
        assert!(matches!(
            "wss://x:1".parse::<RelayUrl>(),
            Err(DiscoverError::Tls(_))
        ));
        assert!("ws://nohost".parse::<RelayUrl>().is_err());
        assert!("ws://a b:1".parse::<RelayUrl>().is_err());
    }
}
