//! The pure core: no browser, no clock, no I/O. Everything here runs and is tested natively.
//!
//! Data flows one way: raw JSON → [`config`] → [`machine`] (events in, effects out, time passed
//! in) → [`view`] (plain data the shell renders).
//!
//! Diagnosis: measurements → [`evidence`] → [`verdict::diagnose`] → [`steps::steps`] and
//! [`report::diagnostic_report`], with [`status_page`] reading the site's status JSON and
//! [`environment`] the visitor's OS and browser.

pub mod backoff;
pub mod brand;
pub mod catalog;
pub mod config;
pub mod election;
pub mod environment;
pub mod evidence;
pub mod json;
pub mod machine;
pub mod messages;
pub mod report;
pub mod request;
pub mod retry_after;
pub mod rng;
pub mod site_status;
pub mod status_page;
pub mod steps;
pub mod text;
pub mod url;
pub mod verdict;
pub mod view;
