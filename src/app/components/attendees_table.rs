//! The Attendees table at the bottom of the event page: sorted by name, searchable by name,
//! email and company, one page of rows at a time.
//!
//! It is built once per page and keeps the desk's place: the search being typed, the page
//! turned to and the scroll position survive every live update. A change to the event's rows
//! (the live `revision`) refetches the page shown; rows are keyed by their whole content, so
//! an edited, cancelled or checked-in row is replaced where it stands and the others keep
//! their DOM nodes.

use crate::api::attendees::{list_attendees, AttendeePage, AttendeeRow, PAGE_SIZE};
use crate::app::components::feedback::ErrorPanel;
use crate::app::components::format;
use crate::domain::{AttendanceStatus, Provider};
use leptos::prelude::*;

/// How long typing must pause before the search is sent.
const SEARCH_DEBOUNCE_MS: u64 = 250;

#[component]
pub fn AttendeesTable(
    event_id: String,
    provider: Provider,
    /// Changes whenever any of the event's attendee rows change.
    #[prop(into)]
    revision: Signal<i64>,
) -> impl IntoView {
    // What the field holds, and the search last sent (after the typing paused).
    let typed = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(0i64);
    debounce(typed, search, page);
    let rows = Resource::new(
        move || (event_id.clone(), search.get(), page.get(), revision.get()),
        |(id, search, page, _)| list_attendees(id, search, page),
    );
    let loaded = move || rows.get().and_then(Result::ok);
    let failed = move || rows.get().and_then(Result::err);
    let empty = move || loaded().is_some_and(|p| p.rows.is_empty());
    let th = "px-4 py-2 text-left text-xs font-medium uppercase tracking-wide text-slate-500";
    view! {
        <section class="mt-6 rounded-xl bg-white shadow-sm ring-1 ring-slate-200" aria-labelledby="attendees-title">
            <div class="flex flex-wrap items-center justify-between gap-3 border-b border-slate-100 p-4">
                <h2 id="attendees-title" class="font-semibold">"Attendees"</h2>
                <input type="search" placeholder="Search name, email or company" aria-label="Search attendees"
                    class="w-full rounded-lg border border-slate-300 px-3 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 sm:w-72"
                    prop:value=move || typed.get()
                    on:input=move |ev| typed.set(event_target_value(&ev))/>
            </div>
            <Transition fallback=|| view! { <div class="h-40 animate-pulse bg-slate-50"></div> }>
                {move || failed().map(|error| view! { <div class="p-4"><ErrorPanel error/></div> })}
                {move || empty().then(|| {
                    let searched = search.get_untracked();
                    let message = if searched.trim().is_empty() {
                        "No attendees yet.".to_string()
                    } else {
                        format!("No attendees match “{}”.", searched.trim())
                    };
                    view! { <p class="px-4 py-10 text-center text-sm text-slate-500">{message}</p> }
                })}
                <div class="overflow-x-auto" class:hidden=move || loaded().is_none_or(|p| p.rows.is_empty())>
                    <table class="min-w-full divide-y divide-slate-100 text-sm" data-testid="attendees-table">
                        <thead class="bg-slate-50">
                            <tr>
                                <th class=th>"Name"</th>
                                <th class=th>"Email"</th>
                                <th class=th>"Company"</th>
                                <th class=th>"Ticket"</th>
                                <th class=th>"Status"</th>
                                <th class=th>"Checked in"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100">
                            <For each=move || loaded().map(|p| p.rows).unwrap_or_default()
                                key=|row| row.clone()
                                children=move |row| view! { <Row row provider/> }/>
                        </tbody>
                    </table>
                </div>
                {move || loaded().filter(|p| !p.rows.is_empty()).map(|p| view! { <Pager result=p page/> })}
            </Transition>
        </section>
    }
}

/// Sends `typed` to `search` once typing pauses (and goes back to the first page). In the
/// browser only: the server renders the empty search.
fn debounce(typed: RwSignal<String>, search: RwSignal<String>, page: RwSignal<i64>) {
    #[cfg(feature = "hydrate")]
    {
        let pending = StoredValue::new_local(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
        Effect::new(move |_| {
            let value = typed.get();
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            if value == search.get_untracked() {
                return;
            }
            let handle = leptos::leptos_dom::helpers::set_timeout_with_handle(
                move || {
                    search.set(value);
                    page.set(0);
                },
                std::time::Duration::from_millis(SEARCH_DEBOUNCE_MS),
            )
            .ok();
            pending.set_value(handle);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (typed, search, page, SEARCH_DEBOUNCE_MS);
}

#[component]
fn Row(row: AttendeeRow, provider: Provider) -> impl IntoView {
    let attending = row.status == AttendanceStatus::Attending;
    let name = format!("{} {}", row.first_name, row.last_name);
    // Lanyard's own check-in first; else the one made with the provider's own tools.
    let checked_in = match (row.checked_in_label, row.provider_checked_in_label) {
        (Some(at), _) => Some(view! { <span>{at}</span> }.into_any()),
        (None, Some(at)) => Some(view! {
            <span>{at}" "<span class="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{format!("via {}", provider.label())}</span></span>
        }.into_any()),
        (None, None) => None,
    };
    view! {
        <tr class="hover:bg-slate-50" data-testid="attendee-row">
            <td class="whitespace-nowrap px-4 py-2 font-medium">
                {name}
                {row.is_vip.then(|| view! { <span class="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-800">"VIP"</span> })}
            </td>
            <td class="whitespace-nowrap px-4 py-2 text-slate-600">{row.email.unwrap_or_default()}</td>
            <td class="px-4 py-2 text-slate-600">{row.company.unwrap_or_default()}</td>
            <td class="px-4 py-2 text-slate-600">{row.ticket_name.unwrap_or_default()}</td>
            <td class="whitespace-nowrap px-4 py-2">
                {if attending {
                    view! { <span class="text-emerald-700">"Attending"</span> }.into_any()
                } else {
                    view! { <span class="text-slate-500">"Not attending"</span> }.into_any()
                }}
                {row.provider_status.filter(|s| !attending && !s.is_empty()).map(|s| view! {
                    <span class="ml-1 text-xs text-slate-400">{format!("({s})")}</span>
                })}
            </td>
            <td class="whitespace-nowrap px-4 py-2 text-slate-600" data-testid="checked-in">{checked_in}</td>
        </tr>
    }
}

#[component]
fn Pager(result: AttendeePage, page: RwSignal<i64>) -> impl IntoView {
    let first = result.page * PAGE_SIZE + 1;
    let last = first + result.rows.len() as i64 - 1;
    let has_next = last < result.matching;
    let has_previous = result.page > 0;
    view! {
        <div class="flex items-center justify-between gap-3 border-t border-slate-100 px-4 py-3 text-sm">
            <p class="text-slate-600" data-testid="attendees-range">
                {format!("Showing {}–{} of {}", format::count(first), format::count(last), format::count(result.matching))}
            </p>
            <div class="flex gap-2">
                <button type="button" disabled=!has_previous on:click=move |_| page.update(|p| *p -= 1)
                    class="rounded-lg px-3 py-1.5 font-medium ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-40">"Previous"</button>
                <button type="button" disabled=!has_next on:click=move |_| page.update(|p| *p += 1)
                    class="rounded-lg px-3 py-1.5 font-medium ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-40">"Next"</button>
            </div>
        </div>
    }
}
