use super::ApiError;
pub use crate::domain::views::IntegrationSummary;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_integrations")]
pub async fn list_integrations() -> Result<Vec<IntegrationSummary>, ApiError> {
    use crate::domain::Permission;
    use crate::server::db;
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::ViewIntegrations).await?;
    Ok(db::integrations::list(&state.db.pool, &member.workspace_id).await?)
}

#[cfg(feature = "ssr")]
fn integration_error(error: crate::server::integrations::IntegrationError) -> ApiError {
    use crate::server::integrations::IntegrationError as E;
    match error {
        E::Rejected => ApiError::invalid(
            "The provider rejected this key. Check that you copied the whole key.",
        ),
        E::Unreachable(provider, cause) => {
            tracing::warn!(%cause, "provider unreachable");
            ApiError::invalid(format!(
                "Could not reach {provider}. Try again in a moment."
            ))
        }
        E::NotFound => ApiError::not_found(),
        E::OtherAccount => ApiError::invalid(
            "This key belongs to another account than the one this integration was connected with. Use Connect instead.",
        ),
        E::Db(crate::server::db::DbError::AlreadyExists(_)) => {
            ApiError::invalid("This account is already connected in this workspace.")
        }
        other => {
            tracing::error!(error = %other, "integration operation failed");
            ApiError::internal()
        }
    }
}

/// Connect Luma, or with `integration_id` reconnect that integration in place: the key is
/// checked with `get-self` before it is saved.
#[server(prefix = "/api", endpoint = "connect_luma")]
pub async fn connect_luma(
    api_key: String,
    #[server(default)] integration_id: Option<String>,
) -> Result<IntegrationSummary, ApiError> {
    use crate::domain::Permission;
    use crate::server::{integrations, providers::Credential};
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::ManageIntegrations).await?;
    let key = api_key.trim();
    if key.is_empty() {
        return Err(ApiError::invalid("Paste your Luma API key."));
    }
    let credential = Credential::LumaApiKey(key.to_string().into());
    match integration_id.filter(|id| !id.is_empty()) {
        Some(id) => {
            let id = super::guard::parse_id(&id, crate::domain::IntegrationId::parse)?;
            integrations::reconnect(&state, &member, &id, credential).await
        }
        None => integrations::connect(&state, &member, credential).await,
    }
    .map_err(integration_error)
}

/// Asks the provider whether the stored credential still works.
#[server(prefix = "/api", endpoint = "check_integration")]
pub async fn check_integration(integration_id: String) -> Result<IntegrationSummary, ApiError> {
    use crate::domain::Permission;
    use crate::server::integrations;
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::ManageIntegrations).await?;
    integrations::check(
        &state,
        &member,
        &super::guard::parse_id(&integration_id, crate::domain::IntegrationId::parse)?,
    )
    .await
    .map_err(integration_error)
}

#[server(prefix = "/api", endpoint = "remove_integration")]
pub async fn remove_integration(integration_id: String) -> Result<(), ApiError> {
    use crate::domain::Permission;
    use crate::server::integrations;
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::ManageIntegrations).await?;
    if integrations::remove(
        &state,
        &member,
        &super::guard::parse_id(&integration_id, crate::domain::IntegrationId::parse)?,
    )
    .await?
    {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}
