//! gateway-doctor: a self-healing 502/503/504 page.
//!
//! [`logic`] is the pure, native-testable core (config, retry schedule, the recovery state machine,
//! messages, view). `web` is the thin browser shell compiled only for `wasm32`: it gathers
//! evidence, runs the one timer, renders, and carries out the effects the core decides.
//! ARCHITECTURE.md has the map.

pub mod logic;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub use web::mount;
