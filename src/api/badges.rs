//! Badge templates (admins, in Settings) and printing an attendee's badge from the event page.

use super::ApiError;
pub use crate::domain::badge::{Badge, BadgeSettings, BadgeTemplate};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "load_badge_settings")]
pub async fn load_badge_settings() -> Result<BadgeSettings, ApiError> {
    use crate::domain::Permission;
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::ManageBadges).await?;
    crate::server::badges::settings(&state, &member.workspace_id)
        .await
        .map_err(badge_error)
}

/// Saves a template (new when its id is empty); the saved template.
#[server(prefix = "/api", endpoint = "save_badge_template", input = leptos::server_fn::codec::Json)]
pub async fn save_badge_template(template: BadgeTemplate) -> Result<BadgeTemplate, ApiError> {
    use crate::domain::Permission;
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::ManageBadges).await?;
    crate::server::badges::save(&state, &member.workspace_id, template)
        .await
        .map_err(badge_error)
}

#[server(prefix = "/api", endpoint = "delete_badge_template")]
pub async fn delete_badge_template(id: String) -> Result<(), ApiError> {
    use crate::domain::Permission;
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::ManageBadges).await?;
    crate::server::badges::delete(&state, &member.workspace_id, &id)
        .await
        .map_err(badge_error)
}

/// The attendee's badge, to print or reprint from the event page.
#[server(prefix = "/api", endpoint = "attendee_badge")]
pub async fn attendee_badge(event_id: String, attendee_id: String) -> Result<Badge, ApiError> {
    use crate::domain::Permission;
    let (state, member, event_id) =
        super::guard::require_event(Permission::CheckInAttendees, &event_id).await?;
    crate::server::badges::for_attendee(&state, &member.workspace_id, &event_id, &attendee_id)
        .await
        .map_err(badge_error)
}

#[cfg(feature = "ssr")]
fn badge_error(error: crate::server::badges::BadgeError) -> ApiError {
    use crate::server::badges::BadgeError as E;
    match error {
        E::NotFound => ApiError::not_found(),
        E::Invalid(why) => ApiError::invalid(why.to_string()),
        E::Db(e) => e.into(),
        E::Station(e) => {
            tracing::error!(error = %e, "badge not built");
            ApiError::internal()
        }
    }
}
