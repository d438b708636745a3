//! The direction of dependencies, checked on the source so it cannot quietly come back:
//! `app` → `api` → `server` → `domain`, and the simulator knows only `domain`.

use std::path::{Path, PathBuf};

fn sources(folder: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(folder),
        &mut out,
    );
    assert!(!out.is_empty(), "no sources under src/{folder}");
    out
}

/// Lines of `folder` that name one of `forbidden` (`crate::api`, `super::super::app`, ...).
fn offending(folder: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for path in sources(folder) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in naming(&text, forbidden) {
            found.push(format!("{}:{n}: {line}", path.display()));
        }
    }
    found
}

/// The code lines (not comments) of `text` that use `crate::<one of forbidden>`.
fn naming<'a>(text: &'a str, forbidden: &[&str]) -> Vec<(usize, &'a str)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or("");
            forbidden.iter().any(|f| {
                code.match_indices(&format!("crate::{f}")).any(|(at, m)| {
                    !code[at + m.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            })
        })
        .map(|(n, line)| (n + 1, line.trim()))
        .collect()
}

#[test]
fn server_code_never_reaches_up_into_server_functions_or_pages() {
    let found = offending("server", &["api", "app", "simulator", "demo"]);
    assert!(
        found.is_empty(),
        "src/server must not use api, app, simulator or demo:\n{}",
        found.join("\n")
    );
}

#[test]
fn domain_code_depends_on_nothing_of_ours() {
    let found = offending("domain", &["api", "app", "server", "simulator", "demo"]);
    assert!(
        found.is_empty(),
        "src/domain must stand alone:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_simulator_knows_only_the_domain() {
    let found = offending("simulator", &["api", "app", "server", "demo"]);
    assert!(
        found.is_empty(),
        "src/simulator may use only domain:\n{}",
        found.join("\n")
    );
}

#[test]
fn server_functions_never_reach_into_pages() {
    let found = offending("api", &["app"]);
    assert!(
        found.is_empty(),
        "src/api must not use app:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_catches_an_upward_use_and_ignores_comments_and_longer_names() {
    let text = "use crate::api::ApiError;\n// crate::api in a comment\nuse crate::apis::X;\n    crate::api::guard::require(p)";
    assert_eq!(
        naming(text, &["api"]),
        [
            (1, "use crate::api::ApiError;"),
            (4, "crate::api::guard::require(p)")
        ]
    );
}
