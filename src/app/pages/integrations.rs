use crate::api::integrations::{
    list_integrations, CheckIntegration, ConnectLuma, IntegrationSummary, RemoveIntegration,
};
use crate::app::components::badges::IntegrationStatusBadge;
use crate::app::components::feedback::{EmptyState, ErrorPanel, LoadingCards};
use crate::app::components::format;
use crate::app::layout::use_session;
use crate::domain::{IntegrationStatus, Permission, Provider};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const PRIMARY: &str = "rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60";
const SECONDARY: &str = "rounded-lg bg-white px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:opacity-60";

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let connect_luma = ServerAction::<ConnectLuma>::new();
    let check = ServerAction::<CheckIntegration>::new();
    let remove = ServerAction::<RemoveIntegration>::new();
    let integrations = Resource::new(
        move || {
            (
                connect_luma.version().get(),
                check.version().get(),
                remove.version().get(),
            )
        },
        |_| list_integrations(),
    );
    let session = use_session();
    let query = use_query_map();
    let notice = move || match query.read().get("connected").as_deref() {
        Some("eventbrite") => Some("Eventbrite connected."),
        _ => None,
    };
    // The OAuth callback sends the user back here when they declined on Eventbrite's page.
    let declined = move || query.read().get("error").as_deref() == Some("eventbrite_denied");
    let show_luma_form = RwSignal::new(false);
    // Set when the key form reconnects one Luma card in place (its Reconnect button).
    let luma_replacing = RwSignal::new(None::<String>);
    view! {
        <Title text="Integrations"/>
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <p class="text-sm font-medium text-slate-500">"Settings"</p>
                <h1 class="text-2xl font-semibold tracking-tight">"Integrations"</h1>
                <p class="mt-1 text-sm text-slate-500">"The Eventbrite and Luma accounts this workspace imports events from."</p>
            </div>
        </div>
        {move || notice().map(|n| view! {
            <p role="status" class="mb-4 rounded-lg bg-emerald-50 px-4 py-2 text-sm text-emerald-800">{n}</p>
        })}
        {move || declined().then(|| view! {
            <p role="alert" data-testid="oauth-declined" class="mb-4 rounded-lg bg-amber-50 px-4 py-2 text-sm text-amber-900">
                "Eventbrite authorisation was declined, so nothing was connected. Choose Connect Eventbrite to try again."
            </p>
        })}
        {move || check.value().get().and_then(|r| r.err()).map(|e| view! {
            <p role="alert" class="mb-4 rounded-lg bg-red-50 px-4 py-2 text-sm text-red-800">{e.to_string()}</p>
        })}
        <Transition fallback=LoadingCards>
            {move || Suspend::new(async move {
                let can_manage = matches!(session.await, Ok(Some(ref s)) if s.role.can(Permission::ManageIntegrations));
                let list = match integrations.await {
                    Ok(list) => list,
                    Err(error) => return view! { <ErrorPanel error/> }.into_any(),
                };
                let connect_buttons = can_manage.then(|| view! {
                    <div class="mb-6 flex flex-wrap gap-3">
                        <a href="/integrations/eventbrite/connect" rel="external" class=PRIMARY>"Connect Eventbrite"</a>
                        <button type="button" class=PRIMARY on:click=move |_| { luma_replacing.set(None); show_luma_form.update(|v| *v = !*v) }>"Connect Luma"</button>
                    </div>
                });
                view! {
                    {connect_buttons}
                    {move || (can_manage && show_luma_form.get()).then(|| view! { <LumaKeyForm action=connect_luma replacing=luma_replacing/> })}
                    {if list.is_empty() {
                        let description = if can_manage {
                            "Connect an Eventbrite account or a Luma calendar to start importing events."
                        } else {
                            "A workspace admin connects Eventbrite and Luma accounts here."
                        };
                        view! { <EmptyState title="No integrations yet" description=description/> }.into_any()
                    } else {
                        view! {
                            <ul class="grid gap-4 md:grid-cols-2" data-testid="integration-list">
                                {list.into_iter().map(|integration| view! {
                                    <IntegrationCard integration can_manage check remove show_luma_form luma_replacing/>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }.into_any()
            })}
        </Transition>
    }
}

#[component]
fn LumaKeyForm(
    action: ServerAction<ConnectLuma>,
    replacing: RwSignal<Option<String>>,
) -> impl IntoView {
    let error = move || action.value().get().and_then(|r| r.err());
    view! {
        <div class="mb-6 rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
            <h2 class="font-semibold">{move || if replacing.get().is_some() { "Reconnect Luma" } else { "Connect Luma" }}</h2>
            <p class="mt-1 text-sm text-slate-500">
                "Paste a calendar API key (Luma → Calendar → Settings → Developer). Lanyard checks it with Luma before saving it."
            </p>
            <ActionForm action attr:class="mt-4 flex flex-col gap-3 sm:flex-row">
                {move || replacing.get().map(|id| view! { <input type="hidden" name="integration_id" value=id/> })}
                <label class="sr-only" for="luma-api-key">"Luma API key"</label>
                <input id="luma-api-key" name="api_key" type="password" required autocomplete="off" placeholder="Luma API key"
                    class="block w-full rounded-lg border-0 px-3 py-2 font-mono text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"/>
                <button type="submit" class=PRIMARY disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Checking…" } else { "Save key" }}
                </button>
            </ActionForm>
            {move || error().map(|e| view! { <p role="alert" class="mt-3 text-sm text-red-700">{e.to_string()}</p> })}
        </div>
    }
}

#[component]
fn IntegrationCard(
    integration: IntegrationSummary,
    can_manage: bool,
    check: ServerAction<CheckIntegration>,
    remove: ServerAction<RemoveIntegration>,
    show_luma_form: RwSignal<bool>,
    luma_replacing: RwSignal<Option<String>>,
) -> impl IntoView {
    let id = integration.id.clone();
    let reconnect_id = id.clone();
    let disconnected = integration.status == IntegrationStatus::Disconnected;
    let reconnect = (can_manage && disconnected).then(|| match integration.provider {
        Provider::Eventbrite => view! { <a href="/integrations/eventbrite/connect" rel="external" class=PRIMARY>"Reconnect"</a> }.into_any(),
        Provider::Luma => view! {
            <button type="button" class=PRIMARY on:click=move |_| {
                luma_replacing.set(Some(reconnect_id.to_string()));
                show_luma_form.set(true);
            }>"Reconnect"</button>
        }.into_any(),
    });
    let manage = can_manage.then(|| {
        let (check_id, remove_id) = (id.clone(), id.clone());
        view! {
            {(!disconnected).then(|| view! {
                <button type="button" class=SECONDARY disabled=move || check.pending().get()
                    on:click=move |_| { check.dispatch(CheckIntegration { integration_id: check_id.to_string() }); }>
                    "Check connection"
                </button>
            })}
            <RemoveButton integration_id=remove_id.to_string() remove/>
        }
        .into_any()
    });
    view! {
        <li class="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200" data-provider=integration.provider.as_str()>
            <div class="flex items-start justify-between gap-3">
                <div>
                    <h2 class="font-semibold">{integration.provider.label()}</h2>
                    <p class="text-sm text-slate-600">{integration.account_email.clone()}</p>
                </div>
                <IntegrationStatusBadge status=integration.status/>
            </div>
            <p class="mt-3 text-xs text-slate-500">{format!("Connected {}", format::date(integration.connected_at))}</p>
            {disconnected.then(|| view! {
                <p class="mt-2 text-sm text-red-700">
                    {integration.last_error.clone().unwrap_or_else(|| "The provider no longer accepts this credential.".into())}
                    " Reconnect to resume syncing its events."
                </p>
            })}
            <div class="mt-4 flex flex-wrap gap-2">{reconnect}{manage}</div>
        </li>
    }
}

/// Remove, behind a confirmation dialog.
#[component]
fn RemoveButton(integration_id: String, remove: ServerAction<RemoveIntegration>) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let confirm = move |_| {
        remove.dispatch(RemoveIntegration {
            integration_id: integration_id.clone(),
        });
        confirming.set(false);
    };
    view! {
        <button type="button" class=SECONDARY on:click=move |_| confirming.set(true)>"Remove"</button>
        <Show when=move || confirming.get()>
            <div role="dialog" aria-modal="true" aria-labelledby="remove-title" class="fixed inset-0 z-10 flex items-center justify-center bg-slate-900/40 p-4">
                <div class="w-full max-w-md rounded-2xl bg-white p-6 shadow-xl">
                    <h3 id="remove-title" class="text-lg font-semibold">"Remove integration?"</h3>
                    <p class="mt-2 text-sm text-slate-600">
                        "Lanyard forgets this account's credential. Its events and attendees stay, but stop syncing until you reconnect."
                    </p>
                    <div class="mt-6 flex justify-end gap-3">
                        <button type="button" class=SECONDARY on:click=move |_| confirming.set(false)>"Cancel"</button>
                        <button type="button" class="rounded-lg bg-red-600 px-4 py-2 text-sm font-semibold text-white hover:bg-red-500"
                            on:click=confirm.clone()>
                            "Remove"
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
    .into_any()
}
