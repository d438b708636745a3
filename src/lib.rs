//! Lanyard: an event check-in dashboard that keeps Eventbrite and Luma attendees in sync.
//!
//! `app` holds the pages and components (rendered on the server, hydrated in the browser),
//! `api` the server functions they call, `domain` the pure types and rules shared by both
//! sides, and `server` everything that only runs on the server (storage, auth, providers,
//! the sync engine).

pub mod api;
pub mod app;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod simulator;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
