//! Undoing a mount: what the npm package's `unmount()` needs (feature `api`).
//!
//! A widget in a single-page app must be able to go away with its view: its timer, probes,
//! listeners, channel and lock would otherwise keep running — and reload the whole app when the
//! site recovers. Each part of the widget registers here how to undo what it started; `stop`
//! sets the flag every late callback checks (a probe answer, a lock grant, a round landing), then
//! runs the undo steps.
//!
//! The error page never unmounts: the page itself goes away. In its build (no `api`) `Teardown`
//! is empty, `is_stopped` is a constant `false` the optimizer folds away, and `on_stop` drops its
//! closure unbuilt, so none of this reaches the visitors of a failing site. Closures given to
//! `on_stop` therefore capture only what the caller already owns: a clone made for them would
//! still cost the error page an import call.

use wasm_bindgen::prelude::*;
use web_sys::EventTarget;

#[cfg(feature = "api")]
use alloc::rc::Rc;
#[cfg(feature = "api")]
use core::cell::{Cell, RefCell};

/// Shared by the parts of one widget; a clone is the same teardown.
#[cfg(feature = "api")]
#[derive(Clone, Default)]
pub struct Teardown(Rc<Steps>);

#[cfg(feature = "api")]
#[derive(Default)]
struct Steps {
    stopped: Cell<bool>,
    undo: RefCell<Vec<Box<dyn FnOnce()>>>,
}

/// Nothing to undo on the error page: a zero-sized value whose clones cost nothing.
#[cfg(not(feature = "api"))]
#[derive(Clone, Default)]
pub struct Teardown;

impl Teardown {
    /// Nothing registered yet, not stopped.
    pub fn new() -> Teardown {
        #[cfg(feature = "api")]
        return Teardown::default();
        #[cfg(not(feature = "api"))]
        Teardown
    }

    /// Whether `unmount` ran: every callback that outlives a call returns early once it did.
    #[inline]
    pub fn is_stopped(&self) -> bool {
        #[cfg(feature = "api")]
        return self.0.stopped.get();
        #[cfg(not(feature = "api"))]
        false
    }

    /// Runs `f` at `unmount`, after the stopped flag is set, in the order registered.
    #[inline]
    pub fn on_stop(&self, f: impl FnOnce() + 'static) {
        #[cfg(feature = "api")]
        self.0.undo.borrow_mut().push(Box::new(f));
        #[cfg(not(feature = "api"))]
        drop(f);
    }

    /// `addEventListener`, undone at `unmount`. On the error page exactly `addEventListener`.
    #[cfg_attr(not(feature = "api"), inline(always))]
    pub fn listen(
        &self,
        target: &EventTarget,
        name: &'static str,
        listener: &JsValue,
    ) -> Result<(), JsValue> {
        use wasm_bindgen::JsCast;
        target.add_event_listener_with_callback(name, listener.unchecked_ref())?;
        #[cfg(feature = "api")]
        {
            let (target, listener) = (target.clone(), listener.clone());
            self.on_stop(move || {
                let _ = target.remove_event_listener_with_callback(name, listener.unchecked_ref());
            });
        }
        Ok(())
    }

    /// Sets the stopped flag and runs the undo steps, once; later calls do nothing.
    #[cfg(feature = "api")]
    pub fn stop(&self) {
        if self.0.stopped.replace(true) {
            return;
        }
        // Taken out first: an undo step must not find the list borrowed.
        let undo = self.0.undo.take();
        for f in undo {
            f();
        }
    }
}
