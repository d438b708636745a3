//! The Attendees table at the bottom of the event page: the desk's list. Search in any word
//! order over name, email, company, ticket and barcode; filters and a sort; a check-in action
//! on every row; a barcode typed or scanned into the search (a USB scanner types it and
//! presses Enter) opens that attendee with check-in as the primary action.
//!
//! It is built once per page and keeps the desk's place: the search being typed, the filters,
//! the page turned to and the scroll position survive every live update. A change to the
//! event's rows (the live `revision`) refetches the page shown; rows are keyed by their whole
//! content, so an edited, cancelled or checked-in row is replaced where it stands and the
//! others keep their DOM nodes.

use crate::api::attendees::{
    list_attendees, AttendanceFilter, AttendeePage, AttendeeRow, AttendeeSort, CheckInFilter,
    PAGE_SIZE,
};
use crate::api::check_ins::{find_by_barcode, CheckIn, SetVip};
use crate::app::components::attendee_drawer::{
    new_nonce, report_check_ins, AttendeeDrawer, Selected,
};
use crate::app::components::feedback::ErrorPanel;
use crate::app::components::format;
use crate::domain::{AttendanceStatus, Provider};
use leptos::prelude::*;

/// How long typing must pause before the search is sent.
const SEARCH_DEBOUNCE_MS: u64 = 250;

/// What the signed-in member may do at the desk (the server checks again).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeskRights {
    pub check_in: bool,
    pub vip: bool,
    pub export: bool,
}

#[component]
pub fn AttendeesTable(
    event_id: String,
    provider: Provider,
    /// Changes whenever any of the event's attendee rows change.
    #[prop(into)]
    revision: Signal<i64>,
    rights: DeskRights,
    /// Where the table reports what an action did ("Checked in Jane Smith").
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    // What the field holds, and the search last sent (after the typing paused).
    let typed = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(0i64);
    let attendance = RwSignal::new(AttendanceFilter::All);
    let check_in_filter = RwSignal::new(CheckInFilter::All);
    let vip_only = RwSignal::new(false);
    let sort = RwSignal::new(AttendeeSort::Name);
    debounce(typed, search, page);
    let list_event = event_id.clone();
    let rows = Resource::new(
        move || {
            (
                list_event.clone(),
                search.get(),
                page.get(),
                (
                    attendance.get(),
                    vip_only.get(),
                    check_in_filter.get(),
                    sort.get(),
                ),
                revision.get(),
            )
        },
        |(id, search, page, (attendance, vip, checked, sort), _)| {
            list_attendees(
                id,
                search,
                page,
                Some(attendance),
                Some(vip),
                Some(checked),
                Some(sort),
            )
        },
    );
    let selected = RwSignal::new(None::<Selected>);
    // A barcode typed or scanned, then Enter: exactly one match opens it, ready to check in.
    let scan_event = event_id.clone();
    let scan = Action::new(move |code: &String| find_by_barcode(scan_event.clone(), code.clone()));
    Effect::new(move || {
        if let Some(result) = scan.value().get() {
            match result {
                Ok(Some(row)) => selected.set(Some(Selected {
                    attendee_id: row.id,
                    scanned: true,
                })),
                Ok(None) => {}
                Err(error) => notice.set(Some(error.to_string())),
            }
        }
    });
    let check_in = ServerAction::<CheckIn>::new();
    let set_vip = ServerAction::<SetVip>::new();
    report_check_ins(check_in, notice);
    Effect::new(move || {
        if let Some(Err(error)) = set_vip.value().get() {
            notice.set(Some(error.to_string()));
        }
    });
    let loaded = move || rows.get().and_then(Result::ok);
    let failed = move || rows.get().and_then(Result::err);
    let empty = move || loaded().is_some_and(|p| p.rows.is_empty());
    let th = "px-4 py-2 text-left text-xs font-medium uppercase tracking-wide text-slate-500";
    let select = "rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
    let export_href = format!("/events/{event_id}/attendees.csv");
    let drawer_event = event_id.clone();
    let row_event = StoredValue::new(event_id.clone());
    view! {
        <section class="mt-6 rounded-xl bg-white shadow-sm ring-1 ring-slate-200" aria-labelledby="attendees-title">
            <div class="flex flex-wrap items-center gap-3 border-b border-slate-100 p-4">
                <h2 id="attendees-title" class="mr-auto font-semibold">"Attendees"</h2>
                {rights.export.then(|| view! {
                    <a href=export_href.clone() download data-testid="export-csv" rel="external"
                        class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50">
                        "Export CSV"
                    </a>
                })}
                <input type="search" placeholder="Search name, email, company, ticket or barcode" aria-label="Search attendees"
                    class="w-full rounded-lg border border-slate-300 px-3 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 sm:w-80"
                    prop:value=move || typed.get()
                    on:input=move |ev| typed.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            let code = typed.get_untracked().trim().to_string();
                            if !code.is_empty() {
                                scan.dispatch(code);
                            }
                        }
                    }/>
            </div>
            <div class="flex flex-wrap items-center gap-3 border-b border-slate-100 px-4 py-2 text-sm">
                <label class="flex items-center gap-2 text-slate-600">"Attendance"
                    <select class=select aria-label="Attendance filter"
                        on:change=move |ev| {
                            attendance.set(match event_target_value(&ev).as_str() {
                                "attending" => AttendanceFilter::Attending,
                                "not-attending" => AttendanceFilter::NotAttending,
                                _ => AttendanceFilter::All,
                            });
                            page.set(0);
                        }>
                        <option value="all">"All"</option>
                        <option value="attending">"Attending"</option>
                        <option value="not-attending">"Not attending"</option>
                    </select>
                </label>
                <label class="flex items-center gap-2 text-slate-600">"Check-in"
                    <select class=select aria-label="Check-in filter"
                        on:change=move |ev| {
                            check_in_filter.set(match event_target_value(&ev).as_str() {
                                "in" => CheckInFilter::CheckedIn,
                                "not-yet" => CheckInFilter::NotYet,
                                _ => CheckInFilter::All,
                            });
                            page.set(0);
                        }>
                        <option value="all">"All"</option>
                        <option value="in">"Checked in"</option>
                        <option value="not-yet">"Not yet"</option>
                    </select>
                </label>
                <label class="flex items-center gap-2 text-slate-600">
                    <input type="checkbox" class="h-4 w-4 rounded border-slate-300 text-indigo-600"
                        prop:checked=move || vip_only.get()
                        on:change=move |ev| { vip_only.set(event_target_checked(&ev)); page.set(0); }/>
                    "VIP only"
                </label>
                <label class="ml-auto flex items-center gap-2 text-slate-600">"Sort"
                    <select class=select aria-label="Sort attendees"
                        on:change=move |ev| {
                            sort.set(match event_target_value(&ev).as_str() {
                                "recent" => AttendeeSort::RecentCheckIns,
                                "ticket" => AttendeeSort::Ticket,
                                _ => AttendeeSort::Name,
                            });
                            page.set(0);
                        }>
                        <option value="name">"Name"</option>
                        <option value="recent">"Latest check-ins"</option>
                        <option value="ticket">"Ticket"</option>
                    </select>
                </label>
            </div>
            <Transition fallback=|| view! { <div class="h-40 animate-pulse bg-slate-50"></div> }>
                {move || failed().map(|error| view! { <div class="p-4"><ErrorPanel error/></div> })}
                {move || empty().then(|| {
                    let searched = search.get_untracked();
                    let message = if searched.trim().is_empty() {
                        "No attendees match these filters.".to_string()
                    } else {
                        format!("No attendees match “{}”.", searched.trim())
                    };
                    view! { <p class="px-4 py-10 text-center text-sm text-slate-500" data-testid="attendees-empty">{message}</p> }
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
                                <th class=th><span class="sr-only">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100">
                            <For each=move || loaded().map(|p| p.rows).unwrap_or_default()
                                key=|row| row.clone()
                                children=move |row| view! {
                                    <Row row provider rights event_id=row_event.get_value() selected check_in set_vip/>
                                }/>
                        </tbody>
                    </table>
                </div>
                {move || loaded().filter(|p| !p.rows.is_empty()).map(|p| view! { <Pager result=p page/> })}
            </Transition>
        </section>
        {move || selected.get().map(|chosen| view! {
            <AttendeeDrawer event_id=drawer_event.clone() chosen provider rights revision notice
                on_close=move || selected.set(None)/>
        })}
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
fn Row(
    row: AttendeeRow,
    provider: Provider,
    rights: DeskRights,
    event_id: String,
    selected: RwSignal<Option<Selected>>,
    check_in: ServerAction<CheckIn>,
    set_vip: ServerAction<SetVip>,
) -> impl IntoView {
    let attending = row.status == AttendanceStatus::Attending;
    let name = format!("{} {}", row.first_name, row.last_name);
    let checked_in = view! { <CheckedInCell row=row.clone() provider/> };
    let id = row.id.clone();
    let open = move |_| {
        selected.set(Some(Selected {
            attendee_id: id.clone(),
            scanned: false,
        }))
    };
    let is_checked_in = row.checked_in_at.is_some() || row.provider_checked_in_at.is_some();
    let action = (rights.check_in && !is_checked_in).then(|| {
        let (event_id, attendee_id) = (event_id.clone(), row.id.clone());
        let label = if attending { "Check in" } else { "Force Check In" };
        let style = if attending {
            "rounded-lg bg-indigo-600 px-3 py-1 text-xs font-semibold text-white hover:bg-indigo-500"
        } else {
            "rounded-lg bg-amber-600 px-3 py-1 text-xs font-semibold text-white hover:bg-amber-500"
        };
        view! {
            <button type="button" class=style aria-label=format!("{label} {name}")
                on:click=move |_| {
                    check_in.dispatch(CheckIn {
                        event_id: event_id.clone(),
                        attendee_id: attendee_id.clone(),
                        nonce: new_nonce(),
                        force: !attending,
                    });
                }>
                {label}
            </button>
        }
    });
    let vip_toggle = rights.vip.then(|| {
        let (event_id, attendee_id, vip) = (event_id.clone(), row.id.clone(), row.is_vip);
        view! {
            <button type="button" aria-pressed=vip.to_string() data-testid="vip-toggle"
                title=if vip { "Remove VIP" } else { "Mark as VIP" }
                class=if vip { "rounded-lg px-2 py-1 text-xs font-semibold text-amber-700 ring-1 ring-amber-300 bg-amber-50" } else { "rounded-lg px-2 py-1 text-xs font-semibold text-slate-500 ring-1 ring-slate-300 hover:bg-slate-50" }
                on:click=move |_| {
                    set_vip.dispatch(SetVip { event_id: event_id.clone(), attendee_id: attendee_id.clone(), vip: !vip });
                }>
                "★ VIP"
            </button>
        }
    });
    view! {
        <tr class="hover:bg-slate-50" data-testid="attendee-row">
            <td class="whitespace-nowrap px-4 py-2 font-medium">
                <button type="button" class="text-left hover:text-indigo-700 hover:underline" on:click=open>{name.clone()}</button>
                {row.is_vip.then(|| view! { <span class="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-800" data-testid="vip-badge">"VIP"</span> })}
            </td>
            <td class="whitespace-nowrap px-4 py-2 text-slate-600">{row.email.clone().unwrap_or_default()}</td>
            <td class="px-4 py-2 text-slate-600">{row.company.clone().unwrap_or_default()}</td>
            <td class="px-4 py-2 text-slate-600">{row.ticket_name.clone().unwrap_or_default()}</td>
            <td class="whitespace-nowrap px-4 py-2">
                {if attending {
                    view! { <span class="text-emerald-700">"Attending"</span> }.into_any()
                } else {
                    view! { <span class="text-slate-500">"Not attending"</span> }.into_any()
                }}
                {row.provider_status.clone().filter(|s| !attending && !s.is_empty()).map(|s| view! {
                    <span class="ml-1 text-xs text-slate-400">{format!("({s})")}</span>
                })}
            </td>
            <td class="whitespace-nowrap px-4 py-2 text-slate-600" data-testid="checked-in">{checked_in}</td>
            <td class="whitespace-nowrap px-4 py-2 text-right">
                <div class="flex items-center justify-end gap-2">{vip_toggle}{action}</div>
            </td>
        </tr>
    }
}

/// Lanyard's own check-in first (when and by whom); else the one made with the provider's
/// own tools, marked as such.
#[component]
pub fn CheckedInCell(row: AttendeeRow, provider: Provider) -> impl IntoView {
    match (row.checked_in_label, row.provider_checked_in_label) {
        (Some(at), _) => Some(
            view! {
                <span class="inline-flex items-center gap-1.5">
                    <span class="h-2 w-2 rounded-full bg-emerald-500" aria-hidden="true"></span>
                    <span>{at}</span>
                    {row.checked_in_by.map(|by| view! { <span class="text-xs text-slate-400">{format!("by {by}")}</span> })}
                </span>
            }
            .into_any(),
        ),
        (None, Some(at)) => Some(
            view! {
                <span>{at}" "<span class="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{format!("via {}", provider.label())}</span></span>
            }
            .into_any(),
        ),
        (None, None) => None,
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
                {format!("Showing {}–{} of {}{}", format::count(first), format::count(last), if result.more { "more than " } else { "" }, format::count(result.matching))}
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
