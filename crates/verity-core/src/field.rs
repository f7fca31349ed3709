//! Typed inquiry fields: the schema a template declares and the values an inquiry holds.
//!
//! On the wire a value is `{ "type": "integer", "value": 42 }` (docs/contract.md §5 `complete`).
//! Values arrive from three places — the REST API (JSON), the flow app (JSON) and the
//! widget's query string (always text) — so [`FieldSpec::coerce`] accepts text for
//! every scalar type and converts it, or says exactly why it cannot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The type of a field, with its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
    Date,
    Datetime,
    Choices,
    MultiChoices,
    Json,
    GovernmentId,
    Selfie,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Choices => "choices",
            FieldType::MultiChoices => "multi_choices",
            FieldType::Json => "json",
            FieldType::GovernmentId => "government_id",
            FieldType::Selfie => "selfie",
        }
    }

    /// Fields the individual fills through capture steps, not by typing.
    pub fn is_capture(self) -> bool {
        matches!(self, FieldType::GovernmentId | FieldType::Selfie)
    }
}

/// One field a template declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FieldSpec {
    /// Kebab-case key, e.g. `name-first` (docs/contract.md §5 `fields[...]`).
    pub key: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Human label shown in the flow's form.
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// Allowed options for `choices` / `multi_choices`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// Longest accepted string, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Personal data is removed by redaction and by webhook blocklists.
    #[serde(default = "default_true")]
    pub personal: bool,
}

fn default_true() -> bool {
    true
}

/// The longest string any field accepts unless its spec says less.
pub const DEFAULT_MAX_STRING: usize = 1024;

/// A typed field value: `{ "type": …, "value": … }` on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldValue {
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// `null` when the field is declared but has no value yet.
    pub value: Value,
}

/// Why a value does not fit a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("unknown field `{key}`")]
    Unknown { key: String },
    #[error("field `{key}` must be {expected}")]
    WrongType { key: String, expected: &'static str },
    #[error("field `{key}` must be one of: {allowed}")]
    NotAChoice { key: String, allowed: String },
    #[error("field `{key}` is longer than {max} characters")]
    TooLong { key: String, max: usize },
    #[error("field `{key}` is required")]
    Missing { key: String },
    #[error("field `{key}` is filled by a capture step and cannot be set directly")]
    CaptureOnly { key: String },
}

impl FieldError {
    pub fn key(&self) -> &str {
        match self {
            FieldError::Unknown { key }
            | FieldError::WrongType { key, .. }
            | FieldError::NotAChoice { key, .. }
            | FieldError::TooLong { key, .. }
            | FieldError::Missing { key }
            | FieldError::CaptureOnly { key } => key,
        }
    }
}

impl FieldSpec {
    pub fn new(key: &str, field_type: FieldType) -> Self {
        FieldSpec {
            key: key.to_owned(),
            field_type,
            label: None,
            required: false,
            choices: Vec::new(),
            max_length: None,
            personal: true,
        }
    }

    /// Converts `raw` (JSON, or text from a query string) to this field's type.
    /// `null` clears the field.
    pub fn coerce(&self, raw: &Value) -> Result<FieldValue, FieldError> {
        let value = if raw.is_null() {
            Value::Null
        } else {
            self.coerce_non_null(raw)?
        };
        Ok(FieldValue {
            field_type: self.field_type,
            value,
        })
    }

    fn coerce_non_null(&self, raw: &Value) -> Result<Value, FieldError> {
        let key = &self.key;
        let wrong = |expected: &'static str| FieldError::WrongType {
            key: key.clone(),
            expected,
        };
        let text = raw.as_str().map(str::trim);
        match self.field_type {
            FieldType::String => {
                let s = raw.as_str().ok_or_else(|| wrong("a string"))?;
                let max = self.max_length.unwrap_or(DEFAULT_MAX_STRING);
                if s.chars().count() > max {
                    return Err(FieldError::TooLong {
                        key: key.clone(),
                        max,
                    });
                }
                Ok(Value::String(s.to_owned()))
            }
            FieldType::Integer => {
                let n = match (raw.as_i64(), text) {
                    (Some(n), _) => n,
                    (None, Some(t)) => t.parse::<i64>().map_err(|_| wrong("an integer"))?,
                    _ => return Err(wrong("an integer")),
                };
                Ok(Value::from(n))
            }
            FieldType::Number => {
                let n = match (raw.as_f64(), text) {
                    (Some(n), _) => n,
                    (None, Some(t)) => t.parse::<f64>().map_err(|_| wrong("a number"))?,
                    _ => return Err(wrong("a number")),
                };
                serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .ok_or_else(|| wrong("a finite number"))
            }
            FieldType::Boolean => match (raw.as_bool(), text) {
                (Some(b), _) => Ok(Value::Bool(b)),
                (None, Some("true")) => Ok(Value::Bool(true)),
                (None, Some("false")) => Ok(Value::Bool(false)),
                _ => Err(wrong("true or false")),
            },
            FieldType::Date | FieldType::Datetime => self.coerce_time(text),
            FieldType::Choices => {
                let s = text.ok_or_else(|| wrong("one of the field's choices"))?;
                self.check_choice(s)?;
                Ok(Value::String(s.to_owned()))
            }
            FieldType::MultiChoices => self.coerce_choices(raw),
            FieldType::Json => Ok(raw.clone()),
            FieldType::GovernmentId | FieldType::Selfie => {
                Err(FieldError::CaptureOnly { key: key.clone() })
            }
        }
    }

    /// A date (`YYYY-MM-DD`) or an RFC 3339 date-time, normalised (date-times to UTC).
    fn coerce_time(&self, text: Option<&str>) -> Result<Value, FieldError> {
        let wrong = |expected: &'static str| FieldError::WrongType {
            key: self.key.clone(),
            expected,
        };
        if self.field_type == FieldType::Date {
            let t = text.ok_or_else(|| wrong("a date (YYYY-MM-DD)"))?;
            let date = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map_err(|_| wrong("a date (YYYY-MM-DD)"))?;
            return Ok(Value::String(date.format("%Y-%m-%d").to_string()));
        }
        let t = text.ok_or_else(|| wrong("an RFC 3339 date-time"))?;
        let dt =
            chrono::DateTime::parse_from_rfc3339(t).map_err(|_| wrong("an RFC 3339 date-time"))?;
        Ok(Value::String(
            dt.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        ))
    }

    /// A list of the field's choices (a JSON array, or comma-separated text from a query).
    fn coerce_choices(&self, raw: &Value) -> Result<Value, FieldError> {
        let wrong = || FieldError::WrongType {
            key: self.key.clone(),
            expected: "a list of choices",
        };
        let items: Vec<&str> = match raw {
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().ok_or_else(wrong))
                .collect::<Result<_, _>>()?,
            // The query string encodes a list as comma-separated text.
            Value::String(s) if s.is_empty() => Vec::new(),
            Value::String(s) => s.split(',').map(str::trim).collect(),
            _ => return Err(wrong()),
        };
        for item in &items {
            self.check_choice(item)?;
        }
        Ok(Value::from(items))
    }

    fn check_choice(&self, value: &str) -> Result<(), FieldError> {
        if self.choices.iter().any(|c| c == value) {
            Ok(())
        } else {
            Err(FieldError::NotAChoice {
                key: self.key.clone(),
                allowed: self.choices.join(", "),
            })
        }
    }
}

/// The fields of a template, in display order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldSchema(pub Vec<FieldSpec>);

/// An inquiry's field values by key.
pub type Fields = BTreeMap<String, FieldValue>;

impl FieldSchema {
    pub fn get(&self, key: &str) -> Option<&FieldSpec> {
        self.0.iter().find(|f| f.key == key)
    }

    /// Every declared field with a `null` value: what a new inquiry starts with.
    pub fn empty_values(&self) -> Fields {
        self.0
            .iter()
            .map(|f| {
                (
                    f.key.clone(),
                    FieldValue {
                        field_type: f.field_type,
                        value: Value::Null,
                    },
                )
            })
            .collect()
    }

    /// Converts every raw value, collecting all errors (so the API can report each pointer).
    pub fn coerce_all(
        &self,
        raw: &serde_json::Map<String, Value>,
    ) -> Result<Fields, Vec<FieldError>> {
        let mut values = Fields::new();
        let mut errors = Vec::new();
        for (key, value) in raw {
            let result = self
                .get(key)
                .ok_or_else(|| FieldError::Unknown { key: key.clone() })
                .and_then(|spec| spec.coerce(value));
            match result {
                Ok(v) => {
                    values.insert(key.clone(), v);
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(values)
        } else {
            Err(errors)
        }
    }

    /// Required, typeable fields that still have no value.
    pub fn missing_required(&self, values: &Fields) -> Vec<FieldError> {
        self.0
            .iter()
            .filter(|f| f.required && !f.field_type.is_capture())
            .filter(|f| values.get(&f.key).is_none_or(|v| v.value.is_null()))
            .map(|f| FieldError::Missing { key: f.key.clone() })
            .collect()
    }

    /// Keys of fields holding personal data (cleared by redaction).
    pub fn personal_keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter(|f| f.personal).map(|f| f.key.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(t: FieldType) -> FieldSpec {
        FieldSpec::new("k", t)
    }

    #[test]
    fn integer_from_text_is_converted_or_rejected() {
        let s = spec(FieldType::Integer);
        assert_eq!(s.coerce(&json!("42")).unwrap().value, json!(42));
        assert_eq!(s.coerce(&json!(7)).unwrap().value, json!(7));
        assert!(matches!(
            s.coerce(&json!("forty")),
            Err(FieldError::WrongType { .. })
        ));
        assert!(s.coerce(&json!(1.5)).is_err());
    }

    #[test]
    fn dates_are_normalised_and_checked() {
        let s = spec(FieldType::Date);
        assert_eq!(
            s.coerce(&json!("1990-02-03")).unwrap().value,
            json!("1990-02-03")
        );
        assert!(s.coerce(&json!("1990-02-30")).is_err());
        assert!(s.coerce(&json!(19900203)).is_err());
        let dt = spec(FieldType::Datetime);
        assert_eq!(
            dt.coerce(&json!("2026-01-01T01:00:00+01:00"))
                .unwrap()
                .value,
            json!("2026-01-01T00:00:00Z")
        );
    }

    #[test]
    fn choices_must_be_declared() {
        let mut s = spec(FieldType::MultiChoices);
        s.choices = vec!["a".into(), "b".into()];
        assert_eq!(s.coerce(&json!("a, b")).unwrap().value, json!(["a", "b"]));
        assert!(matches!(
            s.coerce(&json!(["a", "c"])),
            Err(FieldError::NotAChoice { .. })
        ));
    }

    #[test]
    fn strings_have_a_length_limit() {
        let mut s = spec(FieldType::String);
        s.max_length = Some(3);
        assert!(s.coerce(&json!("abc")).is_ok());
        assert!(matches!(
            s.coerce(&json!("abcd")),
            Err(FieldError::TooLong { .. })
        ));
        assert!(s.coerce(&json!(3)).is_err());
    }

    #[test]
    fn capture_fields_cannot_be_typed_in() {
        assert!(matches!(
            spec(FieldType::Selfie).coerce(&json!("x")),
            Err(FieldError::CaptureOnly { .. })
        ));
        assert!(spec(FieldType::Selfie).coerce(&Value::Null).is_ok());
    }

    #[test]
    fn coerce_all_reports_every_error() {
        let schema = FieldSchema(vec![
            FieldSpec::new("age", FieldType::Integer),
            FieldSpec::new("name", FieldType::String),
        ]);
        let raw = json!({"age": "x", "nope": 1, "name": "Jo"});
        let errs = schema.coerce_all(raw.as_object().unwrap()).unwrap_err();
        let keys: Vec<_> = errs.iter().map(FieldError::key).collect();
        assert_eq!(keys, vec!["age", "nope"]);
    }

    #[test]
    fn wire_shape_is_type_and_value() {
        let v = spec(FieldType::Boolean).coerce(&json!("true")).unwrap();
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            json!({"type":"boolean","value":true})
        );
        let mc: FieldValue =
            serde_json::from_value(json!({"type":"multi_choices","value":[]})).unwrap();
        assert_eq!(mc.field_type, FieldType::MultiChoices);
    }
}
