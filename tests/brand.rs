//! The brand settings: colours are read strictly and refused when text in them would be hard to
//! read on the page; logos come only from places an image may come from.

use gateway_doctor::logic::brand::{
    contrast, css_properties, is_logo_source, text_on, worst_contrast, Brand, Rgb,
    DARK_BACKGROUNDS, LIGHT_BACKGROUNDS,
};
use gateway_doctor::logic::config::{config_from_json, Problem};
use gateway_doctor::logic::json::Json;

fn config(json: &str) -> (gateway_doctor::logic::config::Config, Vec<Problem>) {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    let raw: Json = serde_json::from_value(value).unwrap();
    let (config, warnings) = config_from_json(&raw);
    (config, warnings.into_iter().map(|w| w.problem).collect())
}

#[test]
fn colours_are_read_strictly() {
    assert_eq!(Rgb::parse("#0a58CA"), Some(Rgb(0x0a58ca)));
    assert_eq!(Rgb::parse(" #f0a "), Some(Rgb(0xff00aa)));
    for bad in [
        "",
        "#",
        "0a58ca",
        "#0a58c",
        "#0a58cag",
        "#ggg",
        "red",
        "rgb(0,0,0)",
        "#0a58ca00",
    ] {
        assert_eq!(Rgb::parse(bad), None, "{bad:?}");
    }
    assert_eq!(Rgb(0x0a58ca).hex(), "#0a58ca");
    assert_eq!(Rgb(0x000001).hex(), "#000001");
}

#[test]
fn contrast_follows_wcag() {
    let ratio = |a, b| (contrast(Rgb(a), Rgb(b)) * 100.0).round() / 100.0;
    assert_eq!(ratio(0x000000, 0xffffff), 21.0);
    assert_eq!(ratio(0xffffff, 0xffffff), 1.0);
    // #767676 is the lightest grey that passes AA on white; #777777 is just below.
    assert_eq!(ratio(0x767676, 0xffffff), 4.54);
    assert_eq!(ratio(0x777777, 0xffffff), 4.48);
    // The page's own accents pass against its own backgrounds.
    assert!(worst_contrast(Rgb(0x0a58ca), &LIGHT_BACKGROUNDS) >= 4.5);
    assert!(worst_contrast(Rgb(0x86b4fa), &DARK_BACKGROUNDS) >= 4.5);
    // Button labels: white on dark accents, near-black on light ones.
    assert_eq!(text_on(Rgb(0x0a58ca)), Rgb(0xffffff));
    assert_eq!(text_on(Rgb(0xffff00)), Rgb(0x111111));
}

#[test]
fn the_config_takes_readable_colours_and_image_sources_only() {
    let (ok, warnings) = config(
        r##"{"brand": {"logo": "/_gateway-doctor/logo.svg", "accent": "#0a7f5a", "accentDark": "#ffd166"}}"##,
    );
    assert_eq!(warnings, vec![]);
    assert_eq!(
        ok.brand,
        Brand {
            logo: Some("/_gateway-doctor/logo.svg".to_owned()),
            accent: Some(Rgb(0x0a7f5a)),
            accent_dark: Some(Rgb(0xffd166)),
        }
    );
    assert_eq!(
        css_properties(&ok.brand),
        vec![
            ("--gd-brand-accent", "#0a7f5a".to_owned()),
            ("--gd-brand-accent-fg", "#ffffff".to_owned()),
            ("--gd-brand-accent-dark", "#ffd166".to_owned()),
            ("--gd-brand-accent-dark-fg", "#111111".to_owned()),
        ]
    );
    assert_eq!(css_properties(&Brand::default()), vec![]);

    // Yellow on the light page, navy on the dark one: unreadable, refused with a warning each.
    let (faint, warnings) =
        config(r##"{"brand": {"accent": "#ffff00", "accentDark": "#0b1930"}}"##);
    assert_eq!(faint.brand, Brand::default());
    assert_eq!(warnings, vec![Problem::LowContrast, Problem::LowContrast]);

    let (bad, warnings) = config(r##"{"brand": {"accent": "blue", "colour": "#000", "logo": 7}}"##);
    assert_eq!(bad.brand, Brand::default());
    assert_eq!(warnings.len(), 3);
    assert_eq!(warnings[0], Problem::NotAColour);
    assert_eq!(warnings[1], Problem::UnknownKey);
}

#[test]
fn logos_come_only_from_image_sources() {
    for ok in [
        "/_gateway-doctor/logo.svg",
        "https://cdn.example.com/logo.png",
        "data:image/svg+xml;base64,PHN2Zy8+",
        "DATA:image/png;base64,iVBORw0KGgo=",
    ] {
        assert!(is_logo_source(ok), "{ok:?}");
    }
    for bad in [
        "javascript:alert(1)",
        "//evil.example/logo.png",
        "http://cdn.example.com/logo.png",
        "data:text/html;base64,PHNjcmlwdD4=",
        "data:image/svg+xml,<svg onload=alert(1)>",
        "data:image/png;base64,",
        "data:image/png;base64,abc\"onerror=x",
        "logo.png",
    ] {
        assert!(!is_logo_source(bad), "{bad:?}");
    }
    let long = ["data:image/png;base64,", &"A".repeat(5_000)].concat();
    let (config, warnings) = config(&["{\"brand\": {\"logo\": \"", &long, "\"}}"].concat());
    assert_eq!(config.brand.logo, None);
    assert_eq!(warnings, vec![Problem::TooLongToInline { max: 4000 }]);
}

#[test]
fn luminance_matches_the_wcag_formula_on_every_channel_value() {
    // Grey levels exercise the linearisation on every 8-bit value; compare with powf.
    for v in 0..=255u32 {
        let c = f64::from(v) / 255.0;
        let linear = if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        };
        let want = (1.0 + 0.05) / (linear + 0.05);
        let got = contrast(Rgb(0xffffff), Rgb(v * 0x010101));
        assert!((got - want).abs() < 1e-9, "{v}: {got} vs {want}");
    }
}
