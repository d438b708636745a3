//! The 6-character staff access code that opens an event's check-in station.

/// Letters and digits without the look-alikes (0/O, 1/I/L) so a code read aloud at a busy
/// desk is typed right the first time.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const LEN: usize = 6;

/// Builds a code from caller-supplied random bytes (the server passes OS randomness), which
/// keeps this function pure and testable.
pub fn from_random_bytes(bytes: [u8; LEN]) -> String {
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// Normalises what a person typed (case, surrounding spaces); `None` when it cannot be a code.
pub fn normalize(input: &str) -> Option<String> {
    let code = input.trim().to_ascii_uppercase();
    (code.len() == LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_unambiguous_characters() {
        let code = from_random_bytes([0, 7, 30, 31, 200, 255]);
        assert_eq!(code.len(), LEN);
        assert!(code.bytes().all(|b| ALPHABET.contains(&b)), "{code}");
        assert!(!code.contains('0') && !code.contains('O') && !code.contains('I'));
    }

    #[test]
    fn typed_codes_are_normalised_or_refused() {
        assert_eq!(normalize(" ab2cd3 ").as_deref(), Some("AB2CD3"));
        assert_eq!(normalize("AB2CD"), None);
        assert_eq!(normalize("AB2CD30"), None);
        assert_eq!(normalize("AB0CD3"), None, "0 is not in the alphabet");
    }
}
