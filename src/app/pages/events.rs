use crate::api::events::{list_events, EventSummary};
use crate::app::components::badges::SyncStatusBadge;
use crate::app::components::feedback::{EmptyState, ErrorPanel, LoadingCards};
use crate::app::components::format;
use crate::app::components::import_dialog::ImportEventDialog;
use crate::app::layout::use_session;
use crate::app::live::use_workspace_live;
use crate::domain::{Permission, SyncStatus};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn EventsPage() -> impl IntoView {
    let events = Resource::new(|| (), |_| list_events());
    let session = use_session();
    let importing = RwSignal::new(false);
    // Cards follow their events live: status and attendee count, without a refresh.
    let latest = use_workspace_live();
    let live = RwSignal::new(std::collections::HashMap::<String, CardLive>::new());
    Effect::new(move || {
        if let Some(update) = latest.get() {
            live.update(|m| {
                m.insert(
                    update.event_id,
                    (
                        update.sync_status,
                        update.attendee_count,
                        update.checked_in_count,
                    ),
                );
            });
        }
    });
    view! {
        <Title text="Events"/>
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Events"</h1>
                <p class="mt-1 text-sm text-slate-500">"Every event linked to Eventbrite or Luma, with the health of its sync."</p>
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let can_import = matches!(session.await, Ok(Some(ref s)) if s.role.can(Permission::ImportEvents));
                    can_import.then(|| view! {
                        <button type="button" on:click=move |_| importing.set(true)
                            class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500">
                            "Import event"
                        </button>
                    })
                })}
            </Transition>
        </div>
        <Show when=move || importing.get()>
            <ImportEventDialog open=importing/>
        </Show>
        <Transition fallback=LoadingCards>
            {move || Suspend::new(async move {
                let can_import = matches!(session.await, Ok(Some(ref s)) if s.role.can(Permission::ImportEvents));
                match events.await {
                    Ok(list) if list.is_empty() => view! { <NoEvents can_import/> }.into_any(),
                    Ok(list) => view! {
                        <ul class="grid gap-4 sm:grid-cols-2 xl:grid-cols-3" data-testid="event-list">
                            {list.into_iter().map(|event| view! { <EventCard event live/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NoEvents(can_import: bool) -> impl IntoView {
    if can_import {
        view! {
            <EmptyState title="No events yet" description="Connect Eventbrite or Luma, then import an event to bring its attendees in and keep them in sync.">
                <a href="/settings/integrations" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500">
                    "Connect a provider"
                </a>
            </EmptyState>
        }
        .into_any()
    } else {
        view! {
            <EmptyState title="No events yet" description="Events appear here once a workspace admin imports them from Eventbrite or Luma."/>
        }
        .into_any()
    }
}

/// What a card follows live: status, attendees, checked in.
type CardLive = (SyncStatus, i64, i64);

#[component]
fn EventCard(
    event: EventSummary,
    /// The latest live state of each event that changed since loading.
    live: RwSignal<std::collections::HashMap<String, CardLive>>,
) -> impl IntoView {
    let href = format!("/events/{}", event.id);
    let id = event.id.clone();
    let current = Memo::new(move |_| {
        live.with(|m| m.get(id.as_str()).copied()).unwrap_or((
            event.sync_status,
            event.attendee_count,
            event.checked_in_count,
        ))
    });
    view! {
        <li>
            <a href=href class="block h-full rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200 transition hover:shadow-md hover:ring-indigo-300">
                <div class="flex items-start justify-between gap-3">
                    <h2 class="font-semibold leading-snug text-slate-900">{event.name.clone()}</h2>
                    {move || view! { <SyncStatusBadge status=current.get().0/> }}
                </div>
                <p class="mt-2 text-sm text-slate-500">{event.dates.clone()}</p>
                <div class="mt-4 flex items-center justify-between text-sm">
                    <span class="text-slate-600">
                        <span data-testid="attendee-count">{move || format!("{} attendees", format::count(current.get().1))}</span>
                        " · "
                        <span data-testid="card-checked-in">{move || format!("{} checked in", format::count(current.get().2))}</span>
                    </span>
                    <span class="text-xs font-medium uppercase tracking-wide text-slate-400">{event.provider.label()}</span>
                </div>
            </a>
        </li>
    }
}
