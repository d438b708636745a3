//! Check-ins per five minutes over the event day, drawn in the page as SVG (no chart service,
//! nothing loaded from elsewhere). Refetched whenever the event's attendees change.
//!
//! Loaded in the browser only, and made only once the page is running there: rendered on the
//! server beside the page's other resources, its async derived deadlocked the reactive
//! graph's locks under load (a worker thread parked in two RwLock writes, the whole server
//! stalled); made on the server as a local resource that never resolves there, it left the
//! page's stream cut short now and then (the desk benchmark's event page ended after 30 KiB of
//! its 94, with a chunk marked incomplete).

use crate::api::check_ins::{load_arrivals, Arrivals};
use leptos::prelude::*;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 120.0;

#[component]
pub fn ArrivalsChart(event_id: String, #[prop(into)] revision: Signal<i64>) -> impl IntoView {
    // Effects run only in the browser, after hydration: the server and the hydrating page
    // both show the placeholder, then the chart takes its place.
    let running = RwSignal::new(false);
    Effect::new(move |_| running.set(true));
    // Type-erased: the event page's view type is deep enough that one more nested `Show`
    // overflows the compiler's query depth in the browser build.
    view! {
        <Show when=move || running.get() fallback=Placeholder>
            <Chart event_id=event_id.clone() revision/>
        </Show>
    }
    .into_any()
}

#[component]
fn Chart(event_id: String, revision: Signal<i64>) -> impl IntoView {
    let data = LocalResource::new(move || {
        let _ = revision.get();
        load_arrivals(event_id.clone())
    });
    view! {
        <section class="mt-4 rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200" aria-labelledby="arrivals-title">
            <div class="flex items-baseline justify-between gap-3">
                <h2 id="arrivals-title" class="text-sm font-semibold">"Arrivals"</h2>
                <p class="text-xs text-slate-500" data-testid="arrivals-peak">
                    {move || data.get().and_then(Result::ok).and_then(|a| a.peak).map(|(slot, n)| format!("Busiest: {slot}, {n} check-ins"))}
                </p>
            </div>
            <Transition fallback=Placeholder>
                {move || data.get().map(|result| match result {
                    Ok(a) if a.slots.iter().any(|(_, n)| *n > 0) => view! { <Bars arrivals=a/> }.into_any(),
                    Ok(_) => view! { <p class="mt-2 text-sm text-slate-500">"No check-ins yet."</p> }.into_any(),
                    Err(error) => view! { <p class="mt-2 text-sm text-red-700">{error.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// Where the chart will be, while it is not yet made or loading.
#[component]
fn Placeholder() -> impl IntoView {
    view! { <div class="mt-2 h-28 animate-pulse rounded bg-slate-50"></div> }
}

#[component]
fn Bars(arrivals: Arrivals) -> impl IntoView {
    let Arrivals { slots, ticks, .. } = arrivals;
    let most = slots.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
    let step = WIDTH / slots.len().max(1) as f64;
    let first = slots.first().map(|(at, _)| *at).unwrap_or_default();
    let slot_ms = crate::domain::check_in::ARRIVALS_SLOT_MS as f64;
    let x_of = move |at: i64| (at - first) as f64 / slot_ms * step;
    let total: i64 = slots.iter().map(|(_, n)| n).sum();
    view! {
        <svg viewBox=format!("0 0 {WIDTH} {}", HEIGHT + 16.0) class="mt-2 h-32 w-full" role="img"
            aria-label=format!("Check-ins per five minutes: {total} in all") data-testid="arrivals-chart">
            {slots.into_iter().filter(|(_, n)| *n > 0).map(|(at, n)| {
                let h = (n as f64 / most * HEIGHT).max(1.0);
                view! {
                    <rect x=x_of(at) y=HEIGHT - h width=(step - 1.0).max(1.0) height=h rx="1" class="fill-indigo-500">
                        <title>{format!("{n} check-ins")}</title>
                    </rect>
                }
            }).collect_view()}
            <line x1="0" y1=HEIGHT x2=WIDTH y2=HEIGHT class="stroke-slate-200"/>
            {ticks.into_iter().map(|(at, label)| view! {
                <text x=x_of(at) y=HEIGHT + 12.0 class="fill-slate-400 text-[10px]">{label}</text>
            }).collect_view()}
        </svg>
    }
}
