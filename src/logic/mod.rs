//! The pure core: no browser, no clock, no I/O. Everything here runs and is tested natively.
//!
//! Data flows one way: raw JSON → [`config`] → [`machine`] (events in, effects out, time passed
//! in) → [`view`] (plain data the shell renders).

pub mod backoff;
pub mod config;
pub mod election;
pub mod json;
pub mod machine;
pub mod messages;
pub mod request;
pub mod retry_after;
pub mod rng;
pub mod text;
pub mod view;
