//! Station mode: a laptop or tablet beside a printer. It registers as the event's print
//! station of its name, receives badge jobs live and prints each through the browser's
//! print dialog (silently where Chromium runs with --kiosk-printing), reporting each job
//! Printing → Done, or Failed with why, to the phone that sent it.

use super::staff::NamedStation;
use crate::api::station::{
    register_print_station, report_print, PrintJobEvent, PrintJobView, StationInfo,
};
use crate::app::browser;
use crate::app::components::badge::{print_now, BadgeCard, PrintArea};
use crate::app::pages::check_in_mode::JobStatus;
use crate::domain::badge::Badge;
use crate::domain::print_job::PrintJobStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn StationModePage() -> impl IntoView {
    view! { <NamedStation title="Station mode" page=|station| view! { <StationMode station/> }.into_any()/> }
}

#[component]
fn StationMode(station: StationInfo) -> impl IntoView {
    let connected = RwSignal::new(false);
    let jobs = RwSignal::new(Vec::<PrintJobView>::new());
    let printing = RwSignal::new(Vec::<Badge>::new());
    let busy = StoredValue::new(false);
    let error = RwSignal::new(None::<String>);
    let last = RwSignal::new(None::<Badge>);
    // `work` asks for itself again when a job ends; set once `work` exists.
    let again = StoredValue::new(None::<Callback<()>>);
    let work_again = move || {
        if let Some(work) = again.get_value() {
            work.run(());
        }
    };

    // Prints the oldest Queued job, then the next, one at a time.
    let work = move || {
        if busy.get_value() {
            return;
        }
        let Some(job) = jobs
            .get_untracked()
            .into_iter()
            .rev()
            .find(|j| j.status == PrintJobStatus::Queued)
        else {
            return;
        };
        busy.set_value(true);
        spawn_local(async move {
            let set = move |view: PrintJobView| {
                jobs.update(|all| {
                    if let Some(slot) = all.iter_mut().find(|j| j.id == view.id) {
                        let badge = slot.badge.take();
                        *slot = PrintJobView {
                            badge: view.badge.or(badge),
                            ..view
                        };
                    }
                })
            };
            match report_print(job.id.clone(), PrintJobEvent::Started, None).await {
                Ok(view) => set(view),
                Err(e) => {
                    // Finished elsewhere (another tab of this station): not ours to print.
                    error.set(Some(e.to_string()));
                    jobs.update(|all| all.retain(|j| j.id != job.id));
                    busy.set_value(false);
                    return;
                }
            }
            let outcome = match job.badge.clone() {
                Some(badge) => {
                    printing.set(vec![badge.clone()]);
                    last.set(Some(badge));
                    // Let the badge reach the page before the dialog snapshots it.
                    next_frame().await;
                    print_now()
                }
                None => Err("The job came without a badge.".to_string()),
            };
            let report = match &outcome {
                Ok(()) => report_print(job.id.clone(), PrintJobEvent::Printed, None).await,
                Err(why) => {
                    report_print(
                        job.id.clone(),
                        PrintJobEvent::PrintFailed,
                        Some(why.clone()),
                    )
                    .await
                }
            };
            if let Ok(view) = report {
                set(view);
            }
            busy.set_value(false);
            work_again();
        });
    };

    // Registers, then listens for jobs for as long as the page is open.
    Effect::new(move || {
        spawn_local(async move {
            match register_print_station().await {
                Ok(me) => {
                    let url = format!("/api/station/print-stations/{}/jobs", me.id);
                    let stream = browser::Stream::open(
                        &url,
                        move |data| {
                            let Ok(job) = serde_json::from_str::<PrintJobView>(&data) else {
                                return;
                            };
                            jobs.update(|all| {
                                if !all.iter().any(|j| j.id == job.id) {
                                    all.insert(0, job);
                                    all.truncate(50);
                                }
                            });
                            work_again();
                        },
                        move |open| connected.set(open),
                    );
                    if let Some(stream) = stream {
                        let stream = send_wrapper_hold(stream);
                        on_cleanup(move || drop(stream));
                    }
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    });
    again.set_value(Some(Callback::new(move |_: ()| work())));

    view! {
        <header class="mb-4 flex items-center justify-between gap-2">
            <div class="min-w-0">
                <p class="truncate text-sm font-semibold" data-testid="station-event">{station.event_name.clone()}</p>
                <p class="truncate text-xs text-slate-500">"Print station: "<span data-testid="print-station-name">{station.station_name.clone()}</span></p>
            </div>
            <span data-testid="station-connection"
                class=move || if connected.get() { "rounded-full bg-emerald-100 px-3 py-1 text-xs font-semibold text-emerald-800" } else { "rounded-full bg-red-100 px-3 py-1 text-xs font-semibold text-red-800" }>
                {move || if connected.get() { "Connected" } else { "Disconnected" }}
            </span>
        </header>
        {move || error.get().map(|e| view! { <p role="alert" class="mb-3 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">{e}</p> })}
        <p class="text-sm text-slate-600">"Badges sent from the phones print here. Keep this page open beside the printer."</p>
        <ul class="mt-4 space-y-2" data-testid="print-jobs">
            {move || {
                let all = jobs.get();
                if all.is_empty() {
                    view! { <li class="rounded-xl border-2 border-dashed border-slate-200 px-4 py-8 text-center text-sm text-slate-500">"Waiting for badges…"</li> }.into_any()
                } else {
                    all.into_iter().map(|j| view! {
                        <li class="flex items-center justify-between gap-2 rounded-xl bg-white px-4 py-3 ring-1 ring-slate-200" data-testid="print-job">
                            <span class="min-w-0">
                                <span class="block truncate text-sm font-medium">{j.attendee_name.clone()}</span>
                                <span class="block truncate text-xs text-slate-500">
                                    {j.badge.as_ref().map(|b| b.template.name.clone()).unwrap_or_default()}
                                    {j.error.clone().map(|e| format!(" · {e}"))}
                                </span>
                            </span>
                            <JobStatus status=j.status error=j.error.clone()/>
                        </li>
                    }).collect_view().into_any()
                }
            }}
        </ul>
        {move || last.get().map(|badge| view! {
            <div class="mt-6">
                <p class="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">"Last badge"</p>
                <div class="flex justify-center overflow-auto" data-testid="last-badge"><BadgeCard badge/></div>
            </div>
        })}
        <PrintArea badges=printing/>
    }
}

#[cfg(feature = "hydrate")]
fn send_wrapper_hold(stream: browser::Stream) -> send_wrapper::SendWrapper<browser::Stream> {
    send_wrapper::SendWrapper::new(stream)
}
#[cfg(not(feature = "hydrate"))]
fn send_wrapper_hold(stream: browser::Stream) -> browser::Stream {
    stream
}

/// Resolves a moment later, once the badge put in the print area has been laid out.
async fn next_frame() {
    #[cfg(feature = "hydrate")]
    {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}
