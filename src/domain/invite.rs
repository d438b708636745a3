//! Invites: a single-use link that adds one person to a workspace with a role. Lanyard sends
//! no email, so the admin copies the link and sends it themselves; the link is the only
//! proof the person has, which is why it is long, random, single-use and short-lived.

/// How long a new invite's link works.
pub const VALID_FOR_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Random bytes behind a token: 256 bits, as much as the session id's.
pub const TOKEN_BYTES: usize = 32;
/// The token's length: [`TOKEN_BYTES`] as URL-safe base64 without padding.
pub const TOKEN_LEN: usize = 43;

/// The secret part of an invite link (`/invite/<token>`). Built only from fresh random bytes
/// (on the server) or by parsing a link; only its [`InviteToken::digest`] is stored, so a
/// copy of the database opens no workspace.
#[derive(Clone, PartialEq, Eq)]
pub struct InviteToken(String);

impl InviteToken {
    /// The token in `text`, when it can be one (what a link's last segment must look like).
    pub fn parse(text: &str) -> Option<InviteToken> {
        let text = text.trim();
        (text.len() == TOKEN_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| InviteToken(text.to_string()))
    }

    /// A token made from caller-supplied random bytes (the server passes OS randomness).
    #[cfg(feature = "ssr")]
    pub fn from_random_bytes(bytes: [u8; TOKEN_BYTES]) -> InviteToken {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine as _;
        InviteToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// What is stored and looked up: the token's SHA-256, hex. A plain hash is enough (no
    /// salt, no slow hash): the token is 256 random bits, not a password someone chose.
    #[cfg(feature = "ssr")]
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.0.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never printed: a token in a log is a working invite.
impl std::fmt::Debug for InviteToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InviteToken([REDACTED])")
    }
}

/// Where an invite stands. Only a `Pending` one can be accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteState {
    Pending,
    Used,
    Revoked,
    Expired,
}

impl InviteState {
    /// An invite's state at `now` (milliseconds since the Unix epoch). Used wins over revoked
    /// and expired (it says what happened); an invite expires at `expires_at` exactly.
    pub fn of(used_at: Option<i64>, revoked_at: Option<i64>, expires_at: i64, now: i64) -> Self {
        if used_at.is_some() {
            InviteState::Used
        } else if revoked_at.is_some() {
            InviteState::Revoked
        } else if now >= expires_at {
            InviteState::Expired
        } else {
            InviteState::Pending
        }
    }

    /// What the invite page says when the link cannot be used; `None` while it can.
    pub fn problem(self) -> Option<&'static str> {
        match self {
            InviteState::Pending => None,
            InviteState::Used => Some(
                "This invite link has already been used. Sign in instead, or ask an admin of the workspace for a new invite.",
            ),
            InviteState::Revoked => {
                Some("This invite link was revoked. Ask an admin of the workspace for a new one.")
            }
            InviteState::Expired => {
                Some("This invite link has expired. Ask an admin of the workspace for a new one.")
            }
        }
    }
}

/// What the invite page says about a link that matches no invite.
pub const UNKNOWN_LINK: &str =
    "This invite link is not valid. Check that you copied all of it, or ask an admin of the workspace for a new one.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters() {
        let good = "a".repeat(TOKEN_LEN);
        assert!(InviteToken::parse(&good).is_some());
        assert!(
            InviteToken::parse(&format!(" {good}\n")).is_some(),
            "trimmed"
        );
        assert!(InviteToken::parse("aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_a").is_some());
        for bad in [
            String::new(),
            "a".repeat(TOKEN_LEN - 1),
            "a".repeat(TOKEN_LEN + 1),
            format!("{}=", "a".repeat(TOKEN_LEN - 1)),
            format!("{}/", "a".repeat(TOKEN_LEN - 1)),
            format!("{}é", "a".repeat(TOKEN_LEN - 2)),
        ] {
            assert!(InviteToken::parse(&bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_token_never_shows_in_debug_output() {
        let token = InviteToken::parse(&"s".repeat(TOKEN_LEN)).unwrap();
        assert!(!format!("{token:?}").contains("sss"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn made_tokens_parse_back_and_their_digest_is_sha256_hex() {
        let token = InviteToken::from_random_bytes([7; TOKEN_BYTES]);
        assert_eq!(token.as_str().len(), TOKEN_LEN);
        assert_eq!(InviteToken::parse(token.as_str()), Some(token.clone()));
        let digest = token.digest();
        assert_eq!(digest.len(), 64);
        assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(
            digest,
            InviteToken::from_random_bytes([8; TOKEN_BYTES]).digest()
        );
        // SHA-256 of "abc", to pin the algorithm.
        let abc = InviteToken("abc".into());
        assert_eq!(
            abc.digest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn an_invite_is_pending_until_used_revoked_or_expired() {
        use InviteState::*;
        let expires = 1_000;
        // (used_at, revoked_at, now, state)
        let table = [
            (None, None, 999, Pending),
            (None, None, 1_000, Expired),
            (None, None, 5_000, Expired),
            (None, Some(10), 999, Revoked),
            (None, Some(10), 5_000, Revoked),
            (Some(20), None, 999, Used),
            (Some(20), Some(10), 5_000, Used),
        ];
        for (used, revoked, now, state) in table {
            assert_eq!(
                InviteState::of(used, revoked, expires, now),
                state,
                "{used:?} {revoked:?} {now}"
            );
        }
        assert_eq!(Pending.problem(), None);
        for state in [Used, Revoked, Expired] {
            assert!(state.problem().is_some(), "{state:?}");
        }
    }
}
