//! The site's static files as browsers should keep them. cargo-leptos names each build's
//! JS, wasm and CSS by their content hash (`hash-files`) and, in release builds, writes a
//! brotli and a gzip copy beside each (`--precompress`), which leptos_axum's file handler
//! serves to browsers that accept them. This file adds the caching: a hashed name never
//! changes content, so it is kept for a year; anything else is checked every time.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{CACHE_CONTROL, VARY};
use http::HeaderValue;
use leptos::config::LeptosOptions;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The stylesheet's address for pages built outside Leptos (the plain error pages).
static STYLESHEET: OnceLock<String> = OnceLock::new();

/// The hash file cargo-leptos writes beside the server binary.
pub fn hash_file(options: &LeptosOptions) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.to_path_buf()))
        .unwrap_or_default()
        .join(options.hash_file.as_ref())
}

/// Turns hashed names on when the build made them (a hash file beside the binary), so a
/// server started by hand or by a test serves what cargo-leptos built without being told;
/// `LEPTOS_HASH_FILES` set either way still decides.
pub fn detect_hashed_build(options: &mut LeptosOptions) {
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() && hash_file(options).exists() {
        options.hash_files = true;
    }
    let _ = STYLESHEET.set(stylesheet_href(options));
}

/// `/pkg/<output>[.<hash>].css`, read as leptos_meta's `HashedStylesheet` reads it.
fn stylesheet_href(options: &LeptosOptions) -> String {
    let mut name = options.output_name.to_string();
    if options.hash_files {
        let hashes = std::fs::read_to_string(hash_file(options)).unwrap_or_default();
        if let Some(hash) = hashes
            .lines()
            .filter_map(|l| l.trim().split_once(':'))
            .find_map(|(kind, hash)| (kind == "css").then(|| hash.trim().to_string()))
        {
            name.push('.');
            name.push_str(&hash);
        }
    }
    format!("/{}/{name}.css", options.site_pkg_dir)
}

pub fn stylesheet() -> &'static str {
    STYLESHEET
        .get()
        .map(String::as_str)
        .unwrap_or("/pkg/lanyard.css")
}

/// Cache-Control for the site's packaged files: a year and immutable when their names are
/// content hashes, otherwise revalidated on every use (a debug build's fixed names).
pub async fn cache_headers(
    State(options): State<LeptosOptions>,
    request: Request,
    next: Next,
) -> Response {
    // Every request passes here: test the prefix without building it.
    let packaged = request
        .uri()
        .path()
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(options.site_pkg_dir.as_ref()))
        .is_some_and(|rest| rest.starts_with('/'));
    let mut response = next.run(request).await;
    if packaged && response.status().is_success() {
        let policy = if options.hash_files {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
        // One address, a brotli, gzip or plain body: caches must keep them apart.
        headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_is_the_plain_name_without_a_hashed_build() {
        let options = LeptosOptions::builder().output_name("lanyard").build();
        assert_eq!(stylesheet_href(&options), "/pkg/lanyard.css");
    }
}
