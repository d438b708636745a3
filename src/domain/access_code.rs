//! The 6-character staff access code that opens an event's check-in station.

/// Letters and digits without the look-alikes (0/O, 1/I/L) so a code read aloud at a busy
/// desk is typed right the first time.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const LEN: usize = 6;

/// An event's staff access code: six characters of [`ALPHABET`], built only by
/// [`AccessCode::from_random_bytes`] or by parsing what a person typed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccessCode(String);

impl AccessCode {
    /// Builds a code from caller-supplied random bytes (the server passes OS randomness),
    /// which keeps this function pure and testable.
    pub fn from_random_bytes(bytes: [u8; LEN]) -> AccessCode {
        AccessCode(
            bytes
                .iter()
                .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
                .collect(),
        )
    }

    /// Normalises what a person typed (case, surrounding spaces); `None` when it cannot be
    /// a code.
    pub fn parse(input: &str) -> Option<AccessCode> {
        let code = input.trim().to_ascii_uppercase();
        (code.len() == LEN && code.bytes().all(|b| ALPHABET.contains(&b)))
            .then_some(AccessCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::ids::text_newtype!(AccessCode);

super::status::stored_as_text!(AccessCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_unambiguous_characters() {
        let code = AccessCode::from_random_bytes([0, 7, 30, 31, 200, 255]);
        assert_eq!(code.len(), LEN);
        assert!(code.bytes().all(|b| ALPHABET.contains(&b)), "{code}");
        assert!(!code.contains('0') && !code.contains('O') && !code.contains('I'));
    }

    #[test]
    fn typed_codes_are_normalised_or_refused() {
        assert_eq!(AccessCode::parse(" ab2cd3 ").as_deref(), Some("AB2CD3"));
        assert_eq!(AccessCode::parse("AB2CD"), None);
        assert_eq!(AccessCode::parse("AB2CD30"), None);
        assert_eq!(
            AccessCode::parse("AB0CD3"),
            None,
            "0 is not in the alphabet"
        );
        assert!(serde_json::from_str::<AccessCode>("\"AB0CD3\"").is_err());
    }
}
