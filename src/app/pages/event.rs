//! The event page: header, the alert banner or import progress for the event's sync status,
//! stat cards and the Attendees table. Status, progress and counts come live from the
//! event's stream; the page renders the same state on the server first.

use crate::api::events::{get_event, list_sync_runs, EventSummary, SyncNow};
use crate::api::live::{get_event_live, EventLive, JobProgress};
use crate::app::components::arrivals_chart::ArrivalsChart;
use crate::app::components::attendees_table::{AttendeesTable, DeskRights};
use crate::app::components::badges::SyncStatusBadge;
use crate::app::components::feedback::{ErrorPanel, Toast};
use crate::app::components::format;
use crate::app::components::recovery_dialog::RecoveryDialog;
use crate::app::components::staff_access::StaffAccessCard;
use crate::app::layout::use_session;
use crate::app::live::use_event_live;
use crate::domain::{Permission, SyncStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn EventPage() -> impl IntoView {
    let params = use_params_map();
    let event_id = Signal::derive(move || params.read().get("id").unwrap_or_default());
    let live = use_event_live(event_id);
    let event = Resource::new(move || event_id.get(), get_event);
    let initial = Resource::new(move || event_id.get(), get_event_live);
    let session = use_session();
    view! {
        <a href="/events" class="text-sm font-medium text-indigo-600 hover:text-indigo-500">"← Events"</a>
        <Transition fallback=|| view! { <div class="mt-4 h-24 animate-pulse rounded-xl bg-slate-200/60"></div> }>
            {move || Suspend::new(async move {
                let role = session.await.ok().flatten().map(|s| s.role);
                let can = move |p| role.is_some_and(|r| r.can(p));
                let rights = Rights {
                    recover: can(Permission::RecoverEvents),
                    sync: can(Permission::SyncEvents),
                    history: can(Permission::ViewSyncHistory),
                    rotate: can(Permission::ManageStaffAccess),
                    desk: DeskRights {
                        check_in: can(Permission::CheckInAttendees),
                        vip: can(Permission::ToggleVip),
                        export: can(Permission::ExportAttendees),
                    },
                };
                let initial = initial.await.ok();
                match event.await {
                    Ok(summary) => view! { <EventView summary initial live rights/> }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorPanel error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What the signed-in member may do on this page (the server checks again).
#[derive(Clone, Copy)]
struct Rights {
    recover: bool,
    sync: bool,
    history: bool,
    /// Rotate the staff access code.
    rotate: bool,
    desk: DeskRights,
}

/// Which recovery path opened the dialog; the title follows the reference pages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Recovery {
    Reconnect,
    SetUpSync,
}

#[component]
fn EventView(
    summary: EventSummary,
    initial: Option<EventLive>,
    live: ReadSignal<Option<EventLive>>,
    rights: Rights,
) -> impl IntoView {
    let can_recover = rights.recover;
    let history_id = summary.id.clone();
    let fallback = EventLive {
        event_id: summary.id.to_string(),
        workspace_id: String::new(),
        sync_status: summary.sync_status,
        job: None,
        attendee_count: summary.attendee_count,
        attending_count: summary.attendee_count,
        checked_in_count: summary.checked_in_count,
        vip_count: 0,
        attendees_revision: 0,
        changed: Vec::new(),
    };
    let state = Memo::new(move |_| {
        live.get()
            .or_else(|| initial.clone())
            .unwrap_or_else(|| fallback.clone())
    });
    let status = Memo::new(move |_| state.read().sync_status);
    let job = Memo::new(move |_| state.read().job);
    let recovery = RwSignal::new(None::<Recovery>);
    let toast = RwSignal::new(None::<String>);
    let event_id = summary.id.clone();
    let provider = summary.provider;
    // The stat cards and the table are built once and stay while polls and webhooks come and
    // go (a job starting or ending must not wipe a search being typed): only an event still
    // importing swaps them for the progress panel.
    let imported = Memo::new(move |_| status.get() != SyncStatus::Pending);
    let revision = Signal::derive(move || state.read().attendees_revision);
    let table_event = summary.id.clone();
    view! {
        <Title text=summary.name.clone()/>
        <EventHeader summary=summary.clone() status job can_sync=rights.sync/>
        {move || match (status.get(), job.get()) {
            (SyncStatus::Pending, Some(progress)) => view! { <ImportProgress progress/> }.into_any(),
            (SyncStatus::Pending, None) => view! {
                <AlertBanner title="Import failed"
                    message="The initial import did not complete. An admin can set up the sync again."
                    action=can_recover.then_some(("Retry", Recovery::SetUpSync)) recovery/>
            }.into_any(),
            (other, _) => {
                let banner = match other {
                    SyncStatus::Failed => Some(view! {
                        <AlertBanner title="Sync failed"
                            message="The last sync attempt errored. The integration is still healthy; retrying usually fixes it."
                            action=can_recover.then_some(("Retry", Recovery::Reconnect)) recovery/>
                    }),
                    SyncStatus::Disconnected => Some(view! {
                        <AlertBanner title="Integration disconnected"
                            message="The provider no longer accepts this event's credential. Reconnect the provider in Settings → Integrations, then reconnect the event."
                            action=can_recover.then_some(("Reconnect", Recovery::Reconnect)) recovery/>
                    }),
                    _ => None,
                };
                banner.into_any()
            }
        }}
        <Show when=move || imported.get()>
            <StatCards state/>
            <ArrivalsChart event_id=table_event.to_string() revision/>
            <StaffAccessCard event_id=table_event.to_string() can_rotate=rights.rotate notice=toast/>
            <AttendeesTable event_id=table_event.to_string() provider revision rights=rights.desk notice=toast/>
        </Show>
        {move || recovery.get().map(|path| {
            let title = match path {
                Recovery::Reconnect => "Reconnect",
                Recovery::SetUpSync => "Set Up Sync",
            };
            view! {
                <RecoveryDialog title event_id=event_id.to_string() provider
                    on_close=move || recovery.set(None)
                    on_done=move || {
                        recovery.set(None);
                        toast.set(Some("Reconnecting event".to_string()));
                    }/>
            }
        })}
        {rights.history.then(|| view! { <SyncHistory event_id=history_id.to_string() status job/> })}
        <Toast message=toast/>
    }
}

#[component]
fn EventHeader(
    summary: EventSummary,
    status: Memo<SyncStatus>,
    job: Memo<Option<JobProgress>>,
    can_sync: bool,
) -> impl IntoView {
    let sync = ServerAction::<SyncNow>::new();
    // In flight from the click until the job (this one, or the one it joined) has ended;
    // the live stream says when, for every open page.
    let in_flight = move || sync.pending().get() || job.get().is_some();
    let event_id = summary.id.clone();
    let sync_button = move || {
        let shows = can_sync && matches!(status.get(), SyncStatus::Active | SyncStatus::Failed);
        shows.then(|| {
            let event_id = event_id.clone();
            view! {
                <button type="button" data-testid="sync-button" disabled=in_flight
                    class="ml-auto inline-flex items-center gap-2 rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50 disabled:cursor-wait disabled:opacity-70"
                    on:click=move |_| { sync.dispatch(SyncNow { event_id: event_id.to_string() }); }>
                    <span class=move || if in_flight() { "h-3 w-3 animate-spin rounded-full border-2 border-slate-400 border-t-transparent" } else { "hidden" }></span>
                    {move || if in_flight() { "Syncing…" } else { "Sync" }}
                </button>
            }
        })
    };
    view! {
        <header class="mt-4 rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
            <div class="flex flex-wrap items-center gap-3">
                <h1 class="text-2xl font-semibold tracking-tight">{summary.name.clone()}</h1>
                {move || match status.get() {
                    SyncStatus::Active => view! {
                        <span data-testid="syncing-pill" class="inline-flex items-center gap-1.5 rounded-full bg-emerald-50 px-2.5 py-0.5 text-xs font-medium text-emerald-700 ring-1 ring-inset ring-emerald-600/20">
                            <span class="h-1.5 w-1.5 animate-pulse rounded-full bg-emerald-500"></span>
                            "Syncing"
                        </span>
                    }.into_any(),
                    other => view! { <SyncStatusBadge status=other/> }.into_any(),
                }}
                {sync_button}
            </div>
            {move || sync.value().get().and_then(|r| r.err()).map(|error| view! {
                <p class="mt-2 text-sm text-red-700" role="alert">{error.to_string()}</p>
            })}
            <p class="mt-1 text-sm text-slate-500" data-testid="event-dates">
                {summary.dates.clone()} " · " {summary.provider.label()}
            </p>
        </header>
    }
}

#[component]
fn AlertBanner(
    title: &'static str,
    message: &'static str,
    action: Option<(&'static str, Recovery)>,
    recovery: RwSignal<Option<Recovery>>,
) -> impl IntoView {
    view! {
        <div role="alert" class="mt-4 rounded-xl border border-amber-200 bg-amber-50 p-4" data-testid="alert-banner">
            <p class="font-semibold text-amber-900">{title}</p>
            <p class="mt-1 text-sm text-amber-800">{message}</p>
            {action.map(|(label, path)| view! {
                <button type="button"
                    class="mt-3 rounded-lg bg-amber-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-amber-500"
                    on:click=move |_| recovery.set(Some(path))>
                    {label}
                </button>
            })}
        </div>
    }
}

/// The event's check-in statistics, live: every open page follows each check-in and sync.
#[component]
fn StatCards(state: Memo<EventLive>) -> impl IntoView {
    let card = "rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200";
    let label = "text-xs font-medium uppercase tracking-wide text-slate-500";
    let share = move || {
        let s = state.read();
        match s.attending_count {
            0 => "—".to_string(),
            attending => format!(
                "{}% of attending",
                (s.checked_in_count * 100 / attending).min(100)
            ),
        }
    };
    view! {
        <dl class="mt-4 grid grid-cols-2 gap-4 lg:grid-cols-4">
            <div class=card>
                <dt class=label>"Total Attendees"</dt>
                <dd class="mt-1 text-2xl font-semibold" data-testid="total-attendees">{move || format::count(state.read().attendee_count)}</dd>
                <dd class="text-xs text-slate-500" data-testid="attending-count">{move || format!("{} attending", format::count(state.read().attending_count))}</dd>
            </div>
            <div class=card>
                <dt class=label>"Checked in"</dt>
                <dd class="mt-1 text-2xl font-semibold text-emerald-700" data-testid="checked-in-count">{move || format::count(state.read().checked_in_count)}</dd>
                <dd class="text-xs text-slate-500" data-testid="checked-in-share">{share}</dd>
            </div>
            <div class=card>
                <dt class=label>"Not attending"</dt>
                <dd class="mt-1 text-2xl font-semibold" data-testid="not-attending-count">{move || {
                    let s = state.read();
                    format::count(s.attendee_count - s.attending_count)
                }}</dd>
            </div>
            <div class=card>
                <dt class=label>"VIP"</dt>
                <dd class="mt-1 text-2xl font-semibold text-amber-700" data-testid="vip-count">{move || format::count(state.read().vip_count)}</dd>
            </div>
        </dl>
    }
}

#[component]
fn ImportProgress(progress: JobProgress) -> impl IntoView {
    let JobProgress { processed, total } = progress;
    let percent = total
        .filter(|t| *t > 0)
        .map(|t| (processed * 100 / t).min(100));
    view! {
        <section class="mt-4 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="import-progress">
            <h2 class="font-semibold">"Import in progress"</h2>
            <p class="mt-1 text-sm text-slate-600">
                <span data-testid="imported-count">{format::count(processed)}</span>
                {match total { Some(t) => format!(" of {} attendees imported", format::count(t)), None => " attendees imported".to_string() }}
            </p>
            {percent.map(|p| view! {
                <div class="mt-4 h-2 w-full overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=p>
                    <div class="h-full rounded-full bg-indigo-600 transition-all" style=format!("width: {p}%")></div>
                </div>
            })}
            <p class="mt-3 text-xs text-slate-500">"This page updates by itself and shows the full event when the import ends."</p>
        </section>
    }
}

/// The latest sync runs, for admins and support: "what happened at 9:14?".
#[component]
fn SyncHistory(
    event_id: String,
    status: Memo<SyncStatus>,
    job: Memo<Option<JobProgress>>,
) -> impl IntoView {
    // Reload when a run starts or ends.
    let runs = Resource::new(
        move || (event_id.clone(), status.get(), job.get().is_some()),
        |(id, _, _)| list_sync_runs(id),
    );
    let th = "px-3 py-2 text-left text-xs font-medium uppercase tracking-wide text-slate-500";
    view! {
        <section class="mt-6 rounded-xl bg-white shadow-sm ring-1 ring-slate-200" aria-labelledby="history-title">
            <h2 id="history-title" class="border-b border-slate-100 p-4 font-semibold">"Sync history"</h2>
            <Transition fallback=|| view! { <div class="h-24 animate-pulse bg-slate-50"></div> }>
                {move || Suspend::new(async move {
                    match runs.await {
                        Ok(list) if list.is_empty() => view! { <p class="p-4 text-sm text-slate-500">"No sync has run yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="overflow-x-auto">
                                <table class="min-w-full divide-y divide-slate-100 text-sm" data-testid="sync-history">
                                    <thead class="bg-slate-50"><tr>
                                        <th class=th>"Started"</th><th class=th>"Trigger"</th><th class=th>"Outcome"</th>
                                        <th class=th>"Created / updated / cancelled / unchanged"</th><th class=th>"Provider calls"</th><th class=th>"Error"</th>
                                    </tr></thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {list.into_iter().map(|r| view! {
                                            <tr>
                                                <td class="whitespace-nowrap px-3 py-2">{r.started_label.clone()}</td>
                                                <td class="px-3 py-2">{r.trigger.label()}{r.triggered_by.map(|who| view! { <span class="block text-xs text-slate-500">{who}</span> })}</td>
                                                <td class="whitespace-nowrap px-3 py-2">{r.outcome.as_str()}</td>
                                                <td class="whitespace-nowrap px-3 py-2 tabular-nums">{format!("{} / {} / {} / {}", r.created, r.updated, r.cancelled, r.unchanged)}</td>
                                                <td class="px-3 py-2 tabular-nums">{r.provider_calls}</td>
                                                <td class="px-3 py-2 text-red-700">{r.error.unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <div class="p-4"><ErrorPanel error/></div> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
