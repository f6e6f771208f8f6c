//! Reads a JavaScript value (the page's config object) into the logic's bounded [`Json`] tree.
//!
//! A direct walk with js-sys instead of serde-wasm-bindgen: serde's error paths format floats and
//! pull ~20 KB of `core::fmt` into the wasm, which the error page cannot afford. Same bounds as the
//! serde path: depth, entries and string length are capped, so a cyclic object is safe.

use crate::prelude::*;
use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

use crate::logic::json::{truncate_string, Json, MAX_DEPTH, MAX_ENTRIES};

pub fn to_json(value: &JsValue) -> Json {
    walk(value, 0)
}

fn walk(value: &JsValue, depth: u8) -> Json {
    if let Some(b) = value.as_bool() {
        return Json::Bool(b);
    }
    if let Some(n) = value.as_f64() {
        return Json::Number(n);
    }
    if let Some(s) = value.as_string() {
        return Json::String(truncate_string(s));
    }
    if !value.is_object() || depth >= MAX_DEPTH {
        return Json::Null;
    }
    // Plain loops rather than `map`/`filter_map` + `collect`: each iterator chain brings its
    // own `from_iter` and `extend` code into the wasm.
    if let Some(array) = value.dyn_ref::<Array>() {
        let len = array.length().min(MAX_ENTRIES as u32);
        let mut items = Vec::with_capacity(len as usize);
        for i in 0..len {
            items.push(walk(&array.get(i), depth + 1));
        }
        return Json::Array(items);
    }
    let entries = Object::entries(value.unchecked_ref());
    let len = entries.length().min(MAX_ENTRIES as u32);
    let mut fields = Vec::new();
    for i in 0..len {
        let Ok(pair) = entries.get(i).dyn_into::<Array>() else {
            continue;
        };
        let Some(key) = pair.get(0).as_string() else {
            continue;
        };
        fields.push((truncate_string(key), walk(&pair.get(1), depth + 1)));
    }
    Json::Object(fields)
}
