//! An event's staff access code as the Staff Access card shows it (the station link, and that
//! link as a QR code to scan at the door) and its rotation by an admin.

use super::db::{events, DbError};
use super::AppState;
use crate::domain::access_code::AccessCode;
use crate::domain::views::StaffAccess;
use crate::domain::{EventId, WorkspaceId};

#[derive(Debug, thiserror::Error)]
pub enum StaffAccessError {
    #[error("no such event")]
    NotFound,
    #[error("the station link could not be drawn as a QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The card of an event in `workspace_id`.
pub async fn card(
    state: &AppState,
    workspace_id: &WorkspaceId,
    event_id: &EventId,
) -> Result<StaffAccess, StaffAccessError> {
    let code = events::access_code(&state.db.pool, workspace_id, event_id)
        .await?
        .ok_or(StaffAccessError::NotFound)?;
    shown(state, &code)
}

/// Gives the event a new code; the old one opens nothing from now on. Codes are unique
/// across workspaces: a collision (as at import, about 1 in 10^8 per try) draws again.
pub async fn rotate(
    state: &AppState,
    workspace_id: &WorkspaceId,
    event_id: &EventId,
) -> Result<StaffAccess, StaffAccessError> {
    let pool = &state.db.pool;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let code = AccessCode::from_random_bytes(rand::random());
        match events::set_access_code(pool, workspace_id, event_id, &code).await {
            Ok(true) => {
                tracing::info!(event = %event_id, "staff access code rotated");
                return shown(state, &code);
            }
            Ok(false) => return Err(StaffAccessError::NotFound),
            Err(DbError::AlreadyExists(_)) if attempts < 5 => continue,
            Err(error) => return Err(error.into()),
        }
    }
}

fn shown(state: &AppState, code: &AccessCode) -> Result<StaffAccess, StaffAccessError> {
    let link = station_link(&state.config.public_url(), code);
    let qr_svg = qr_svg(&link)?;
    Ok(StaffAccess {
        code: code.to_string(),
        link,
        qr_svg,
    })
}

/// The link a station opens directly: `/staff/<code>` on this server's public address.
pub fn station_link(public_url: &str, code: &AccessCode) -> String {
    format!(
        "{}/staff/{}",
        public_url.trim_end_matches('/'),
        code.as_str()
    )
}

/// `text` as a QR code, an SVG element for the page (without the XML declaration, which has
/// no place inside HTML). Medium error correction: a phone reads it off a screen at a slant.
pub fn qr_svg(text: &str) -> Result<String, qrcode::types::QrError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(176, 176)
        .dark_color(svg::Color("#0f172a"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Ok(image
        .find("<svg")
        .map(|at| image[at..].to_string())
        .unwrap_or(image))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_station_link_is_the_code_under_staff_on_the_public_address() {
        let code = AccessCode::parse("ab2cd3").unwrap();
        assert_eq!(
            station_link("https://desk.example/", &code),
            "https://desk.example/staff/AB2CD3"
        );
    }

    #[test]
    fn the_qr_code_is_an_svg_element_of_dark_modules() {
        let svg = qr_svg("https://desk.example/staff/AB2CD3").unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("#0f172a"), "dark modules drawn");
        // Longer text, more modules: the drawing depends on what it encodes.
        assert_ne!(svg, qr_svg("https://desk.example/staff/AB2CD4").unwrap());
    }
}
