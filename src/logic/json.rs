//! A plain JSON value, as written by page authors or served by status pages: the raw input that
//! validation turns into typed settings.
//!
//! Parsing into this tree never fails because of one bad field, so validation can keep every good
//! key and warn about each bad one. Natively it is deserialised through serde from `serde_json`; in
//! the browser `src/web/js_value.rs` walks the JavaScript object into it directly (no JSON parser and
//! no serde deserializer in the wasm).
//! Depth, container length and string length are bounded while parsing: hostile or cyclic input
//! cannot exhaust the stack or memory.

use crate::prelude::*;
use core::fmt;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Containers nested deeper than this are replaced by `Null`.
pub const MAX_DEPTH: u8 = 16;
/// Arrays and objects keep at most this many entries.
pub const MAX_ENTRIES: usize = 512;
/// Strings keep at most this many bytes (cut at a character boundary).
pub const MAX_STRING_BYTES: usize = 4096;

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Json {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The JSON type name, for warnings ("expected a number, got a string").
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

impl<'de> de::Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        Bounded { depth: 0 }.deserialize(deserializer)
    }
}

/// Deserialises one value at a known depth.
#[derive(Clone, Copy)]
struct Bounded {
    depth: u8,
}

impl<'de> DeserializeSeed<'de> for Bounded {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Cuts `s` to [`MAX_STRING_BYTES`] at a character boundary.
pub fn truncate_string(mut s: String) -> String {
    if s.len() > MAX_STRING_BYTES {
        let mut cut = MAX_STRING_BYTES;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

impl<'de> Visitor<'de> for Bounded {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(truncate_string(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(truncate_string(v)))
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        if self.depth >= MAX_DEPTH {
            // Not descending is the point: a cyclic JavaScript object must not recurse forever.
            return Ok(Json::Null);
        }
        let inner = Bounded {
            depth: self.depth + 1,
        };
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            if items.len() < MAX_ENTRIES {
                items.push(item);
            }
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        if self.depth >= MAX_DEPTH {
            return Ok(Json::Null);
        }
        let inner = Bounded {
            depth: self.depth + 1,
        };
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(inner)?;
            if entries.len() < MAX_ENTRIES {
                entries.push((truncate_string(key), value));
            }
        }
        Ok(Json::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Json {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn parses_every_kind() {
        let v = parse(r#"{"a":[1,-2.5,true,null,"x"],"b":{}}"#);
        assert_eq!(
            v.get("a"),
            Some(&Json::Array(vec![
                Json::Number(1.0),
                Json::Number(-2.5),
                Json::Bool(true),
                Json::Null,
                Json::String("x".into())
            ]))
        );
        assert_eq!(v.get("b"), Some(&Json::Object(vec![])));
        assert_eq!(v.get("c"), None);
    }

    #[test]
    fn huge_input_is_bounded() {
        let many = format!("[{}0]", "0,".repeat(5000));
        assert_eq!(parse(&many).as_array().unwrap().len(), MAX_ENTRIES);
        let long = format!("\"{}\"", "é".repeat(5000));
        let s = parse(&long);
        assert!(s.as_str().unwrap().len() <= MAX_STRING_BYTES);
    }

    #[test]
    fn deep_nesting_is_cut_off_not_followed() {
        // serde_json refuses to go on after the cut (fine: callers fall back to defaults); what
        // matters is that nothing recurses past MAX_DEPTH.
        let deep = format!("{}{}", "[".repeat(10), "]".repeat(10));
        assert!(serde_json::from_str::<Json>(&deep).is_ok());
        let too_deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let _ = serde_json::from_str::<Json>(&too_deep);
    }
}
