use crate::domain::{IntegrationStatus, Role, SyncStatus};
use leptos::prelude::*;

const PILL: &str = "inline-flex items-center gap-1.5 rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset";

/// The color-coded sync status on event cards and headers.
#[component]
pub fn SyncStatusBadge(status: SyncStatus) -> impl IntoView {
    let (label, colors, dot) = match status {
        SyncStatus::Pending => (
            "Pending",
            "bg-amber-50 text-amber-800 ring-amber-600/20",
            "bg-amber-500",
        ),
        // The reference's words: an ACTIVE event's card "shows a green Syncing indicator".
        SyncStatus::Active => (
            "Syncing",
            "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
            "bg-emerald-500",
        ),
        SyncStatus::Failed => (
            "Failed",
            "bg-red-50 text-red-700 ring-red-600/20",
            "bg-red-500",
        ),
        SyncStatus::Disconnected => (
            "Disconnected",
            "bg-rose-50 text-rose-700 ring-rose-600/30",
            "bg-rose-600",
        ),
    };
    view! {
        <span class=format!("{PILL} {colors}") data-status=status.as_str()>
            <span class=format!("h-1.5 w-1.5 rounded-full {dot}")></span>
            {label}
        </span>
    }
}

#[component]
pub fn IntegrationStatusBadge(status: IntegrationStatus) -> impl IntoView {
    let (label, colors) = match status {
        IntegrationStatus::Connected => (
            "Connected",
            "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
        ),
        IntegrationStatus::Disconnected => {
            ("Disconnected", "bg-red-50 text-red-700 ring-red-600/20")
        }
    };
    view! { <span class=format!("{PILL} {colors}") data-status=status.as_str()>{label}</span> }
}

#[component]
pub fn RoleBadge(role: Role) -> impl IntoView {
    view! {
        <span class=format!("{PILL} bg-indigo-50 text-indigo-700 ring-indigo-600/20") data-role=role.as_str()>
            {role.label()}
        </span>
    }
}
