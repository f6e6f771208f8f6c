//! Promise callbacks instead of an async executor.
//!
//! The shell waits on a handful of promises (fetch, a body, the clipboard, a zero-delay timer).
//! `async` code would need wasm-bindgen-futures' executor and one state machine per `async fn`,
//! about 15 KB of the error page's wasm; one `then` with a boxed callback costs a few hundred bytes.
//! The callbacks are boxed so that each one does not instantiate these helpers again.

use super::dom;
use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::RefCell;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What a promise settled with: `Ok(value)` or `Err(reason)`.
pub type Settled = Box<dyn FnOnce(Result<JsValue, JsValue>)>;

#[wasm_bindgen]
extern "C" {
    /// A promise seen through its `then(onFulfilled, onRejected)` with plain JS functions:
    /// js-sys's `then2` borrows `Closure`s that would have to be kept alive by hand.
    type Thenable;
    #[wasm_bindgen(method)]
    fn then(this: &Thenable, on_fulfilled: &JsValue, on_rejected: &JsValue);
}

/// A promise's two callbacks and what to do when one of them runs.
struct Waiting {
    done: Option<Settled>,
    callbacks: Option<(Callback, Callback)>,
}

type Callback = Closure<dyn FnMut(JsValue)>;

/// Calls `done` once, when `promise` settles. Both callbacks are released as soon as one runs, so
/// nothing accumulates over a long outage (a callback that is never called would otherwise live
/// as long as the page).
pub fn when_settled(promise: &Promise, done: Settled) {
    let waiting = Rc::new(RefCell::new(Waiting {
        done: Some(done),
        callbacks: None,
    }));
    let callbacks = (callback(&waiting, true), callback(&waiting, false));
    let thenable: &Thenable = promise.unchecked_ref();
    thenable.then(callbacks.0.as_ref(), callbacks.1.as_ref());
    waiting.borrow_mut().callbacks = Some(callbacks);
}

fn callback(waiting: &Rc<RefCell<Waiting>>, fulfilled: bool) -> Callback {
    let waiting = waiting.clone();
    Closure::new(move |value: JsValue| {
        let (done, callbacks) = {
            let mut w = waiting.borrow_mut();
            (w.done.take(), w.callbacks.take())
        };
        // Dropping the running callback is safe: wasm-bindgen frees it when the call returns.
        drop(callbacks);
        if let Some(done) = done {
            done(if fulfilled { Ok(value) } else { Err(value) });
        }
    })
}

/// Runs `f` after the tasks already queued (a zero-delay timer): events the browser reports as
/// tasks, such as Content-Security-Policy violations, arrive first.
pub fn after_queued_tasks(f: Box<dyn FnOnce()>) {
    let Some(window) = dom::window() else {
        return f();
    };
    let callback = Closure::once_into_js(f);
    let _ =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), 0);
}
