//! Check-in mode: a phone at the door. Scan Ticket (the camera, or a USB scanner typing
//! into the field), the attendee drawer with one primary button, Search attendee…, the
//! chosen print station in the header, and a queue that keeps check-ins made while the
//! network is gone and sends them when it is back (each with its nonce: none counts twice).

use super::staff::{NamedStation, INPUT, PRIMARY};
use crate::api::station::{
    check_in_at_station, print_status, station_find, station_reprint, station_roster,
    station_search, AttendeeRow, PrintJobView, PrintStationView, StationInfo,
};
use crate::api::ApiError;
use crate::app::browser;
use crate::app::components::attendee_drawer::new_nonce;
use crate::app::components::feedback::Toast;
use crate::domain::print_job::PrintJobStatus;
use crate::domain::views::CheckInOutcome;
use crate::domain::AttendanceStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How often the phone asks for its print stations and jobs, and retries its queue.
const POLL: Duration = Duration::from_secs(2);

#[component]
pub fn CheckInModePage() -> impl IntoView {
    view! { <NamedStation title="Check-in mode" page=|station| view! { <CheckInMode station/> }.into_any()/> }
}

/// A check-in made while offline, waiting to be sent with its nonce.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Pending {
    attendee_id: String,
    name: String,
    nonce: String,
    force: bool,
    print_station_id: Option<String>,
}

fn full_name(a: &AttendeeRow) -> String {
    format!("{} {}", a.first_name, a.last_name)
        .trim()
        .to_string()
}

fn checked_in(a: &AttendeeRow) -> bool {
    a.checked_in_at.is_some() || a.provider_checked_in_at.is_some()
}

#[component]
fn CheckInMode(station: StationInfo) -> impl IntoView {
    let event_id = station.event_id.clone();
    let queue_key = format!("lanyard.queue.{event_id}");
    let printer_key = format!("lanyard.print-station.{event_id}");

    let printers = RwSignal::new(Vec::<PrintStationView>::new());
    let chosen = RwSignal::new(None::<String>);
    let picking = RwSignal::new(false);
    let drawer = RwSignal::new(None::<AttendeeRow>);
    let not_found = RwSignal::new(None::<String>);
    let toast = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let queue = RwSignal::new(Vec::<Pending>::new());
    let online = RwSignal::new(true);
    let closed = RwSignal::new(false);
    let jobs = RwSignal::new(Vec::<PrintJobView>::new());
    let roster = RwSignal::new(Vec::<AttendeeRow>::new());
    let search_open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let vip_only = RwSignal::new(false);
    let results = RwSignal::new(Vec::<AttendeeRow>::new());
    let scanning = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let flushing = StoredValue::new(false);

    // What this phone remembered: its print station and its unsent check-ins.
    {
        let (queue_key, printer_key) = (queue_key.clone(), printer_key.clone());
        Effect::new(move || {
            chosen.set(browser::local_get(&printer_key).filter(|p| !p.is_empty()));
            let saved = browser::local_get(&queue_key)
                .and_then(|q| serde_json::from_str::<Vec<Pending>>(&q).ok())
                .unwrap_or_default();
            queue.set(saved);
        });
    }
    let save_queue = {
        let key = queue_key.clone();
        move || {
            let text = serde_json::to_string(&queue.get_untracked()).unwrap_or_default();
            browser::local_set(&key, &text);
        }
    };

    // The roster, a page at a time, for finding people with the network gone.
    Effect::new(move || {
        spawn_local(async move {
            let mut after = String::new();
            while let Ok(page) = station_roster(after.clone()).await {
                let full = page.len() as i64 >= 2_000;
                after = page.last().map(|a| a.id.clone()).unwrap_or_default();
                roster.update(|r| r.extend(page));
                if !full {
                    break;
                }
            }
        });
    });

    // The same attendee everywhere this page holds them.
    let remember = move |a: &AttendeeRow| {
        roster.update(|r| {
            if let Some(slot) = r.iter_mut().find(|x| x.id == a.id) {
                *slot = a.clone();
            }
        });
        drawer.update(|d| {
            if d.as_ref().is_some_and(|d| d.id == a.id) {
                *d = Some(a.clone());
            }
        });
    };

    let send = {
        let save_queue = save_queue.clone();
        move |p: Pending, from_queue: bool| {
            let save_queue = save_queue.clone();
            async move {
                let result = check_in_at_station(
                    p.attendee_id.clone(),
                    p.nonce.clone(),
                    p.force,
                    p.print_station_id.clone(),
                )
                .await;
                match result {
                    Ok(done) => {
                        online.set(true);
                        remember(&done.answer.attendee);
                        if let Some(job) = done.job.clone() {
                            jobs.update(|j| {
                                j.retain(|x| x.id != job.id);
                                j.insert(0, job);
                                j.truncate(8);
                            });
                        }
                        if !from_queue {
                            toast.set(Some(match &done.answer.outcome {
                                CheckInOutcome::CheckedIn if done.job.is_some() => {
                                    "Checked in & printing badge".to_string()
                                }
                                CheckInOutcome::CheckedIn => "Checked in".to_string(),
                                CheckInOutcome::AlreadyCheckedIn(message) => message.clone(),
                            }));
                            drawer.set(None);
                        }
                        true
                    }
                    Err(ApiError::Transport(_)) => {
                        online.set(false);
                        if !from_queue {
                            // Shown as checked in here at once; sent when the network is back.
                            roster.update(|r| {
                                if let Some(a) = r.iter_mut().find(|a| a.id == p.attendee_id) {
                                    a.checked_in_at = Some(js_now());
                                    a.checked_in_label = Some("just now".into());
                                    a.checked_in_by = Some("this phone (waiting to send)".into());
                                }
                            });
                            queue.update(|q| q.push(p));
                            save_queue();
                            toast.set(Some("Offline — check-in saved, it will be sent when the connection is back".into()));
                            drawer.set(None);
                        }
                        false
                    }
                    Err(ApiError::Unauthenticated) => {
                        closed.set(true);
                        false
                    }
                    Err(error) => {
                        // Refused for good (not attending without force, ...): not retried.
                        toast.set(Some(format!("{}: {error}", p.name)));
                        from_queue
                    }
                }
            }
        }
    };

    // Every POLL: the print stations and this phone's jobs, then the queue if any.
    {
        let send = send.clone();
        let save_queue = save_queue.clone();
        Effect::new(move || {
            let send = send.clone();
            let save_queue = save_queue.clone();
            let tick = move || {
                if flushing.get_value() {
                    return;
                }
                flushing.set_value(true);
                let send = send.clone();
                let save_queue = save_queue.clone();
                spawn_local(async move {
                    let ids: Vec<String> = jobs
                        .get_untracked()
                        .iter()
                        .filter(|j| !j.status.is_final())
                        .map(|j| j.id.clone())
                        .collect();
                    match print_status(ids).await {
                        Ok(status) => {
                            online.set(true);
                            printers.set(status.print_stations);
                            jobs.update(|mine| {
                                for job in status.jobs {
                                    if let Some(slot) = mine.iter_mut().find(|j| j.id == job.id) {
                                        *slot = job;
                                    }
                                }
                            });
                        }
                        Err(ApiError::Transport(_)) => online.set(false),
                        Err(ApiError::Unauthenticated) => closed.set(true),
                        Err(_) => {}
                    }
                    if online.get_untracked() {
                        // Oldest first; one that cannot be sent now (offline again, the
                        // station closed) stops the round and stays queued.
                        while let Some(next) = queue.get_untracked().first().cloned() {
                            if !send(next.clone(), true).await {
                                break;
                            }
                            queue.update(|q| q.retain(|p| p.nonce != next.nonce));
                            save_queue();
                        }
                    }
                    flushing.set_value(false);
                });
            };
            tick();
            if let Ok(handle) = set_interval_with_handle(tick, POLL) {
                on_cleanup(move || handle.clear());
            }
        });
    }

    let lookup = move |code: String| {
        let code = code.trim().to_string();
        if code.is_empty() {
            return;
        }
        not_found.set(None);
        spawn_local(async move {
            match station_find(code.clone()).await {
                Ok(Some(a)) => {
                    online.set(true);
                    drawer.set(Some(a));
                }
                Ok(None) => {
                    online.set(true);
                    drawer.set(None);
                    not_found.set(Some(code));
                }
                Err(ApiError::Transport(_)) => {
                    online.set(false);
                    let found = roster
                        .get_untracked()
                        .into_iter()
                        .find(|a| a.barcode.as_deref() == Some(code.as_str()));
                    match found {
                        Some(a) => drawer.set(Some(a)),
                        None => not_found.set(Some(code)),
                    }
                }
                Err(ApiError::Unauthenticated) => closed.set(true),
                Err(error) => toast.set(Some(error.to_string())),
            }
        });
    };

    let search = move || {
        let (q, vip) = (query.get_untracked(), vip_only.get_untracked());
        spawn_local(async move {
            match station_search(q.clone(), vip).await {
                Ok(found) => {
                    online.set(true);
                    results.set(found);
                }
                Err(ApiError::Transport(_)) => {
                    online.set(false);
                    let words = crate::domain::search::search_words(&q);
                    let found: Vec<AttendeeRow> = roster
                        .get_untracked()
                        .into_iter()
                        .filter(|a| !vip || a.is_vip)
                        .filter(|a| {
                            crate::domain::search::matches(
                                &crate::domain::search::row_text(a),
                                &words,
                            )
                        })
                        .take(50)
                        .collect();
                    results.set(found);
                }
                Err(error) => toast.set(Some(error.to_string())),
            }
        });
    };

    let act = {
        let send = send.clone();
        move |a: AttendeeRow| {
            let send = send.clone();
            let printer = chosen.get_untracked();
            busy.set(true);
            spawn_local(async move {
                if checked_in(&a) {
                    match printer {
                        None => toast.set(Some("Choose a print station first.".into())),
                        Some(printer) => {
                            match station_reprint(a.id.clone(), printer, new_nonce()).await {
                                Ok(job) => {
                                    jobs.update(|j| {
                                        j.insert(0, job);
                                        j.truncate(8);
                                    });
                                    toast.set(Some("Reprinting badge".into()));
                                    drawer.set(None);
                                }
                                Err(error) => toast.set(Some(error.to_string())),
                            }
                        }
                    }
                } else {
                    let pending = Pending {
                        attendee_id: a.id.clone(),
                        name: full_name(&a),
                        nonce: new_nonce(),
                        force: a.status == AttendanceStatus::NotAttending,
                        print_station_id: printer,
                    };
                    send(pending, false).await;
                }
                busy.set(false);
            });
        }
    };

    let chosen_printer = move || {
        let id = chosen.get()?;
        printers.get().into_iter().find(|p| p.id == id)
    };

    view! {
        {move || closed.get().then(|| view! { <Redirect path="/station"/> })}
        <header class="mb-3 flex items-center justify-between gap-2">
            <div class="min-w-0">
                <p class="truncate text-sm font-semibold text-slate-900" data-testid="station-event">{station.event_name.clone()}</p>
                <p class="truncate text-xs text-slate-500">{station.station_name.clone()}</p>
            </div>
            <button type="button" data-testid="print-station-chip" on:click=move |_| picking.update(|p| *p = !*p)
                class="flex shrink-0 items-center gap-1.5 rounded-full bg-white px-3 py-1.5 text-xs font-medium ring-1 ring-slate-300">
                {move || match (chosen.get(), chosen_printer()) {
                    (None, _) => view! { <span class="h-2 w-2 rounded-full bg-slate-400"></span><span>"No Station"</span> }.into_any(),
                    (Some(_), Some(p)) if p.connected => view! {
                        <span class="h-2 w-2 rounded-full bg-emerald-500"></span><span>{p.name}" · Connected"</span>
                    }.into_any(),
                    (Some(_), Some(p)) => view! {
                        <span class="h-2 w-2 rounded-full bg-red-500"></span><span>{p.name}" · Disconnected"</span>
                    }.into_any(),
                    (Some(_), None) => view! { <span class="h-2 w-2 rounded-full bg-red-500"></span><span>"Disconnected"</span> }.into_any(),
                }}
            </button>
        </header>

        {move || picking.get().then(|| {
            let key = printer_key.clone();
            let key2 = printer_key.clone();
            view! {
                <div class="mb-3 rounded-xl bg-white p-2 shadow-sm ring-1 ring-slate-200" data-testid="print-station-picker">
                    <p class="px-2 py-1 text-xs font-semibold uppercase tracking-wide text-slate-500">"Print badges at"</p>
                    {move || {
                        let key = key.clone();
                        let list = printers.get();
                        if list.is_empty() {
                            view! { <p class="px-2 py-2 text-sm text-slate-500">"No print station yet. Open one in Station mode beside a printer."</p> }.into_any()
                        } else {
                            list.into_iter().map(|p| {
                                let key = key.clone();
                                let id = p.id.clone();
                                view! {
                                    <button type="button" class="flex w-full items-center justify-between rounded-lg px-2 py-2 text-left text-sm hover:bg-slate-50"
                                        on:click=move |_| { browser::local_set(&key, &id); chosen.set(Some(id.clone())); picking.set(false); }>
                                        <span class="font-medium">{p.name.clone()}</span>
                                        <span class=if p.connected { "text-emerald-700" } else { "text-red-700" }>
                                            {if p.connected { "Connected" } else { "Disconnected" }}
                                        </span>
                                    </button>
                                }
                            }).collect_view().into_any()
                        }
                    }}
                    <button type="button" class="w-full rounded-lg px-2 py-2 text-left text-sm text-slate-600 hover:bg-slate-50"
                        on:click=move |_| { browser::local_set(&key2, ""); chosen.set(None); picking.set(false); }>"No printer"</button>
                </div>
            }
        })}

        {move || {
            let waiting = queue.get().len();
            (!online.get() || waiting > 0).then(|| view! {
                <div role="status" data-testid="offline-banner" class="mb-3 rounded-xl bg-amber-100 px-4 py-2 text-sm font-medium text-amber-900">
                    {if online.get() { format!("Sending {waiting} check-ins…") } else { format!("Offline — {waiting} check-ins waiting") }}
                </div>
            })
        }}

        <button type="button" data-testid="scan-ticket" on:click=move |_| scanning.set(true)
            class="flex w-full items-center justify-center gap-2 rounded-2xl bg-blue-600 px-4 py-5 text-lg font-semibold text-white shadow-sm active:bg-blue-700">
            <svg class="h-6 w-6" fill="none" viewBox="0 0 24 24" stroke-width="2" stroke="currentColor" aria-hidden="true">
                <path stroke-linecap="round" stroke-linejoin="round" d="M3.75 4.875c0-.621.504-1.125 1.125-1.125h4.5c.621 0 1.125.504 1.125 1.125v4.5c0 .621-.504 1.125-1.125 1.125h-4.5A1.125 1.125 0 013.75 9.375v-4.5zM3.75 14.625c0-.621.504-1.125 1.125-1.125h4.5c.621 0 1.125.504 1.125 1.125v4.5c0 .621-.504 1.125-1.125 1.125h-4.5a1.125 1.125 0 01-1.125-1.125v-4.5zM13.5 4.875c0-.621.504-1.125 1.125-1.125h4.5c.621 0 1.125.504 1.125 1.125v4.5c0 .621-.504 1.125-1.125 1.125h-4.5A1.125 1.125 0 0113.5 9.375v-4.5z"/>
            </svg>
            "Scan Ticket"
        </button>

        <form class="mt-3 flex gap-2" on:submit=move |ev| {
            ev.prevent_default();
            let code = typed.get_untracked();
            typed.set(String::new());
            lookup(code);
        }>
            <input data-testid="code-input" placeholder="Scan or type a ticket code" autocomplete="off" class=INPUT
                prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev))/>
            <button type="submit" class="rounded-lg bg-white px-4 text-sm font-semibold ring-1 ring-slate-300">"Find"</button>
        </form>

        {move || not_found.get().map(|code| view! {
            <div role="alert" data-testid="not-found" class="mt-3 rounded-xl bg-red-50 px-4 py-3 text-sm text-red-800">
                <p class="font-medium">"Attendee not found."</p>
                <p class="mt-0.5 text-xs text-red-700 break-all">{code}</p>
                <button type="button" class="mt-2 font-semibold text-red-900 underline" on:click=move |_| { not_found.set(None); search_open.set(true); }>
                    "Search attendee…"
                </button>
            </div>
        })}

        <div class="mt-3">
            {move || if search_open.get() {
                view! {
                    <form class="flex items-center gap-2" on:submit=move |ev| { ev.prevent_default(); search(); }>
                        <input data-testid="station-search" placeholder="Search attendee…" autofocus class=INPUT
                            prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
                        <label class="flex shrink-0 items-center gap-1 text-sm font-medium text-slate-700">
                            <input type="checkbox" data-testid="vip-toggle" prop:checked=move || vip_only.get()
                                on:change=move |ev| { vip_only.set(event_target_checked(&ev)); search(); }/>
                            "VIP"
                        </label>
                        <button type="submit" class="rounded-lg bg-white px-3 py-2 text-sm font-semibold ring-1 ring-slate-300">"Search"</button>
                    </form>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="w-full rounded-xl bg-white px-4 py-3 text-left text-sm text-slate-500 ring-1 ring-slate-200"
                        on:click=move |_| search_open.set(true)>"Search attendee…"</button>
                }.into_any()
            }}
        </div>
        <ul class="mt-2 divide-y divide-slate-100 rounded-xl bg-white ring-1 ring-slate-200 empty:hidden" data-testid="search-results">
            {move || results.get().into_iter().map(|a| {
                let shown = a.clone();
                view! {
                    <li>
                        <button type="button" class="flex w-full items-center justify-between gap-2 px-4 py-3 text-left" on:click=move |_| drawer.set(Some(shown.clone()))>
                            <span class="min-w-0">
                                <span class="block truncate text-sm font-medium">{full_name(&a)}{a.is_vip.then_some(" ★")}</span>
                                <span class="block truncate text-xs text-slate-500">{a.email.clone().unwrap_or_default()}</span>
                            </span>
                            {if checked_in(&a) {
                                view! { <span class="shrink-0 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800">"Checked in"</span> }.into_any()
                            } else {
                                view! { <span class="shrink-0 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">"Pending"</span> }.into_any()
                            }}
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>

        {move || (!jobs.get().is_empty()).then(|| view! {
            <div class="mt-4">
                <p class="text-xs font-semibold uppercase tracking-wide text-slate-500">"Badges sent"</p>
                <ul class="mt-1 space-y-1" data-testid="sent-jobs">
                    {jobs.get().into_iter().map(|j| view! {
                        <li class="flex items-center justify-between rounded-lg bg-white px-3 py-2 text-sm ring-1 ring-slate-200">
                            <span class="truncate">{j.attendee_name.clone()}" → "{j.print_station.clone()}</span>
                            <JobStatus status=j.status error=j.error.clone()/>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
        })}

        <Scanner open=scanning paused=Signal::derive(move || drawer.with(Option::is_some))
            on_code=Callback::new(move |code: String| lookup(code))/>
        <Drawer drawer busy has_printer=Signal::derive(move || chosen.get().is_some()) act=Callback::new(act)/>
        <Toast message=toast/>
        <p class="mt-6 text-center text-xs text-slate-400" data-testid="roster-count">
            {move || format!("{} attendees on this phone", roster.get().len())}
        </p>
    }
}

#[component]
pub fn JobStatus(status: PrintJobStatus, error: Option<String>) -> impl IntoView {
    let class = match status {
        PrintJobStatus::Queued => "bg-slate-100 text-slate-700",
        PrintJobStatus::Printing => "bg-blue-100 text-blue-800",
        PrintJobStatus::Done => "bg-emerald-100 text-emerald-800",
        PrintJobStatus::Failed => "bg-red-100 text-red-800",
    };
    view! {
        <span class=format!("shrink-0 rounded-full px-2 py-0.5 text-xs font-medium {class}") title=error.unwrap_or_default()
            data-testid="job-status">{status.label()}</span>
    }
}

/// The attendee drawer: name, email, ticket type, VIP, any earlier check-in, and the one
/// primary button their state calls for.
#[component]
fn Drawer(
    drawer: RwSignal<Option<AttendeeRow>>,
    busy: RwSignal<bool>,
    has_printer: Signal<bool>,
    act: Callback<AttendeeRow>,
) -> impl IntoView {
    view! {
        {move || drawer.get().map(|a| {
            let label = if checked_in(&a) {
                "Reprint Badge"
            } else if a.status == AttendanceStatus::NotAttending {
                "Force Check In"
            } else if has_printer.get() {
                "Print Badge & Check In"
            } else {
                "Check In"
            };
            let earlier = a.checked_in_label.clone().map(|at| match &a.checked_in_by {
                Some(by) => format!("Checked in {at} by {by}"),
                None => format!("Checked in {at}"),
            }).or_else(|| a.provider_checked_in_label.clone().map(|at| format!("Checked in at the provider {at}")));
            let chosen = a.clone();
            view! {
                <div class="fixed inset-0 z-40 bg-slate-900/40" on:click=move |_| drawer.set(None)></div>
                <section role="dialog" aria-label="Attendee" data-testid="station-drawer"
                    class="fixed inset-x-0 bottom-0 z-50 mx-auto max-w-lg rounded-t-2xl bg-white p-5 shadow-xl">
                    <div class="flex items-start justify-between gap-2">
                        <div class="min-w-0">
                            <h2 class="truncate text-xl font-semibold" data-testid="drawer-name">{full_name(&a)}</h2>
                            <p class="truncate text-sm text-slate-500">{a.email.clone().unwrap_or_default()}</p>
                        </div>
                        {a.is_vip.then(|| view! { <span class="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-bold text-amber-900">"VIP"</span> })}
                    </div>
                    <dl class="mt-3 grid grid-cols-2 gap-2 text-sm">
                        <div><dt class="text-xs text-slate-500">"Ticket"</dt><dd class="font-medium" data-testid="drawer-ticket">{a.ticket_name.clone().unwrap_or_else(|| "—".into())}</dd></div>
                        <div><dt class="text-xs text-slate-500">"Status"</dt><dd class="font-medium">{if a.status == AttendanceStatus::Attending { "Attending" } else { "Not attending" }}</dd></div>
                    </dl>
                    {earlier.map(|e| view! { <p class="mt-3 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900" data-testid="drawer-earlier">{e}</p> })}
                    <button type="button" class=format!("{PRIMARY} mt-4") data-testid="drawer-primary" disabled=move || busy.get()
                        on:click=move |_| act.run(chosen.clone())>{label}</button>
                    <button type="button" class="mt-2 w-full py-2 text-sm font-medium text-slate-600" on:click=move |_| drawer.set(None)>"Close"</button>
                </section>
            }
        })}
    }
}

/// The full-screen scanner: the camera read continuously, each clean QR read handed to
/// `on_code`. Nothing is read while `paused` (the drawer is open), and the same code is
/// taken again only 3 s after it was last seen or acted on, so a ticket still held up after
/// its check-in does not reopen the drawer at once. Its Close is at the top: the bottom of
/// the screen is where the toasts and the drawer go.
#[component]
fn Scanner(open: RwSignal<bool>, paused: Signal<bool>, on_code: Callback<String>) -> impl IntoView {
    let video = NodeRef::<leptos::html::Video>::new();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let error = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    {
        use std::cell::{Cell, OnceCell, RefCell};
        use std::rc::Rc;
        let camera: Rc<RefCell<Option<leptos::web_sys::MediaStream>>> = Rc::new(RefCell::new(None));
        let timer: Rc<RefCell<Option<IntervalHandle>>> = Rc::new(RefCell::new(None));
        // Chosen as Check-in mode opens (asking the browser which formats it reads is async).
        let reader: Rc<OnceCell<browser::QrReader>> = Rc::default();
        spawn_local({
            let reader = reader.clone();
            async move {
                let _ = reader.set(browser::QrReader::for_this_browser().await);
            }
        });
        // Each opening of the scanner is one run; closing or leaving ends it. Work that was
        // awaiting (the camera starting, a frame decoding) checks its run is still the current
        // one before touching the page, whose signals may be gone.
        let run = Rc::new(Cell::new(0u32));
        let stop = {
            let (camera, timer, run) = (camera.clone(), timer.clone(), run.clone());
            move || {
                run.set(run.get() + 1);
                if let Some(t) = timer.borrow_mut().take() {
                    t.clear();
                }
                if let Some(s) = camera.borrow_mut().take() {
                    browser::stop_camera(&s);
                }
            }
        };
        let stop_on_close = stop.clone();
        Effect::new(move || {
            if !open.get() {
                stop_on_close();
                return;
            }
            let (camera, timer, reader, run) =
                (camera.clone(), timer.clone(), reader.clone(), run.clone());
            let this_run = run.get();
            error.set(None);
            spawn_local(async move {
                if run.get() != this_run {
                    return;
                }
                let Some(v) = video.get_untracked() else {
                    return;
                };
                let started = browser::start_camera(&v).await;
                if run.get() != this_run {
                    if let Ok(stream) = started {
                        browser::stop_camera(&stream);
                    }
                    return;
                }
                match started {
                    Ok(stream) => {
                        *camera.borrow_mut() = Some(stream);
                        let last = Rc::new(RefCell::new((String::new(), 0.0f64)));
                        // One frame decodes at a time; frames arriving meanwhile are skipped.
                        let decoding = Rc::new(Cell::new(false));
                        let handle = set_interval_with_handle(
                            move || {
                                if paused.get_untracked() {
                                    last.borrow_mut().1 = js_now() as f64;
                                    return;
                                }
                                let (Some(v), Some(c)) =
                                    (video.get_untracked(), canvas.get_untracked())
                                else {
                                    return;
                                };
                                if reader.get().is_none() || decoding.get() {
                                    return;
                                }
                                decoding.set(true);
                                let (reader, decoding, last, run) =
                                    (reader.clone(), decoding.clone(), last.clone(), run.clone());
                                spawn_local(async move {
                                    let Some(qr) = reader.get() else {
                                        return;
                                    };
                                    let code = qr.read(&v, &c).await;
                                    decoding.set(false);
                                    let Some(code) = code else {
                                        return;
                                    };
                                    if run.get() != this_run || paused.get_untracked() {
                                        return;
                                    }
                                    let now = js_now() as f64;
                                    let mut seen = last.borrow_mut();
                                    if seen.0 != code || now - seen.1 > 3_000.0 {
                                        *seen = (code.clone(), now);
                                        drop(seen);
                                        on_code.run(code);
                                    }
                                });
                            },
                            Duration::from_millis(120),
                        );
                        if let Ok(h) = handle {
                            *timer.borrow_mut() = Some(h);
                        }
                    }
                    Err(why) => error.set(Some(why)),
                }
            });
        });
        // The camera and timer live in this browser thread only; the wrapper lets the
        // cleanup (which Leptos requires to be Send) hold them.
        let stop = send_wrapper::SendWrapper::new(stop);
        on_cleanup(move || (*stop)());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (on_code, paused);
    view! {
        <div class=move || if open.get() { "fixed inset-0 z-30 flex flex-col bg-black" } else { "hidden" } data-testid="scanner">
            <div class="flex items-center justify-between gap-2 bg-black px-4 py-3 text-white">
                <span class="text-sm">"Hold the ticket's QR code in view"</span>
                <button type="button" class="rounded-lg bg-white/15 px-4 py-2 text-sm font-semibold" on:click=move |_| open.set(false)>"Close"</button>
            </div>
            {move || error.get().map(|e| view! { <p role="alert" class="bg-red-600 px-4 py-2 text-sm text-white">{e}</p> })}
            <video node_ref=video class="min-h-0 flex-1 object-cover" autoplay muted playsinline></video>
            <canvas node_ref=canvas class="hidden"></canvas>
        </div>
    }
}

fn js_now() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}
