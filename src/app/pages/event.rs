use crate::api::events::{get_event, import_progress, RetryImport};
use crate::app::components::badges::SyncStatusBadge;
use crate::app::components::feedback::ErrorPanel;
use crate::app::components::format;
use crate::app::layout::use_session;
use crate::domain::Permission;
use crate::domain::SyncStatus;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn EventPage() -> impl IntoView {
    let params = use_params_map();
    let event_id = move || params.read().get("id").unwrap_or_default();
    let tick = RwSignal::new(0u32);
    let retry = ServerAction::<RetryImport>::new();
    let session = use_session();
    Effect::new(move || {
        if let Some(Ok(())) = retry.value().get() {
            tick.update(|t| *t += 1);
        }
    });
    let event = Resource::new(move || (event_id(), tick.get()), |(id, _)| get_event(id));
    let progress = Resource::new(
        move || (event_id(), tick.get()),
        |(id, _)| import_progress(id),
    );
    // While an import runs, refresh once a second (a pushed live feed replaces this later).
    Effect::new(move || {
        let pending =
            matches!(event.get(), Some(Ok(ref e)) if e.sync_status == SyncStatus::Pending);
        if pending {
            set_timeout(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_secs(1),
            );
        }
    });
    view! {
        <a href="/events" class="text-sm font-medium text-indigo-600 hover:text-indigo-500">"← Events"</a>
        <Transition fallback=|| view! { <div class="mt-4 h-24 animate-pulse rounded-xl bg-slate-200/60"></div> }>
            {move || Suspend::new(async move {
                let running = progress.await.ok().flatten();
                let can_retry = matches!(session.await, Ok(Some(ref s)) if s.role.can(Permission::RecoverEvents));
                match event.await {
                    Ok(event) if event.sync_status == SyncStatus::Pending => view! {
                        <Title text=event.name.clone()/>
                        <header class="mt-4">
                            <div class="flex flex-wrap items-center gap-3">
                                <h1 class="text-2xl font-semibold tracking-tight">{event.name.clone()}</h1>
                                <SyncStatusBadge status=event.sync_status/>
                            </div>
                        </header>
                        {match running {
                            Some((done, total)) => view! { <ImportProgress done total/> }.into_any(),
                            None => view! {
                                <div role="alert" class="mt-4 rounded-xl border border-amber-200 bg-amber-50 p-4">
                                    <p class="font-semibold text-amber-900">"Import failed"</p>
                                    <p class="mt-1 text-sm text-amber-800">"The initial import did not complete. An admin can start it again."</p>
                                    {can_retry.then(|| {
                                        let id = event.id.clone();
                                        view! {
                                            <button type="button" disabled=move || retry.pending().get()
                                                class="mt-3 rounded-lg bg-amber-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-amber-500 disabled:opacity-60"
                                                on:click=move |_| { retry.dispatch(RetryImport { event_id: id.clone() }); }>
                                                "Retry"
                                            </button>
                                        }
                                    })}
                                </div>
                            }.into_any(),
                        }}
                    }.into_any(),
                    Ok(event) => view! {
                        <Title text=event.name.clone()/>
                        <header class="mt-4 rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
                            <div class="flex flex-wrap items-center gap-3">
                                <h1 class="text-2xl font-semibold tracking-tight">{event.name.clone()}</h1>
                                <SyncStatusBadge status=event.sync_status/>
                            </div>
                            <p class="mt-1 text-sm text-slate-500">
                                {format::event_dates(event.starts_at, event.ends_at)} " · " {event.provider.label()}
                            </p>
                            <dl class="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-4">
                                <div>
                                    <dt class="text-xs font-medium uppercase tracking-wide text-slate-500">"Total Attendees"</dt>
                                    <dd class="mt-1 text-2xl font-semibold">{event.attendee_count}</dd>
                                </div>
                                <div>
                                    <dt class="text-xs font-medium uppercase tracking-wide text-slate-500">"Staff access code"</dt>
                                    <dd class="mt-1 font-mono text-2xl font-semibold tracking-widest">{event.access_code.clone()}</dd>
                                </div>
                            </dl>
                        </header>
                    }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorPanel error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ImportProgress(done: i64, total: Option<i64>) -> impl IntoView {
    let percent = total.filter(|t| *t > 0).map(|t| (done * 100 / t).min(100));
    view! {
        <section class="mt-4 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="import-progress">
            <h2 class="font-semibold">"Import in progress"</h2>
            <p class="mt-1 text-sm text-slate-600">
                <span data-testid="imported-count">{done}</span>
                {match total { Some(t) => format!(" of {t} attendees imported"), None => " attendees imported".to_string() }}
            </p>
            {percent.map(|p| view! {
                <div class="mt-4 h-2 w-full overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=p>
                    <div class="h-full rounded-full bg-indigo-600 transition-all" style=format!("width: {p}%")></div>
                </div>
            })}
        </section>
    }
}
