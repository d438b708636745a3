//! The one email rule: for sign-in, for accounts and for attendees read from a provider.

use serde::{Deserialize, Serialize};

/// An email address, trimmed and lower-cased: built only by [`EmailAddress::parse`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Something before the last `@`, a dotted domain after it, no spaces. Deliberately
    /// loose otherwise (quoted local parts, plus-addressing, unicode): providers already
    /// checked the address, and a desk must still find the person by it.
    pub fn parse(input: &str) -> Option<EmailAddress> {
        let email = input.trim().to_lowercase();
        let (local, domain) = email.rsplit_once('@')?;
        let dotted = domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.');
        (!local.is_empty() && dotted && !email.chars().any(char::is_whitespace))
            .then_some(EmailAddress(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::ids::text_newtype!(EmailAddress);

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        let email = EmailAddress::parse("  Ada.Lovelace+desk@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace+desk@example.com");
        assert_eq!(
            EmailAddress::parse("\"a@b\"@example.org").unwrap().as_str(),
            "\"a@b\"@example.org",
            "the last @ splits"
        );
    }

    #[test]
    fn what_cannot_be_an_address_is_refused() {
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@localhost",
            "ada@.com",
            "ada@example.",
            "ada lovelace@example.com",
        ] {
            assert_eq!(EmailAddress::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn it_deserialises_only_through_the_rule() {
        let ok: EmailAddress = serde_json::from_str("\"X@Y.io\"").unwrap();
        assert_eq!(ok.as_str(), "x@y.io");
        assert!(serde_json::from_str::<EmailAddress>("\"nope\"").is_err());
    }
}
