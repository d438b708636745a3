//! Badge templates as admins edit them, and one attendee's badge for the event page.

use super::db::{self, DbError};
use super::stations::{self, StationError};
use super::AppState;
use crate::domain::badge::{Badge, BadgeSettings, BadgeTemplate, BadgeTemplateError};
use crate::domain::{EventId, WorkspaceId};

#[derive(Debug, thiserror::Error)]
pub enum BadgeError {
    #[error("no such template or attendee")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] BadgeTemplateError),
    #[error(transparent)]
    Station(#[from] StationError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The templates, the built-in Default badge standing in until the workspace saves its own.
pub async fn settings(
    state: &AppState,
    workspace_id: &WorkspaceId,
) -> Result<BadgeSettings, BadgeError> {
    let pool = &state.db.pool;
    let mut templates = db::badges::list(pool, workspace_id).await?;
    if !templates.iter().any(|t| t.is_default) {
        templates.insert(0, BadgeTemplate::default_badge());
    }
    let sample = match db::attendees::sample_of_workspace(pool, workspace_id).await? {
        Some(attendee) => Some(stations::badge_for(state, workspace_id, &attendee).await?),
        None => None,
    };
    Ok(BadgeSettings { templates, sample })
}

pub async fn save(
    state: &AppState,
    workspace_id: &WorkspaceId,
    template: BadgeTemplate,
) -> Result<BadgeTemplate, BadgeError> {
    let mut template = template.validated()?;
    let id = db::badges::save(&state.db, workspace_id, &template)
        .await?
        .ok_or(BadgeError::NotFound)?;
    template.id = id;
    tracing::info!(template = %template.id, "badge template saved");
    Ok(template)
}

pub async fn delete(
    state: &AppState,
    workspace_id: &WorkspaceId,
    id: &str,
) -> Result<(), BadgeError> {
    if db::badges::delete(&state.db, workspace_id, id).await? {
        Ok(())
    } else {
        Err(BadgeError::NotFound)
    }
}

/// The badge of an attendee of an event in `workspace_id` (checked by the caller).
pub async fn for_attendee(
    state: &AppState,
    workspace_id: &WorkspaceId,
    event_id: &EventId,
    attendee_id: &str,
) -> Result<Badge, BadgeError> {
    let pool = &state.db.pool;
    let timezone = db::events::timezone(pool, event_id)
        .await?
        .ok_or(BadgeError::NotFound)?;
    let attendee = db::attendees::get(pool, event_id, attendee_id, &timezone)
        .await?
        .ok_or(BadgeError::NotFound)?;
    Ok(stations::badge_for(state, workspace_id, &attendee).await?)
}
