//! Ids of Lanyard's own rows, one type each, so a workspace id can never be passed where an
//! event id belongs (functions take several in a row). Built only by parsing (or, on the
//! server, by minting a new one); the text is a UUID as the database stores it.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The id in `text`, when it is one (a UUID, any case; stored lower-case).
            pub fn parse(text: &str) -> Option<$name> {
                is_uuid(text).then(|| $name(text.to_ascii_lowercase()))
            }

            /// A new id (time-ordered, so rows made later sort later).
            #[cfg(feature = "ssr")]
            pub fn mint() -> $name {
                $name(uuid::Uuid::now_v7().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        super::ids::text_newtype!($name);
        super::status::stored_as_text!($name);
    };
}

id_type!(
    /// A workspace: every query about anything in it is scoped by one.
    WorkspaceId
);
id_type!(
    /// An event in Lanyard (not the provider's id for it).
    EventId
);
id_type!(
    /// One connected provider account of a workspace.
    IntegrationId
);
id_type!(
    /// One invite to a workspace (not its token, which is the link's secret).
    InviteId
);

/// What every text newtype of the domain has: read as `&str`, shown as itself, built from a
/// `String` only through its `parse`, turned back into one. (`$name.0` is the text.)
macro_rules! text_newtype {
    ($name:ident) => {
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                $name::parse(&text)
                    .ok_or_else(|| format!("not a valid {}: {text:?}", stringify!($name)))
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}
pub(crate) use text_newtype;

fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::WorkspaceId;

    #[test]
    fn ids_are_uuids_and_nothing_else() {
        let id = WorkspaceId::parse("01A23C4D-1FA9-7581-9078-B3CCB899DB40").unwrap();
        assert_eq!(id.as_str(), "01a23c4d-1fa9-7581-9078-b3ccb899db40");
        for bad in [
            "",
            "w",
            "01a23c4d1fa975819078b3ccb899db40",
            "01a23c4d-1fa9-7581-9078-b3ccb899db4g",
            "../etc/passwd",
        ] {
            assert_eq!(WorkspaceId::parse(bad), None, "{bad:?}");
        }
        assert!(serde_json::from_str::<WorkspaceId>("\"nope\"").is_err());
        let back: WorkspaceId = serde_json::from_str(&serde_json::to_string(&id).unwrap()).unwrap();
        assert_eq!(back, id);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn minted_ids_parse() {
        let id = WorkspaceId::mint();
        assert_eq!(WorkspaceId::parse(&id), Some(id.clone()));
    }
}
