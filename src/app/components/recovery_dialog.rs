//! The one recovery dialog behind Reconnect, Retry and Import failed: pick a CONNECTED
//! integration of the event's provider and re-link the event to it.

use crate::api::events::ReconnectEvent;
use crate::api::integrations::list_integrations;
use crate::app::components::badges::IntegrationStatusBadge;
use crate::app::components::feedback::ErrorPanel;
use crate::domain::{IntegrationStatus, Provider};
use leptos::prelude::*;

#[component]
pub fn RecoveryDialog(
    title: &'static str,
    event_id: String,
    provider: Provider,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let integrations = Resource::new(|| (), |_| list_integrations());
    let reconnect = ServerAction::<ReconnectEvent>::new();
    Effect::new(move || {
        if let Some(Ok(())) = reconnect.value().get() {
            on_done();
        }
    });
    view! {
        <div class="fixed inset-0 z-40 flex items-end justify-center bg-slate-900/40 p-4 sm:items-center"
            on:click=move |_| on_close()>
            <div role="dialog" aria-modal="true" aria-labelledby="recovery-title"
                class="w-full max-w-md rounded-2xl bg-white p-6 shadow-xl"
                on:click=|ev| ev.stop_propagation()>
                <div class="flex items-start justify-between gap-4">
                    <h2 id="recovery-title" class="text-lg font-semibold">{title}</h2>
                    <button type="button" aria-label="Close" class="text-slate-400 hover:text-slate-600"
                        on:click=move |_| on_close()>"✕"</button>
                </div>
                <p class="mt-1 text-sm text-slate-500">
                    {format!("Choose a connected {} account to sync this event with. Lanyard imports its attendees again.", provider.label())}
                </p>
                {move || reconnect.value().get().and_then(|r| r.err()).map(|error| view! {
                    <div class="mt-4"><ErrorPanel error/></div>
                })}
                <Suspense fallback=|| view! { <div class="mt-4 h-20 animate-pulse rounded-xl bg-slate-100"></div> }>
                    {
                        let event_id = event_id.clone();
                        move || {
                            let event_id = event_id.clone();
                            Suspend::new(async move {
                                let connected: Vec<_> = match integrations.await {
                                    Ok(list) => list.into_iter()
                                        .filter(|i| i.provider == provider && i.status == IntegrationStatus::Connected)
                                        .collect(),
                                    Err(error) => return view! { <div class="mt-4"><ErrorPanel error/></div> }.into_any(),
                                };
                                if connected.is_empty() {
                                    return view! {
                                        <div class="mt-4 rounded-xl border-2 border-dashed border-slate-200 px-4 py-8 text-center" data-testid="recovery-empty">
                                            <p class="font-medium">{format!("No connected {} integration", provider.label())}</p>
                                            <p class="mt-1 text-sm text-slate-500">"Reconnect the provider in Settings → Integrations, then come back and try again."</p>
                                            <a href="/settings/integrations"
                                                class="mt-4 inline-flex rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500">
                                                "Go to integrations"
                                            </a>
                                        </div>
                                    }.into_any();
                                }
                                connected.into_iter().map(|integration| {
                                    let (event_id, integration_id) = (event_id.clone(), integration.id.clone());
                                    view! {
                                        <div class="mt-4 rounded-xl p-4 ring-1 ring-slate-200" data-testid="recovery-integration">
                                            <div class="flex flex-wrap items-center justify-between gap-2">
                                                <p class="font-medium">{integration.account_email.clone()}</p>
                                                <IntegrationStatusBadge status=integration.status/>
                                            </div>
                                            <button type="button" disabled=move || reconnect.pending().get()
                                                class="mt-3 w-full rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60"
                                                on:click=move |_| {
                                                    reconnect.dispatch(ReconnectEvent {
                                                        event_id: event_id.clone(),
                                                        integration_id: integration_id.to_string(),
                                                    });
                                                }>
                                                "Reconnect with this account"
                                            </button>
                                        </div>
                                    }
                                }).collect_view().into_any()
                            })
                        }
                    }
                </Suspense>
            </div>
        </div>
    }
}
