//! `docs/config.schema.json` and `src/logic/config.rs` agree: every key the schema names is
//! accepted with its example, its enum values and its bounds, and refused (with a warning naming it)
//! with a wrong type, a value outside its bounds or choices; every object refuses keys the schema
//! does not name; every key `config.rs` matches on is in the schema; and the README's configuration
//! table lists every key.

mod diagnosis_support;

use diagnosis_support::to_json;
use gateway_doctor::logic::config::{config_from_json, Warning};
use gateway_doctor::logic::messages::{Locale, Message};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn schema() -> Value {
    serde_json::from_str(&read("docs/config.schema.json")).expect("the schema is JSON")
}

fn warnings(config: &Value) -> Vec<Warning> {
    config_from_json(&to_json(config)).1
}

/// One step into a config value: an object key or the first array item.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Item,
}

/// `retry.maxDelayMs`, `alternates[0].kind`: how config.rs names a key in warnings.
fn dotted(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Item => out.push_str("[0]"),
        }
    }
    out
}

/// `retry.maxDelayMs`, `alternates[].kind`: how the README names a key.
fn readme_name(path: &[Step]) -> String {
    dotted(path).replace("[0]", "[]")
}

fn set_at(config: &mut Value, path: &[Step], value: Value) {
    match path.split_first() {
        None => *config = value,
        Some((Step::Key(k), rest)) => {
            let object = config.as_object_mut().expect("an object on the path");
            set_at(object.entry(k.clone()).or_insert(json!({})), rest, value)
        }
        Some((Step::Item, rest)) => {
            let array = config.as_array_mut().expect("an array on the path");
            set_at(&mut array[0], rest, value)
        }
    }
}

/// Every leaf of the schema (a key whose value is not an object or array of objects), with its
/// path; every object node, with its path.
fn walk(
    node: &Value,
    path: Vec<Step>,
    leaves: &mut Vec<(Vec<Step>, Value)>,
    objects: &mut Vec<Vec<Step>>,
) {
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        objects.push(path.clone());
        for (key, child) in properties {
            let mut p = path.clone();
            p.push(Step::Key(key.clone()));
            walk(child, p, leaves, objects);
        }
    } else if let Some(items) = node.get("items") {
        let mut p = path.clone();
        p.push(Step::Item);
        walk(items, p, leaves, objects);
    } else {
        leaves.push((path, node.clone()));
    }
}

/// The full example: every key of the schema, all valid.
fn full_example(schema: &Value) -> Value {
    schema["examples"][0].clone()
}

fn names(ws: &[Warning]) -> Vec<String> {
    ws.iter().map(|w| w.key.clone()).collect()
}

#[test]
fn the_full_example_is_accepted_without_a_warning() {
    let schema = schema();
    let example = full_example(&schema);
    assert_eq!(names(&warnings(&example)), Vec::<String>::new());
    // It really uses every top-level key.
    let keys: BTreeSet<&String> = schema["properties"].as_object().unwrap().keys().collect();
    let used: BTreeSet<&String> = example.as_object().unwrap().keys().collect();
    assert_eq!(keys, used);
}

#[test]
fn every_key_of_the_schema_is_what_config_rs_accepts() {
    let schema = schema();
    let (mut leaves, mut objects) = (Vec::new(), Vec::new());
    walk(&schema, Vec::new(), &mut leaves, &mut objects);
    let base = full_example(&schema);
    let mut failures = Vec::new();
    let mut check = |path: &[Step], value: Value, accepted: bool| {
        let mut config = base.clone();
        set_at(&mut config, path, value.clone());
        let got = names(&warnings(&config));
        let key = dotted(path);
        let ok = if accepted {
            got.is_empty()
        } else {
            got.contains(&key)
        };
        if !ok {
            failures.push(format!(
                "{key} = {value}: warnings {got:?} (want {})",
                if accepted { "none" } else { "one for this key" }
            ));
        }
    };
    for (path, leaf) in &leaves {
        let key = dotted(path);
        if key == "messages" {
            continue; // a map of message ids, checked below
        }
        for example in leaf["examples"]
            .as_array()
            .unwrap_or_else(|| panic!("{key}: no examples"))
        {
            check(path, example.clone(), true);
        }
        if let Some(choices) = leaf.get("enum").and_then(Value::as_array) {
            for choice in choices {
                check(path, choice.clone(), true);
            }
            check(path, json!("no-such-choice"), false);
        }
        if let (Some(min), Some(max)) = (leaf["minimum"].as_u64(), leaf["maximum"].as_u64()) {
            check(path, json!(min), true);
            check(path, json!(max), true);
            check(path, json!(max + 1), false);
            if min > 0 {
                check(path, json!(min - 1), false);
            }
            check(path, json!(min as f64 + 0.5), false);
        }
        // A value of the wrong type.
        let wrong = match leaf["type"].as_str() {
            Some("string") | None => json!(7),
            Some("integer") | Some("boolean") => json!("seven"),
            Some(other) => panic!("{key}: type {other}"),
        };
        if leaf["type"].is_array() {
            check(path, json!(7), false); // thirdParty: string or null
            check(path, Value::Null, true);
        } else {
            check(path, wrong, false);
        }
        if let Some(max) = leaf["maxLength"].as_u64() {
            // Cut to the limit, with a warning.
            check(path, json!("x".repeat(max as usize + 1)), false);
        }
        if let Some(pattern) = leaf["pattern"].as_str() {
            if pattern.contains("https") {
                check(path, json!("javascript:alert(1)"), false);
            }
            if pattern.starts_with("^/") {
                check(path, json!("//evil.example/"), false);
            }
        }
    }
    // Every object refuses keys the schema does not name.
    for path in &objects {
        if readme_name(path) == "messages" {
            continue;
        }
        let mut config = base.clone();
        let mut unknown = path.clone();
        unknown.push(Step::Key("noSuchKey".into()));
        set_at(&mut config, &unknown, json!(1));
        let got = names(&warnings(&config));
        if !got.contains(&dotted(&unknown)) {
            failures.push(format!("{}: an unknown key gave {got:?}", dotted(&unknown)));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(leaves.len() >= 24, "only {} keys walked", leaves.len());
}

#[test]
fn limits_on_lists_match() {
    let schema = schema();
    let base = full_example(&schema);
    for (key, max) in [
        (
            "alternates",
            schema["properties"]["alternates"]["maxItems"]
                .as_u64()
                .unwrap(),
        ),
        (
            "social",
            schema["properties"]["support"]["properties"]["social"]["maxItems"]
                .as_u64()
                .unwrap(),
        ),
    ] {
        let mut config = base.clone();
        let item = if key == "alternates" {
            json!({"name": "Mirror", "url": "https://m.example/"})
        } else {
            json!({"name": "Chan", "url": "https://c.example/"})
        };
        let list = Value::Array(vec![item; max as usize + 1]);
        if key == "alternates" {
            config["alternates"] = list.clone();
        } else {
            config["support"]["social"] = list.clone();
        }
        let got = names(&warnings(&config));
        let want = if key == "alternates" {
            "alternates"
        } else {
            "support.social"
        };
        assert_eq!(
            got,
            vec![want.to_owned()],
            "{key}: one warning for one too many"
        );
        if key == "alternates" {
            config["alternates"] = Value::Array(list.as_array().unwrap()[..max as usize].to_vec());
        } else {
            config["support"]["social"] =
                Value::Array(list.as_array().unwrap()[..max as usize].to_vec());
        }
        assert!(
            warnings(&config).is_empty(),
            "{key}: {max} entries are fine"
        );
    }
    // Required keys of list entries.
    for (path, entry, missing) in [
        (
            "alternates",
            json!({"url": "https://m.example/"}),
            "alternates[0].name",
        ),
        ("alternates", json!({"name": "M"}), "alternates[0].url"),
        (
            "statusPage",
            json!({"format": "statuspage"}),
            "statusPage.url",
        ),
    ] {
        let mut config = base.clone();
        config[path] = if path == "alternates" {
            json!([entry])
        } else {
            entry
        };
        assert!(
            names(&warnings(&config)).contains(&missing.to_owned()),
            "{missing} is required"
        );
    }
}

#[test]
fn messages_locales_and_the_source_agree_with_the_schema() {
    let schema = schema();
    // Every message id can be overridden under `messages`.
    let pattern = schema["properties"]["messages"]["propertyNames"]["pattern"]
        .as_str()
        .unwrap();
    assert_eq!(pattern, "^[a-z0-9]+(-[a-z0-9]+)*$");
    for message in Message::ALL {
        let id = message.id();
        assert!(
            id.split('-').all(|part| !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "{id} does not match the schema's message id pattern"
        );
    }
    let max = schema["properties"]["messages"]["additionalProperties"]["maxLength"]
        .as_u64()
        .unwrap();
    let long = json!({"messages": {"verdict-app-down-title": "x".repeat(max as usize + 1)}});
    assert_eq!(names(&warnings(&long)), ["messages.verdict-app-down-title"]);
    let unknown = json!({"messages": {"no-such-message": "x"}});
    assert_eq!(names(&warnings(&unknown)), ["messages.no-such-message"]);
    // Every language config.rs accepts is in the locale pattern, and nothing else.
    let locale = schema["properties"]["locale"]["pattern"].as_str().unwrap();
    let listed = locale
        .trim_start_matches("^(")
        .split(')')
        .next()
        .unwrap()
        .split('|')
        .collect::<BTreeSet<_>>();
    let tags = Locale::ALL.iter().map(|l| l.tag()).collect::<BTreeSet<_>>();
    assert_eq!(listed, tags);

    // Every key config.rs matches on (`"key" =>` arms) is a property somewhere in the schema.
    let source = read("src/logic/config.rs");
    let mut in_source = BTreeSet::new();
    for (i, _) in source.match_indices("\" =>") {
        let before = &source[..i];
        let start = before.rfind('"').unwrap() + 1;
        let preceding = before[..start - 1].trim_end();
        if preceding.ends_with("Some(") {
            continue; // `Some("full") =>`: a value, not a key
        }
        in_source.insert(before[start..].to_owned());
    }
    let mut in_schema = BTreeSet::new();
    let (mut leaves, mut objects) = (Vec::new(), Vec::new());
    walk(&schema, Vec::new(), &mut leaves, &mut objects);
    for (path, _) in leaves
        .iter()
        .map(|(p, v)| (p, v))
        .chain(objects.iter().map(|p| (p, &Value::Null)))
    {
        for step in path {
            if let Step::Key(k) = step {
                in_schema.insert(k.clone());
            }
        }
    }
    assert!(in_source.len() >= 20, "{in_source:?}");
    let missing: Vec<_> = in_source.difference(&in_schema).collect();
    assert!(
        missing.is_empty(),
        "config.rs accepts keys the schema lacks: {missing:?}"
    );
    let extra: Vec<_> = in_schema.difference(&in_source).collect();
    assert!(
        extra.is_empty(),
        "the schema names keys config.rs does not match on: {extra:?}"
    );
}

#[test]
fn the_readme_table_lists_every_key() {
    let readme = read("README.md");
    let schema = schema();
    let (mut leaves, mut objects) = (Vec::new(), Vec::new());
    walk(&schema, Vec::new(), &mut leaves, &mut objects);
    let mut missing = Vec::new();
    for (path, _) in &leaves {
        let name = readme_name(path);
        let row = ["| `", &name, "` |"].concat();
        if !readme.contains(&row) {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "README's configuration table lacks rows for {missing:?}"
    );
}
