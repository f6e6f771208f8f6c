//! gateway-doctor: a self-healing 502/503/504 page.
//!
//! [`logic`] is the pure, native-testable core (config, retry schedule, the recovery state machine,
//! messages, view). `web` is the thin browser shell compiled only for `wasm32`: it gathers
//! evidence, runs the one timer, renders, and carries out the effects the core decides.
//! ARCHITECTURE.md has the map.

// The error page's wasm has no `std` (no `api`: gloo-net needs it): std's panic machinery formats
// every panic message and location through core::fmt (Formatter::pad, u32 Display, fmt::write),
// which is dead weight here, as a panic aborts anyway. Without std, the crate's own panic handler
// (src/web/mod.rs) traps at once, exactly what `panic = "abort"` did, and core::fmt goes with it.
#![cfg_attr(all(target_arch = "wasm32", not(feature = "api"), not(test)), no_std)]

extern crate alloc;

pub mod logic;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub use web::mount;

/// What the std prelude would bring, for the `no_std` build (see the top of this file); every
/// module that allocates imports it. In std builds these are the same items.
#[allow(unused_imports)]
mod prelude {
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec::Vec;
    pub(crate) use alloc::{format, vec};
}
