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
    // Lazy routes load their wasm chunk before they can hydrate, so hydration is async.
    leptos::mount::hydrate_lazy(app::App);
}
