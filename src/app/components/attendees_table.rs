//! The Attendees table at the bottom of the event page: sorted by name, searchable by name,
//! email and company, one page of rows at a time.

use crate::api::attendees::{list_attendees, AttendeePage, PAGE_SIZE};
use crate::app::components::feedback::ErrorPanel;
use crate::app::components::format;
use crate::domain::AttendanceStatus;
use leptos::prelude::*;

#[component]
pub fn AttendeesTable(
    event_id: String,
    /// Changes when the event's attendees change (the live count), so the rows refresh.
    #[prop(into)]
    version: Signal<i64>,
) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(0i64);
    let rows = Resource::new(
        move || (event_id.clone(), search.get(), page.get(), version.get()),
        |(id, search, page, _)| list_attendees(id, search, page),
    );
    view! {
        <section class="mt-6 rounded-xl bg-white shadow-sm ring-1 ring-slate-200" aria-labelledby="attendees-title">
            <div class="flex flex-wrap items-center justify-between gap-3 border-b border-slate-100 p-4">
                <h2 id="attendees-title" class="font-semibold">"Attendees"</h2>
                <input type="search" placeholder="Search name, email or company" aria-label="Search attendees"
                    class="w-full rounded-lg border border-slate-300 px-3 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 sm:w-72"
                    prop:value=move || search.get()
                    on:input=move |ev| {
                        search.set(event_target_value(&ev));
                        page.set(0);
                    }/>
            </div>
            <Transition fallback=|| view! { <div class="h-40 animate-pulse bg-slate-50"></div> }>
                {move || Suspend::new(async move {
                    match rows.await {
                        Ok(result) => view! { <Rows result search=search.get_untracked() page/> }.into_any(),
                        Err(error) => view! { <div class="p-4"><ErrorPanel error/></div> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Rows(result: AttendeePage, search: String, page: RwSignal<i64>) -> impl IntoView {
    if result.rows.is_empty() {
        let message = if search.trim().is_empty() {
            "No attendees yet.".to_string()
        } else {
            format!("No attendees match “{}”.", search.trim())
        };
        return view! { <p class="px-4 py-10 text-center text-sm text-slate-500">{message}</p> }
            .into_any();
    }
    let first = result.page * PAGE_SIZE + 1;
    let last = first + result.rows.len() as i64 - 1;
    let has_next = last < result.matching;
    let has_previous = result.page > 0;
    let th = "px-4 py-2 text-left text-xs font-medium uppercase tracking-wide text-slate-500";
    view! {
        <div class="overflow-x-auto">
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
                    {result.rows.into_iter().map(|a| {
                        let attending = a.status == AttendanceStatus::Attending;
                        view! {
                            <tr class="hover:bg-slate-50">
                                <td class="whitespace-nowrap px-4 py-2 font-medium">
                                    {format!("{} {}", a.first_name, a.last_name)}
                                    {a.is_vip.then(|| view! { <span class="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-800">"VIP"</span> })}
                                </td>
                                <td class="whitespace-nowrap px-4 py-2 text-slate-600">{a.email.unwrap_or_default()}</td>
                                <td class="px-4 py-2 text-slate-600">{a.company.unwrap_or_default()}</td>
                                <td class="px-4 py-2 text-slate-600">{a.ticket_name.unwrap_or_default()}</td>
                                <td class="whitespace-nowrap px-4 py-2">
                                    {if attending {
                                        view! { <span class="text-emerald-700">"Attending"</span> }.into_any()
                                    } else {
                                        view! { <span class="text-slate-500">"Not attending"</span> }.into_any()
                                    }}
                                </td>
                                <td class="whitespace-nowrap px-4 py-2 text-slate-600">{a.checked_in_at.map(format::date_time).unwrap_or_default()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <div class="flex items-center justify-between gap-3 border-t border-slate-100 px-4 py-3 text-sm">
            <p class="text-slate-600" data-testid="attendees-range">{format!("Showing {first}–{last} of {}", result.matching)}</p>
            <div class="flex gap-2">
                <button type="button" disabled=!has_previous on:click=move |_| page.update(|p| *p -= 1)
                    class="rounded-lg px-3 py-1.5 font-medium ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-40">"Previous"</button>
                <button type="button" disabled=!has_next on:click=move |_| page.update(|p| *p += 1)
                    class="rounded-lg px-3 py-1.5 font-medium ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-40">"Next"</button>
            </div>
        </div>
    }
    .into_any()
}
