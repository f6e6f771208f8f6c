//! The operator's brand on the page (see `logic::brand`, which checked it): the accent colours as
//! custom properties on `<html>`, through the CSSOM (a strict CSP refuses `style` attributes, not
//! this), and on our own error page the logo at the top of its header.

use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlElement};

use crate::logic::brand::{css_properties, Brand};

/// `site_name` is the logo's text alternative: the logo names the site.
pub fn apply(document: &Document, brand: &Brand, site_name: &str) {
    let Some(html) = document.document_element() else {
        return;
    };
    if let Some(html) = html.dyn_ref::<HtmlElement>() {
        let style = html.style();
        for (name, value) in css_properties(brand) {
            let _ = style.set_property(name, &value);
        }
    }
    let Some(src) = &brand.logo else {
        return;
    };
    // Only our own error page is ours to add to; the npm package's host page keeps its header.
    if html.get_attribute("data-gateway-doctor").as_deref() != Some("error-page") {
        return;
    }
    let (Ok(Some(head)), Ok(logo)) = (
        document.query_selector(".gd-head"),
        document.create_element("img"),
    ) else {
        return;
    };
    for (name, value) in [
        ("class", "gd-logo"),
        ("data-gd", "logo"),
        ("alt", site_name),
        ("src", src.as_str()),
        ("decoding", "async"),
        ("referrerpolicy", "no-referrer"),
    ] {
        let _ = logo.set_attribute(name, value);
    }
    let _ = head.insert_before(&logo, head.first_child().as_ref());
}
