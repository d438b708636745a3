//! Lanyard: an event check-in dashboard that keeps Eventbrite and Luma attendees in sync.
//!
//! Dependencies point one way: `app` (pages and components, rendered on the server and
//! hydrated in the browser) → `api` (the server functions they call) → `server` (storage,
//! auth, provider clients, the sync engine, axum routes) → `domain` (pure types and rules,
//! compiled for both sides). The `simulator` (a stand-in for the providers) knows only
//! `domain`. `startup` and `demo` wire everything together where the binary starts.
//! `tests/api/architecture.rs` checks the direction.
// The event page's view type, one nested generic per element, is deeper than the default
// limit of 128 lets the compiler lay out.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
#[cfg(feature = "ssr")]
pub mod demo;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod simulator;
#[cfg(feature = "ssr")]
pub mod startup;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A lazy route's chunk must arrive before its page can hydrate, so hydration is async.
    // The body's mark says when it is done: tests (and curious humans) wait on it.
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a page has a body");
        let app = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        let _ = body.set_attribute("data-hydrated", "true");
        app.forget();
    });
}
