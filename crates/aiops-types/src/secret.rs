//! [`Secret`]: one type for every token, key and password the API carries.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// A secret string: a token, key or password. On the wire it is the plain string
/// (where a secret must travel: a request that sets it, the one answer that shows a new
/// API key); in `Debug` it is `[redacted]`, so a logged request or error never shows
/// it; its memory is zeroed when it drops. The value is reachable only through
/// [`Secret::expose`], so every place that uses it can be found.
///
/// It has no `Display` on purpose: `Display` is how values become headers and output
/// (`bearer_auth`, `format!`), where a redacted text would be sent or printed in the
/// secret's place without a word; without it, such a use does not compile.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

impl Secret {
    /// `value` as a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret value. Call it only where the value is used on purpose (a hash or a
    /// comparison, sealing it at rest, an HTTP header, a keychain entry).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether it is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// In the OpenAPI document a secret is a string of format `password`, the format the
/// specification defines as a hint to obscure the value
/// (<https://spec.openapis.org/oas/v3.1.0#data-types>).
impl utoipa::PartialSchema for Secret {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .into()
    }
}

impl utoipa::ToSchema for Secret {}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn travels_as_its_string_and_never_prints() {
        let s = Secret::new("ghp_topsecret");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some([redacted])");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"ghp_topsecret\"");
        let back: Secret = serde_json::from_str("\"ghp_topsecret\"").unwrap();
        assert_eq!(back.expose(), "ghp_topsecret");
    }
}
