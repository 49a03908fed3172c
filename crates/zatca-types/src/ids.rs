//! Device and activity ids.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Environment;
use crate::digest::uuid_from_seed;

/// An id that is not of its type's form, or one that could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdError {
    /// The text is not an id of this kind.
    Malformed {
        /// What the id names (`device` or `activity`).
        what: &'static str,
        /// The form expected.
        expected: &'static str,
        /// The text given (at most 64 characters; ids are not secrets).
        found: String,
    },
    /// The operating system's random number generator failed.
    Randomness(String),
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed {
                what,
                expected,
                found,
            } => write!(f, "{what} id {found:?} is not of the form {expected}"),
            Self::Randomness(reason) => {
                write!(
                    f,
                    "the operating system's random number generator failed: {reason}"
                )
            }
        }
    }
}

impl std::error::Error for IdError {}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

fn is_uuid_form(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => is_lower_hex(b),
        })
}

fn is_activity_form(s: &str) -> bool {
    s.len() == ActivityId::LEN && s.bytes().all(is_lower_hex)
}

/// `s` trimmed and lower-cased, when `accepts` takes that form.
fn lowered_if(
    s: &str,
    what: &'static str,
    expected: &'static str,
    accepts: impl Fn(&str) -> bool,
) -> Result<String, IdError> {
    let lower = s.trim().to_ascii_lowercase();
    if accepts(&lower) {
        Ok(lower)
    } else {
        Err(IdError::Malformed {
            what,
            expected,
            found: s.chars().take(64).collect(),
        })
    }
}

macro_rules! string_id {
    ($name:ident) => {
        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}

/// A device's id: a UUID derived from the device's identity (environment,
/// VAT, EGS serial), so registering twice, or from two processes or service
/// instances at once, yields one device. ClearTax's `DeviceId` is a UUID
/// (MaxLength 36).
///
/// ```
/// use zatca_types::{DeviceId, Environment};
/// let a = DeviceId::derive(Environment::Simulation, "399999999900003", "1-TST|2-TST|3-1");
/// let b = DeviceId::derive(Environment::Simulation, "399999999900003", "1-TST|2-TST|3-1");
/// let c = DeviceId::derive(Environment::Production, "399999999900003", "1-TST|2-TST|3-1");
/// assert_eq!(a, b);
/// assert_ne!(a, c);
/// assert_eq!(a.as_str().len(), 36);
/// assert_eq!(a.as_str().to_uppercase().parse::<DeviceId>()?, a);
/// assert!("62972e815bc1fa6cd2835c41".parse::<DeviceId>().is_err());
/// # Ok::<(), zatca_types::IdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(String);

impl DeviceId {
    /// The form a device id has.
    pub const FORM: &'static str = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (a UUID, hex)";

    /// The id of the device (environment, VAT, EGS serial): SHA-256 of
    /// `"zatca-device" 0 env 0 vat 0 serial` as a version-8 UUID.
    pub fn derive(environment: Environment, vat: &str, egs_serial: &str) -> Self {
        let mut seed = b"zatca-device".to_vec();
        for part in [environment.as_str(), vat, egs_serial] {
            seed.push(0);
            seed.extend_from_slice(part.as_bytes());
        }
        Self(uuid_from_seed(&seed))
    }
}

string_id!(DeviceId);

impl FromStr for DeviceId {
    type Err = IdError;
    /// Parses a device id; upper-case hex is accepted and lowered.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        lowered_if(s, "device", Self::FORM, is_uuid_form).map(Self)
    }
}

impl<'de> Deserialize<'de> for DeviceId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// An activity's id: 24 lower-case hex characters (96 random bits), the form
/// of ClearTax's `PcsidGenerationActivityId` (MaxLength 24, e.g.
/// `62972e815bc1fa6cd2835c41`). Random, so ids never collide across
/// processes or service instances and cannot be guessed from a device id.
///
/// ```
/// use zatca_types::ActivityId;
/// let a = ActivityId::generate()?;
/// assert_eq!(a.as_str().len(), 24);
/// assert_ne!(a, ActivityId::generate()?);
/// assert_eq!("62972E815BC1FA6CD2835C41".parse::<ActivityId>()?.as_str(), "62972e815bc1fa6cd2835c41");
/// assert!("4f190640-9b36-42e9-88d1-0c31a961898d".parse::<ActivityId>().is_err());
/// # Ok::<(), zatca_types::IdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActivityId(String);

impl ActivityId {
    /// The length of an activity id.
    pub const LEN: usize = 24;
    /// The form an activity id has.
    pub const FORM: &'static str = "24 hex characters, e.g. 62972e815bc1fa6cd2835c41";

    /// A fresh id from the operating system's random number generator.
    pub fn generate() -> Result<Self, IdError> {
        let mut bytes = [0u8; Self::LEN / 2];
        getrandom::fill(&mut bytes).map_err(|e| IdError::Randomness(e.to_string()))?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// Reads an id from a store file written by an earlier release, which
    /// named activities with UUIDs; input from users goes through
    /// [`FromStr`], which takes only the 24-character form.
    pub fn from_stored(s: &str) -> Result<Self, IdError> {
        lowered_if(s, "activity", Self::FORM, |l| {
            is_activity_form(l) || is_uuid_form(l)
        })
        .map(Self)
    }
}

string_id!(ActivityId);

impl FromStr for ActivityId {
    type Err = IdError;
    /// Parses an activity id (24 hex characters; upper case is lowered).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        lowered_if(s, "activity", Self::FORM, is_activity_form).map(Self)
    }
}

impl<'de> Deserialize<'de> for ActivityId {
    /// Store files of earlier releases hold UUID-form ids: they still load.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_stored(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_keep_the_derivation_of_earlier_releases() {
        // Pinned: stores written by earlier releases name device folders with these ids.
        let id = DeviceId::derive(
            Environment::Simulation,
            "399999999900003",
            "1-TST|2-TST|3-1",
        );
        assert!(is_uuid_form(id.as_str()));
        assert_eq!(&id.as_str()[14..15], "8");
    }

    #[test]
    fn activity_ids_are_24_hex_and_distinct() {
        let ids: std::collections::HashSet<_> =
            (0..1000).map(|_| ActivityId::generate().unwrap()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|a| is_activity_form(a.as_str())));
    }

    #[test]
    fn legacy_activity_ids_load_from_files_but_not_from_users() {
        let legacy = "\"4f190640-9b36-42e9-88d1-0c31a961898d\"";
        let id: ActivityId = serde_json::from_str(legacy).unwrap();
        assert_eq!(id.as_str().len(), 36);
        assert!(id.as_str().parse::<ActivityId>().is_err());
        assert!(serde_json::from_str::<ActivityId>("\"nope\"").is_err());
    }
}
