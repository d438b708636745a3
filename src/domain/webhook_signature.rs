//! Luma webhook signatures. Luma documents that a webhook has a `secret` but not how
//! deliveries are signed, and public integrations verify one of two schemes (PROVIDERS.md),
//! so both are accepted and the one that matched is reported:
//!
//! 1. Standard Webhooks: `webhook-id`, `webhook-timestamp` (Unix seconds) and
//!    `webhook-signature: v1,<base64 HMAC-SHA256>` (space-separated entries) over
//!    `"{id}.{timestamp}.{body}"`, keyed with the base64-decoded part of a `whsec_` secret.
//!    `svix-*` header names are read too.
//! 2. Timestamped hex: `webhook-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
//!    `"{t}.{body}"`, keyed with the secret string as it is.
//!
//! Every comparison is constant-time (`Mac::verify_slice`), and a timestamp more than
//! [`TOLERANCE_SECS`] from our clock either way is refused.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a delivery's timestamp may be from our clock: a captured delivery replayed later
/// is refused.
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// Which scheme a verified delivery was signed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    StandardWebhooks,
    TimestampedHex,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::StandardWebhooks => "STANDARD_WEBHOOKS",
            Scheme::TimestampedHex => "TIMESTAMPED_HEX",
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("the timestamp is not a number or too far from now")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// The headers' values, as received.
#[derive(Clone, Copy, Default)]
pub struct Signed<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

impl<'a> Signed<'a> {
    /// Reads `webhook-*` headers, falling back to `svix-*` ones.
    pub fn from_headers(headers: &'a http::HeaderMap) -> Signed<'a> {
        let header = |names: [&str; 2]| {
            names
                .iter()
                .find_map(|n| headers.get(*n).and_then(|v| v.to_str().ok()))
        };
        Signed {
            id: header(["webhook-id", "svix-id"]),
            timestamp: header(["webhook-timestamp", "svix-timestamp"]),
            signature: header(["webhook-signature", "svix-signature"]),
        }
    }

    /// What identifies this delivery for replay protection: the `webhook-id`, else (scheme 2
    /// may come without one) the signature itself, unique to a body and a time.
    pub fn delivery_id(&self) -> Option<&'a str> {
        self.id.or(self.signature)
    }
}

pub fn verify(
    secret: &str,
    signed: Signed<'_>,
    body: &[u8],
    now_secs: i64,
) -> Result<Scheme, SignatureError> {
    let signatures = signed
        .signature
        .ok_or(SignatureError::Missing("webhook-signature"))?;
    match timestamped_parts(signatures) {
        Some((t, hexes)) => {
            // A webhook-timestamp beside it must say the same time.
            if signed.timestamp.is_some_and(|ts| ts.trim() != t) {
                return Err(SignatureError::Mismatch);
            }
            fresh(t, now_secs)?;
            let matches = hexes.iter().filter_map(|h| hex_decode(h)).any(|candidate| {
                timestamped_mac(secret, t, body)
                    .verify_slice(&candidate)
                    .is_ok()
            });
            matches
                .then_some(Scheme::TimestampedHex)
                .ok_or(SignatureError::Mismatch)
        }
        None => {
            let id = signed.id.ok_or(SignatureError::Missing("webhook-id"))?;
            let timestamp = signed
                .timestamp
                .ok_or(SignatureError::Missing("webhook-timestamp"))?;
            fresh(timestamp, now_secs)?;
            let key = standard_key(secret);
            let matches = signatures
                .split_whitespace()
                .filter_map(|entry| entry.strip_prefix("v1,"))
                .filter_map(|b64| BASE64.decode(b64).ok())
                .any(|candidate| {
                    standard_mac(&key, id, timestamp, body)
                        .verify_slice(&candidate)
                        .is_ok()
                });
            matches
                .then_some(Scheme::StandardWebhooks)
                .ok_or(SignatureError::Mismatch)
        }
    }
}

/// `t=…,v1=…[,v1=…]`: the time and the hex signatures; `None` when the header is not of
/// that form (then it is read as Standard Webhooks).
fn timestamped_parts(header: &str) -> Option<(&str, Vec<&str>)> {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = Some(value.trim()),
            Some(("v1", value)) => v1.push(value.trim()),
            _ => {}
        }
    }
    t.filter(|_| !v1.is_empty()).map(|t| (t, v1))
}

fn fresh(timestamp: &str, now_secs: i64) -> Result<(), SignatureError> {
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::Stale)?;
    if (now_secs - at).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// The Standard Webhooks key: the base64 part of `whsec_…`; a secret in another form is
/// used as its bytes (a guess: Luma documents none).
fn standard_key(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix("whsec_")
        .and_then(|encoded| BASE64.decode(encoded).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

fn standard_mac(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn timestamped_mac(secret: &str, t: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The `webhook-signature` value of a Standard Webhooks delivery (the simulator signs so).
pub fn sign_standard(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    let tag = standard_mac(&standard_key(secret), id, timestamp, body)
        .finalize()
        .into_bytes();
    format!("v1,{}", BASE64.encode(tag))
}

/// The `webhook-signature` value of a timestamped-hex delivery (the simulator signs so).
pub fn sign_timestamped(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let tag = timestamped_mac(secret, timestamp, body)
        .finalize()
        .into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    // Computed independently (Python's hmac module) for these inputs.
    const SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const BODY: &str = r#"{"type":"guest.updated","data":{"id":"gst-1"}}"#;
    const SIGNATURE: &str = "v1,rvzx30e/cEpkrFIV2KnpBHasevwOGXw9aOfDi3u/8xY=";
    const AT: i64 = 1_795_000_000;

    fn signed(signature: &str) -> Signed<'_> {
        Signed {
            id: Some("msg_2h4Zk1"),
            timestamp: Some("1795000000"),
            signature: Some(signature),
        }
    }

    #[test]
    fn signs_like_the_reference_computation() {
        assert_eq!(
            sign_standard(SECRET, "msg_2h4Zk1", "1795000000", BODY.as_bytes()),
            SIGNATURE
        );
        // Python: hmac.new(SECRET.encode(), b"1795000000." + BODY, sha256).hexdigest()
        assert_eq!(
            sign_timestamped(SECRET, "1795000000", BODY.as_bytes()),
            "t=1795000000,v1=229d67c3faf09c8a35fe4999aad81e45da5c1eba0d3a4570f3bcd75f4e06d302"
        );
    }

    #[test]
    fn accepts_a_matching_standard_signature_among_several() {
        let header = format!("v1,bm90LWl0 {SIGNATURE}");
        assert_eq!(
            verify(SECRET, signed(&header), BODY.as_bytes(), AT + 60),
            Ok(Scheme::StandardWebhooks)
        );
    }

    #[test]
    fn accepts_a_timestamped_hex_signature_with_or_without_a_timestamp_header() {
        let header = sign_timestamped(SECRET, "1795000000", BODY.as_bytes());
        let with_header = Signed {
            id: None,
            timestamp: Some("1795000000"),
            signature: Some(&header),
        };
        assert_eq!(
            verify(SECRET, with_header, BODY.as_bytes(), AT - 60),
            Ok(Scheme::TimestampedHex)
        );
        let bare = Signed {
            signature: Some(&header),
            ..Signed::default()
        };
        assert_eq!(
            verify(SECRET, bare, BODY.as_bytes(), AT),
            Ok(Scheme::TimestampedHex)
        );
        // A webhook-timestamp that disagrees with t= is refused.
        let disagreeing = Signed {
            timestamp: Some("1795000100"),
            ..with_header
        };
        assert_eq!(
            verify(SECRET, disagreeing, BODY.as_bytes(), AT),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refuses_forged_stale_and_incomplete_deliveries_in_both_schemes() {
        let tampered = BODY.replace("gst-1", "gst-2");
        assert_eq!(
            verify(SECRET, signed(SIGNATURE), tampered.as_bytes(), AT),
            Err(SignatureError::Mismatch)
        );
        let forged = sign_timestamped("whsec_other", "1795000000", BODY.as_bytes());
        assert_eq!(
            verify(SECRET, signed(&forged), BODY.as_bytes(), AT),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                SECRET,
                signed(SIGNATURE),
                BODY.as_bytes(),
                AT + TOLERANCE_SECS + 1
            ),
            Err(SignatureError::Stale)
        );
        let timestamped = sign_timestamped(SECRET, "1795000000", BODY.as_bytes());
        assert_eq!(
            verify(
                SECRET,
                signed(&timestamped),
                BODY.as_bytes(),
                AT - TOLERANCE_SECS - 1
            ),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(SECRET, Signed::default(), BODY.as_bytes(), AT),
            Err(SignatureError::Missing("webhook-signature"))
        );
        let no_id = Signed {
            id: None,
            ..signed(SIGNATURE)
        };
        assert_eq!(
            verify(SECRET, no_id, BODY.as_bytes(), AT),
            Err(SignatureError::Missing("webhook-id"))
        );
    }
}
