//! The Import Event dialog: pick a connected integration, then one of its provider events.

use crate::api::events::{list_provider_events, ImportEvent};
use crate::api::integrations::list_integrations;
use crate::app::components::feedback::ErrorPanel;
use crate::app::components::format;
use crate::domain::IntegrationStatus;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn ImportEventDialog(open: RwSignal<bool>) -> impl IntoView {
    let integrations = Resource::new(|| (), |_| list_integrations());
    let chosen = RwSignal::new(None::<String>);
    let provider_events = Resource::new(
        move || chosen.get(),
        |id| async move {
            match id {
                Some(id) => list_provider_events(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let import = ServerAction::<ImportEvent>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(event_id)) = import.value().get() {
            open.set(false);
            navigate(&format!("/events/{event_id}"), Default::default());
        }
    });
    view! {
        <div role="dialog" aria-modal="true" aria-labelledby="import-title" class="fixed inset-0 z-20 flex items-start justify-center overflow-y-auto bg-slate-900/40 p-4 sm:items-center">
            <div class="w-full max-w-2xl rounded-2xl bg-white p-6 shadow-xl">
                <div class="flex items-start justify-between">
                    <h2 id="import-title" class="text-lg font-semibold">"Import Event"</h2>
                    <button type="button" class="rounded-lg px-2 text-slate-500 hover:bg-slate-100" aria-label="Close" on:click=move |_| open.set(false)>"✕"</button>
                </div>
                <Transition fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading integrations…"</p> }>
                    {move || Suspend::new(async move {
                        // A failed lookup is an error to show, not an empty list.
                        let list = match integrations.await {
                            Ok(list) => list,
                            Err(error) => return view! { <div class="mt-4"><ErrorPanel error/></div> }.into_any(),
                        };
                        let connected: Vec<_> = list.into_iter()
                            .filter(|i| i.status == IntegrationStatus::Connected).collect();
                        if connected.is_empty() {
                            return view! {
                                <div class="mt-4 rounded-xl border-2 border-dashed border-slate-200 p-6 text-center">
                                    <p class="font-medium">"No connected integrations"</p>
                                    <p class="mt-1 text-sm text-slate-500">"Connect Eventbrite or Luma first."</p>
                                    <a href="/settings/integrations" class="mt-4 inline-block rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white">"Go to integrations"</a>
                                </div>
                            }.into_any();
                        }
                        view! {
                            <label class="mt-4 block text-sm font-medium text-slate-700" for="import-integration">"Integration"</label>
                            <select id="import-integration" class="mt-1 block w-full rounded-lg border-0 px-3 py-2 ring-1 ring-inset ring-slate-300"
                                on:change=move |ev| { let v = event_target_value(&ev); chosen.set((!v.is_empty()).then_some(v)); }>
                                <option value="">"Choose an account…"</option>
                                {connected.into_iter().map(|i| view! {
                                    <option value=i.id.to_string()>{format!("{} · {}", i.provider.label(), i.account_email)}</option>
                                }).collect_view()}
                            </select>
                        }.into_any()
                    })}
                </Transition>
                <Transition fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading events…"</p> }>
                    {move || Suspend::new(async move {
                        match provider_events.await {
                            Ok(None) => ().into_any(),
                            Ok(Some(list)) if list.is_empty() => view! { <p class="mt-4 text-sm text-slate-500">"This account has no events."</p> }.into_any(),
                            Ok(Some(list)) => view! {
                                <ul class="mt-4 max-h-96 divide-y divide-slate-100 overflow-y-auto" data-testid="provider-events">
                                    {list.into_iter().map(|e| {
                                        let integration_id = chosen.get_untracked().unwrap_or_default();
                                        let pid = e.provider_event_id.clone();
                                        view! {
                                            <li class="flex items-center justify-between gap-3 py-3">
                                                <div>
                                                    <p class="font-medium">{e.name.clone()}</p>
                                                    <p class="text-sm text-slate-500">
                                                        {e.dates.clone()}
                                                        {e.attendee_count.map(|n| format!(" · {} attendees", format::count(n)))}
                                                    </p>
                                                </div>
                                                {if e.already_added {
                                                    view! { <span class="text-sm text-slate-500">"Already added"</span> }.into_any()
                                                } else {
                                                    view! {
                                                        <button type="button" disabled=move || import.pending().get()
                                                            class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60"
                                                            on:click=move |_| { import.dispatch(ImportEvent { integration_id: integration_id.clone(), provider_event_id: pid.clone() }); }>
                                                            "Import"
                                                        </button>
                                                    }.into_any()
                                                }}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(error) => view! { <p role="alert" class="mt-4 text-sm text-red-700">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
                {move || import.value().get().and_then(|r| r.err()).map(|e| view! {
                    <p role="alert" class="mt-4 text-sm text-red-700">{e.to_string()}</p>
                })}
            </div>
        </div>
    }
    .into_any()
}
