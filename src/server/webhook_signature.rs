//! Standard Webhooks signatures, which PROVIDERS.md says Luma most likely uses: headers
//! `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
//! (`v1,<base64 HMAC-SHA256>` entries, space separated) over `"{id}.{timestamp}.{body}"`,
//! keyed with the base64 part of a `whsec_` secret.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a delivery's timestamp may be from our clock: a captured delivery replayed later
/// is refused.
pub const TOLERANCE_SECS: i64 = 5 * 60;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("the timestamp is not a number or too far from now")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
    #[error("the stored webhook secret is not a whsec_ secret")]
    BadSecret,
}

/// The headers' values, as received.
pub struct Signed<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

pub fn verify(
    secret: &str,
    signed: Signed<'_>,
    body: &[u8],
    now_secs: i64,
) -> Result<(), SignatureError> {
    let id = signed.id.ok_or(SignatureError::Missing("webhook-id"))?;
    let timestamp = signed
        .timestamp
        .ok_or(SignatureError::Missing("webhook-timestamp"))?;
    let signatures = signed
        .signature
        .ok_or(SignatureError::Missing("webhook-signature"))?;
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::Stale)?;
    if (now_secs - at).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let key = key(secret)?;
    let matches = signatures
        .split_whitespace()
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|b64| BASE64.decode(b64).ok())
        // `verify_slice` compares in constant time.
        .any(|candidate| {
            mac(&key, id, timestamp, body)
                .verify_slice(&candidate)
                .is_ok()
        });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The `webhook-signature` value for a delivery (the provider simulator signs with it).
pub fn sign(
    secret: &str,
    id: &str,
    timestamp: &str,
    body: &[u8],
) -> Result<String, SignatureError> {
    let key = key(secret)?;
    let tag = mac(&key, id, timestamp, body).finalize().into_bytes();
    Ok(format!("v1,{}", BASE64.encode(tag)))
}

fn key(secret: &str) -> Result<Vec<u8>, SignatureError> {
    let encoded = secret
        .strip_prefix("whsec_")
        .ok_or(SignatureError::BadSecret)?;
    BASE64
        .decode(encoded)
        .map_err(|_| SignatureError::BadSecret)
}

fn mac(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
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
            sign(SECRET, "msg_2h4Zk1", "1795000000", BODY.as_bytes()).unwrap(),
            SIGNATURE
        );
    }

    #[test]
    fn accepts_a_matching_signature_among_several() {
        let header = format!("v1,bm90LWl0 {SIGNATURE}");
        assert_eq!(
            verify(SECRET, signed(&header), BODY.as_bytes(), AT + 60),
            Ok(())
        );
    }

    #[test]
    fn refuses_a_changed_body_a_stale_timestamp_and_missing_headers() {
        let tampered = BODY.replace("gst-1", "gst-2");
        assert_eq!(
            verify(SECRET, signed(SIGNATURE), tampered.as_bytes(), AT),
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
        let unsigned = Signed {
            signature: None,
            ..signed(SIGNATURE)
        };
        assert_eq!(
            verify(SECRET, unsigned, BODY.as_bytes(), AT),
            Err(SignatureError::Missing("webhook-signature"))
        );
        assert_eq!(
            verify("not-a-secret", signed(SIGNATURE), BODY.as_bytes(), AT),
            Err(SignatureError::BadSecret)
        );
    }
}
