//! Typed, prefixed, random identifiers (`inq_…`, `itmpl_…`).
//!
//! A generated id is 8 characters of its creation time (milliseconds, base 62, fixed
//! width, so ids sort by creation time) then 16 random characters (≈ 95 bits: unguessable,
//! and unique without coordination). The time part is there for the database: ids created
//! together land next to each other in every index that holds them, so a commit writes a
//! few pages instead of one random page per index entry. It reveals when a thing was
//! created, which its API representation shows anyway.
//!
//! `Id<K>` carries its kind in the type, so an account id can never be passed where an
//! inquiry id is expected, and parsing a string with the wrong prefix is a typed error
//! (the HTTP edge turns it into a 404/422) instead of a lookup that finds nothing.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use rand::RngCore;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Characters of the creation time: 62^8 ms ≈ 6,900 years from the Unix epoch.
const TIME_LEN: usize = 8;
/// Random characters after the time: 16 base-62 characters ≈ 95 bits.
const RANDOM_LEN: usize = 16;
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A kind of identified thing; `PREFIX` is what its ids start with (without the `_`).
pub trait IdKind: 'static {
    const PREFIX: &'static str;
    /// The resource name used in error messages ("inquiry", "account").
    const NAME: &'static str;
}

macro_rules! id_kinds {
    ($($kind:ident => $prefix:literal, $name:literal;)*) => {
        $(
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum $kind {}
            impl IdKind for $kind {
                const PREFIX: &'static str = $prefix;
                const NAME: &'static str = $name;
            }
        )*
    };
}

id_kinds! {
    InquiryKind => "inq", "inquiry";
    InquiryTemplateKind => "itmpl", "inquiry template";
    InquiryTemplateVersionKind => "itmplv", "inquiry template version";
    LegacyTemplateKind => "tmpl", "template";
    EnvironmentKind => "env", "environment";
    AccountKind => "act", "account";
    VerificationKind => "ver", "verification";
    DocumentKind => "doc", "document";
    SelfieKind => "self", "selfie";
    InquirySessionKind => "iqse", "inquiry session";
    EventKind => "evt", "event";
    WebhookKind => "wbh", "webhook";
    DeliveryKind => "whd", "webhook delivery";
    ApiKeyKind => "key", "API key";
    OneTimeLinkKind => "otl", "one-time link";
    OperatorKind => "op", "operator";
    AuditRecordKind => "aud", "audit record";
    CommentKind => "cmt", "comment";
}

/// Why a string is not an id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("`{value}` is not a valid {name} id: it must start with `{prefix}_`")]
    WrongPrefix {
        value: String,
        prefix: &'static str,
        name: &'static str,
    },
    #[error("`{value}` is not a valid {name} id")]
    Malformed { value: String, name: &'static str },
}

/// An identifier of kind `K`, e.g. `Id<InquiryKind>` = `inq_4Gx…`.
pub struct Id<K: IdKind> {
    value: String,
    kind: PhantomData<K>,
}

impl<K: IdKind> Id<K> {
    /// A fresh id for now, its random part drawn from `rng`.
    pub fn generate(rng: &mut impl RngCore) -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Self::generate_at(now, rng)
    }

    /// A fresh id created at `unix_ms`, its random part drawn from `rng`.
    pub fn generate_at(unix_ms: u64, rng: &mut impl RngCore) -> Self {
        let mut value = String::with_capacity(K::PREFIX.len() + 1 + TIME_LEN + RANDOM_LEN);
        value.push_str(K::PREFIX);
        value.push('_');
        // Most significant digit first: the alphabet is in ASCII order, so ids compare as
        // their times do.
        let mut time = [b'0'; TIME_LEN];
        let mut rest = unix_ms;
        for digit in time.iter_mut().rev() {
            *digit = ALPHABET[(rest % 62) as usize];
            rest /= 62;
        }
        value.extend(time.iter().map(|&b| b as char));
        let mut produced = 0;
        while produced < RANDOM_LEN {
            let mut buf = [0u8; 32];
            rng.fill_bytes(&mut buf);
            for byte in buf {
                // Rejection sampling keeps every character equally likely: 248 = 4 * 62.
                if byte < 248 && produced < RANDOM_LEN {
                    value.push(ALPHABET[usize::from(byte % 62)] as char);
                    produced += 1;
                }
            }
        }
        Id {
            value,
            kind: PhantomData,
        }
    }

    /// Parses `value`, checking the prefix and the characters after it.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let rest = value
            .strip_prefix(K::PREFIX)
            .and_then(|rest| rest.strip_prefix('_'))
            .ok_or_else(|| IdError::WrongPrefix {
                value: truncate(value),
                prefix: K::PREFIX,
                name: K::NAME,
            })?;
        let well_formed = (8..=64).contains(&rest.len())
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !well_formed {
            return Err(IdError::Malformed {
                value: truncate(value),
                name: K::NAME,
            });
        }
        Ok(Id {
            value: value.to_owned(),
            kind: PhantomData,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn into_string(self) -> String {
        self.value
    }
}

/// Error messages echo the offending value, but never an unbounded one.
fn truncate(value: &str) -> String {
    value.chars().take(80).collect()
}

impl<K: IdKind> Clone for Id<K> {
    fn clone(&self) -> Self {
        Id {
            value: self.value.clone(),
            kind: PhantomData,
        }
    }
}
impl<K: IdKind> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<K: IdKind> Eq for Id<K> {}
impl<K: IdKind> Hash for Id<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state)
    }
}
impl<K: IdKind> PartialOrd for Id<K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<K: IdKind> Ord for Id<K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}
impl<K: IdKind> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}
impl<K: IdKind> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}
impl<K: IdKind> std::str::FromStr for Id<K> {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
impl<K: IdKind> Serialize for Id<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.value)
    }
}
impl<'de, K: IdKind> Deserialize<'de> for Id<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Id::parse(&s).map_err(serde::de::Error::custom)
    }
}

pub type InquiryId = Id<InquiryKind>;
pub type InquiryTemplateVersionId = Id<InquiryTemplateVersionKind>;
pub type AccountId = Id<AccountKind>;
pub type SessionId = Id<InquirySessionKind>;
pub type EventId = Id<EventKind>;
pub type EnvironmentId = Id<EnvironmentKind>;
pub type DocumentId = Id<DocumentKind>;
pub type VerificationId = Id<VerificationKind>;
pub type WebhookId = Id<WebhookKind>;
pub type DeliveryId = Id<DeliveryKind>;
pub type ApiKeyId = Id<ApiKeyKind>;
pub type OperatorId = Id<OperatorKind>;
pub type AuditRecordId = Id<AuditRecordKind>;
pub type CommentId = Id<CommentKind>;

/// A template id: dynamic-flow templates are `itmpl_…`, legacy ones `tmpl_…`.
/// The prefix decides the kind (docs/contract.md §4 `start`, §5 `inquiry-template-id` vs `template-id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TemplateId {
    Dynamic(Id<InquiryTemplateKind>),
    Legacy(Id<LegacyTemplateKind>),
}

impl TemplateId {
    pub fn parse(value: &str) -> Result<Self, IdError> {
        if value.starts_with("itmpl_") {
            Id::parse(value).map(TemplateId::Dynamic)
        } else if value.starts_with("tmpl_") {
            Id::parse(value).map(TemplateId::Legacy)
        } else {
            Err(IdError::WrongPrefix {
                value: truncate(value),
                prefix: "itmpl",
                name: "inquiry template",
            })
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            TemplateId::Dynamic(id) => id.as_str(),
            TemplateId::Legacy(id) => id.as_str(),
        }
    }

    pub fn is_dynamic(&self) -> bool {
        matches!(self, TemplateId::Dynamic(_))
    }
}

impl fmt::Display for TemplateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl Serialize for TemplateId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
impl<'de> Deserialize<'de> for TemplateId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        TemplateId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::mock::StepRng;
    use rand::SeedableRng;

    #[test]
    fn generated_ids_have_prefix_and_round_trip() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let id = InquiryId::generate(&mut rng);
        assert!(id.as_str().starts_with("inq_"));
        assert_eq!(id.as_str().len(), 4 + TIME_LEN + RANDOM_LEN);
        assert_eq!(InquiryId::parse(id.as_str()), Ok(id.clone()));
        let other = InquiryId::generate(&mut rng);
        assert_ne!(id, other);
    }

    #[test]
    fn ids_sort_by_creation_time() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let times = [
            0,
            61,
            62,
            1_700_000_000_000,
            1_700_000_000_001,
            4_102_444_800_000,
        ];
        let ids: Vec<String> = times
            .iter()
            .map(|&t| InquiryId::generate_at(t, &mut rng).into_string())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert!(ids[0].starts_with("inq_00000000"));
    }

    #[test]
    fn generation_terminates_on_a_biased_rng() {
        // A generator that only yields rejected bytes at first must still finish.
        let mut rng = StepRng::new(u64::MAX, 1);
        let id = AccountId::generate(&mut rng);
        assert!(id.as_str().starts_with("act_"));
    }

    #[test]
    fn wrong_prefix_is_a_typed_error() {
        let err = InquiryId::parse("act_0123456789abcdef").unwrap_err();
        assert!(matches!(err, IdError::WrongPrefix { prefix: "inq", .. }));
        assert!(err.to_string().contains("inq_"));
    }

    #[test]
    fn malformed_rest_is_rejected() {
        assert!(matches!(
            InquiryId::parse("inq_short"),
            Err(IdError::WrongPrefix { .. }) | Err(IdError::Malformed { .. })
        ));
        assert!(matches!(
            InquiryId::parse("inq_0123456789'; drop"),
            Err(IdError::Malformed { .. })
        ));
        assert!(InquiryId::parse("inq").is_err());
        // `inq_` is not accepted for `itmpl_`-like prefixes sharing a start.
        assert!(Id::<InquiryTemplateKind>::parse("itmplv_0123456789abcdef").is_err());
    }

    #[test]
    fn template_id_kind_follows_prefix() {
        assert!(TemplateId::parse("itmpl_0123456789abcdef")
            .unwrap()
            .is_dynamic());
        assert!(!TemplateId::parse("tmpl_0123456789abcdef")
            .unwrap()
            .is_dynamic());
        assert!(TemplateId::parse("inq_0123456789abcdef").is_err());
    }
}
