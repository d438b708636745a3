//! The status vocabularies stored in the database and shown in the UI.
//!
//! Each enum keeps an `Unknown`-free closed set: the database constrains the column with a
//! CHECK, so a value we cannot parse is a bug worth surfacing, not a provider quirk.

use serde::{Deserialize, Serialize};

macro_rules! db_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        super::status::stored_as_text!($name);
    };
}
pub(crate) use db_enum;

/// sqlx reads and writes `$name` as text through its `parse` and `as_str`: a stored value
/// that does not parse is a decode error naming the type, never a panic.
macro_rules! stored_as_text {
    ($name:ident) => {
        #[cfg(feature = "ssr")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <String as sqlx::Type<sqlx::Any>>::type_info()
            }
            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <String as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Ok($name::parse(text)
                    .ok_or_else(|| format!("stored {} {text:?} is not valid", stringify!($name)))?)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(
                    &self.as_str().to_string(),
                    buf,
                )
            }
        }
    };
}
pub(crate) use stored_as_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Provider {
    Eventbrite,
    Luma,
}
db_enum!(Provider { Eventbrite => "EVENTBRITE", Luma => "LUMA" });

impl Provider {
    pub fn label(self) -> &'static str {
        match self {
            Provider::Eventbrite => "Eventbrite",
            Provider::Luma => "Luma",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IntegrationStatus {
    Connected,
    Disconnected,
}
db_enum!(IntegrationStatus { Connected => "CONNECTED", Disconnected => "DISCONNECTED" });

/// The health of the link between an event and its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SyncStatus {
    Pending,
    Active,
    Failed,
    Disconnected,
}
db_enum!(SyncStatus {
    Pending => "PENDING",
    Active => "ACTIVE",
    Failed => "FAILED",
    Disconnected => "DISCONNECTED",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AttendanceStatus {
    Attending,
    NotAttending,
}
db_enum!(AttendanceStatus { Attending => "ATTENDING", NotAttending => "NOT_ATTENDING" });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_database_name() {
        for s in SyncStatus::ALL {
            assert_eq!(SyncStatus::parse(s.as_str()), Some(*s));
        }
        for s in IntegrationStatus::ALL {
            assert_eq!(IntegrationStatus::parse(s.as_str()), Some(*s));
        }
        for s in AttendanceStatus::ALL {
            assert_eq!(AttendanceStatus::parse(s.as_str()), Some(*s));
        }
        for p in Provider::ALL {
            assert_eq!(Provider::parse(p.as_str()), Some(*p));
        }
        assert_eq!(SyncStatus::parse("active"), None);
        assert_eq!(AttendanceStatus::NotAttending.to_string(), "NOT_ATTENDING");
    }
}
