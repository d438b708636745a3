//! The signed-in frame: brand, workspace, navigation, the member's role and sign-out.

use crate::api::auth::{current_session, SessionInfo, SignOut};
use crate::api::ApiError;
use crate::domain::Permission;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;

/// The signed-in member, shared with every page below the layout.
pub type SessionResource = Resource<Result<Option<SessionInfo>, ApiError>>;

pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}

#[component]
pub fn AppLayout() -> impl IntoView {
    let session: SessionResource = Resource::new(|| (), |_| current_session());
    provide_context(session);
    view! {
        <div class="min-h-full">
            <header class="border-b border-slate-200 bg-white">
                <div class="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
                    <A href="/events" attr:class="flex items-center gap-2 font-semibold tracking-tight text-slate-900">
                        <span class="flex h-8 w-8 items-center justify-center rounded-lg bg-indigo-600 text-sm font-bold text-white">"L"</span>
                        <span>"Lanyard"</span>
                    </A>
                    <Transition fallback=|| view! { <div class="h-6 w-40 animate-pulse rounded bg-slate-100"></div> }>
                        {move || Suspend::new(async move {
                            match session.await {
                                Ok(Some(info)) => view! { <SignedInBar info/> }.into_any(),
                                Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                                Err(error) => view! { <span class="text-sm text-red-700">{error.to_string()}</span> }.into_any(),
                            }
                        })}
                    </Transition>
                </div>
            </header>
            <main class="mx-auto max-w-7xl px-4 py-6 sm:px-6 sm:py-8">
                <Outlet/>
            </main>
        </div>
    }
}

#[component]
fn SignedInBar(info: SessionInfo) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let can_see_integrations = info.role.can(Permission::ViewIntegrations);
    let can_manage_members = info.role.can(Permission::ManageMembers);
    let can_manage_badges = info.role.can(Permission::ManageBadges);
    view! {
        <span class="hidden h-6 w-px bg-slate-200 sm:block" aria-hidden="true"></span>
        <span class="text-sm font-medium text-slate-700" data-testid="workspace-name">{info.workspace_name.clone()}</span>
        <nav class="order-last flex w-full gap-1 sm:order-none sm:w-auto" aria-label="Main">
            <NavLink href="/events" label="Events"/>
            {can_see_integrations.then(|| view! { <NavLink href="/settings/integrations" label="Settings → Integrations"/> })}
            {can_manage_members.then(|| view! { <NavLink href="/settings/members" label="Settings → Members"/> })}
            {can_manage_badges.then(|| view! { <NavLink href="/settings/badges" label="Settings → Badges"/> })}
        </nav>
        <div class="ml-auto flex items-center gap-3">
            <div class="hidden text-right sm:block">
                <div class="text-sm font-medium text-slate-900">{info.display_name.clone()}</div>
                <div class="text-xs text-slate-500">{info.email.clone()}</div>
            </div>
            <crate::app::components::badges::RoleBadge role=info.role/>
            <ActionForm action=sign_out>
                <button type="submit" class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900">
                    "Sign out"
                </button>
            </ActionForm>
        </div>
    }
}

#[component]
fn NavLink(href: &'static str, label: &'static str) -> impl IntoView {
    let location = use_location();
    let active = move || location.pathname.get().starts_with(href);
    view! {
        <a
            href=href
            class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900"
            class=("bg-slate-100", active)
            class=("text-slate-900", active)
            aria-current=move || active().then_some("page")
        >
            {label}
        </a>
    }
}
