//! User-agent strings of real browsers → OS and browser (`tests/cases/environment/`).

mod diagnosis_support;

use diagnosis_support::{cases, load_dir, name};
use gateway_doctor::logic::environment::{Browser, Environment, Os};
use serde_json::Value;

/// Detects the environment of `input` and compares it with the expected `os` and `browser`.
fn check(input: &Value, expected: (Os, Browser)) -> Result<(), String> {
    let got = Environment::detect(
        input["ua"].as_str().expect("ua"),
        input.get("platform").and_then(Value::as_str).unwrap_or(""),
        input.get("touch").and_then(Value::as_u64).unwrap_or(0) as u32,
    );
    if (got.os, got.browser) == expected {
        Ok(())
    } else {
        Err(format!(
            "{}: got {} / {}, want {} / {}",
            name(input),
            got.os.as_str(),
            got.browser.as_str(),
            expected.0.as_str(),
            expected.1.as_str()
        ))
    }
}

#[test]
fn user_agent_table() {
    let mut failures = Vec::new();
    let mut count = 0;
    let (mut oses, mut browsers) = (Vec::new(), Vec::new());
    for (_, file) in load_dir("environment") {
        for case in cases(&file) {
            count += 1;
            let os = Os::from_name(case["os"].as_str().unwrap()).expect("known os");
            let browser =
                Browser::from_name(case["browser"].as_str().unwrap()).expect("known browser");
            oses.push(os);
            browsers.push(browser);
            if let Err(e) = check(case, (os, browser)) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(count >= 30, "{count}");
    for os in Os::ALL {
        assert!(oses.contains(&os), "no case for {}", os.as_str());
    }
    for browser in Browser::ALL {
        assert!(
            browsers.contains(&browser),
            "no case for {}",
            browser.as_str()
        );
    }
}
