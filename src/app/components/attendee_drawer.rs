//! One attendee, opened from the table or by a scanned barcode: every field, the check-in
//! action (primary, and focused when a scan opened it), undo with a reason, the VIP flag,
//! and the attendee's history (check-ins and undos: who, when, where; sync changes).

use crate::api::check_ins::{
    load_attendee, AttendeeDetail, CheckIn, CheckInOutcome, SetVip, UndoCheckIn,
};
use crate::app::components::attendees_table::{CheckedInCell, DeskRights};
use crate::app::components::feedback::ErrorPanel;
use crate::domain::{AttendanceStatus, Provider};
use leptos::prelude::*;

/// The attendee the drawer shows, and whether a scan opened it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selected {
    pub attendee_id: String,
    pub scanned: bool,
}

/// A fresh request id for one check-in attempt (see `domain::check_in::valid_nonce`).
pub fn new_nonce() -> String {
    #[cfg(feature = "hydrate")]
    {
        let random = || (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
        format!(
            "{:x}-{:08x}-{:08x}",
            js_sys::Date::now() as u64,
            random(),
            random()
        )
    }
    // Check-ins are only ever sent from the browser.
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

/// Tells the desk what each check-in did: "Checked in Jane Smith", "Already checked in at
/// 9:14 by Sam Staff", or why it was refused.
pub fn report_check_ins(check_in: ServerAction<CheckIn>, notice: RwSignal<Option<String>>) {
    Effect::new(move || match check_in.value().get() {
        Some(Ok(answer)) => notice.set(Some(match answer.outcome {
            CheckInOutcome::CheckedIn => format!(
                "Checked in {} {}",
                answer.attendee.first_name, answer.attendee.last_name
            ),
            CheckInOutcome::AlreadyCheckedIn(message) => message,
        })),
        Some(Err(error)) => notice.set(Some(error.to_string())),
        None => {}
    });
}

#[component]
pub fn AttendeeDrawer(
    event_id: String,
    chosen: Selected,
    provider: Provider,
    rights: DeskRights,
    #[prop(into)] revision: Signal<i64>,
    notice: RwSignal<Option<String>>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let Selected {
        attendee_id,
        scanned,
    } = chosen;
    let check_in = ServerAction::<CheckIn>::new();
    let undo = ServerAction::<UndoCheckIn>::new();
    let set_vip = ServerAction::<SetVip>::new();
    // Refetched on the event's live revision and after this drawer's own actions.
    let versions = move || {
        (
            revision.get(),
            check_in.version().get(),
            undo.version().get(),
            set_vip.version().get(),
        )
    };
    let (detail_event, detail_attendee) = (event_id.clone(), attendee_id.clone());
    let detail = Resource::new(versions, move |_| {
        load_attendee(detail_event.clone(), detail_attendee.clone())
    });
    report_check_ins(check_in, notice);
    Effect::new(move || match undo.value().get() {
        Some(Ok(row)) => notice.set(Some(format!(
            "Check-in undone for {} {}",
            row.first_name, row.last_name
        ))),
        Some(Err(error)) => notice.set(Some(error.to_string())),
        None => {}
    });
    let close = on_close.clone();
    let escape = on_close.clone();
    let body_close = on_close;
    view! {
        <div class="fixed inset-0 z-40 flex justify-end bg-slate-900/30" on:click=move |_| close()>
            <aside role="dialog" aria-modal="true" aria-labelledby="attendee-title" data-testid="attendee-drawer"
                class="h-full w-full max-w-md overflow-y-auto bg-white p-6 shadow-xl"
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| if ev.key() == "Escape" { escape() }>
                <Transition fallback=|| view! { <div class="h-40 animate-pulse rounded-xl bg-slate-100"></div> }>
                    {
                        let (event_id, attendee_id, on_close) = (event_id.clone(), attendee_id.clone(), body_close.clone());
                        move || {
                            let (event_id, attendee_id, on_close) = (event_id.clone(), attendee_id.clone(), on_close.clone());
                            Suspend::new(async move {
                                match detail.await {
                                    Ok(d) => view! {
                                        <DrawerBody detail=d event_id attendee_id provider rights scanned
                                            check_in undo set_vip on_close/>
                                    }.into_any(),
                                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                                }
                            })
                        }
                    }
                </Transition>
            </aside>
        </div>
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn DrawerBody(
    detail: AttendeeDetail,
    event_id: String,
    attendee_id: String,
    provider: Provider,
    rights: DeskRights,
    scanned: bool,
    check_in: ServerAction<CheckIn>,
    undo: ServerAction<UndoCheckIn>,
    set_vip: ServerAction<SetVip>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let AttendeeDetail {
        attendee: a,
        history,
        can_undo,
    } = detail;
    let attending = a.status == AttendanceStatus::Attending;
    let name = format!("{} {}", a.first_name, a.last_name);
    let field = |label: &'static str, value: Option<String>| {
        view! {
            <div class="py-2 sm:grid sm:grid-cols-3 sm:gap-4">
                <dt class="text-sm font-medium text-slate-500">{label}</dt>
                <dd class="mt-1 text-sm text-slate-900 sm:col-span-2 sm:mt-0">{value.unwrap_or_else(|| "—".to_string())}</dd>
            </div>
        }
    };
    let primary = NodeRef::<leptos::html::Button>::new();
    // A scan opened this drawer: Enter (or the scanner's next code) checks them in.
    // After the frame that attaches the drawer: focusing a node still being mounted does nothing.
    Effect::new(move || {
        if let Some(button) = primary.get().filter(|_| scanned) {
            request_animation_frame(move || {
                let _ = button.focus();
            });
        }
    });
    let lanyard_checked_in = a.checked_in_at.is_some();
    let provider_checked_in = a.provider_checked_in_at.is_some();
    let action = if !rights.check_in {
        None
    } else if !lanyard_checked_in && !provider_checked_in {
        let (event_id, attendee_id) = (event_id.clone(), attendee_id.clone());
        let label = if attending {
            "Check in"
        } else {
            "Force Check In"
        };
        Some(view! {
            <div class="mt-4">
                {(!attending).then(|| view! { <p class="mb-2 text-sm text-amber-800">"Marked not attending at the provider."</p> })}
                <button type="button" node_ref=primary data-testid="drawer-check-in"
                    disabled=move || check_in.pending().get()
                    class=if attending { "w-full rounded-lg bg-indigo-600 px-4 py-3 text-base font-semibold text-white hover:bg-indigo-500 disabled:opacity-60" } else { "w-full rounded-lg bg-amber-600 px-4 py-3 text-base font-semibold text-white hover:bg-amber-500 disabled:opacity-60" }
                    on:click=move |_| {
                        check_in.dispatch(CheckIn {
                            event_id: event_id.clone(),
                            attendee_id: attendee_id.clone(),
                            nonce: super::attendee_drawer::new_nonce(),
                            force: !attending,
                        });
                    }>
                    {label}
                </button>
            </div>
        }.into_any())
    } else if lanyard_checked_in && can_undo {
        let (event_id, attendee_id) = (event_id.clone(), attendee_id.clone());
        let reason = RwSignal::new(String::new());
        Some(view! {
            <div class="mt-4 rounded-lg bg-slate-50 p-3">
                <label class="block text-sm font-medium text-slate-700">"Reason (optional)"
                    <input type="text" maxlength="200" class="mt-1 block w-full rounded-lg border border-slate-300 px-3 py-1.5 text-sm"
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                </label>
                <button type="button" class="mt-2 rounded-lg px-3 py-1.5 text-sm font-semibold text-red-700 ring-1 ring-red-300 hover:bg-red-50"
                    disabled=move || undo.pending().get()
                    on:click=move |_| {
                        undo.dispatch(UndoCheckIn {
                            event_id: event_id.clone(),
                            attendee_id: attendee_id.clone(),
                            reason: reason.get_untracked(),
                        });
                    }>
                    "Undo check-in"
                </button>
            </div>
        }.into_any())
    } else if provider_checked_in && !lanyard_checked_in {
        Some(view! {
            <p class="mt-4 text-sm text-slate-600">{format!("Checked in with {}'s own tools; Lanyard does not undo it.", provider.label())}</p>
        }.into_any())
    } else {
        None
    };
    let vip = rights.vip.then(|| {
        let (event_id, attendee_id, is_vip) = (event_id.clone(), attendee_id.clone(), a.is_vip);
        view! {
            <label class="mt-4 flex items-center gap-2 text-sm font-medium text-slate-700">
                <input type="checkbox" class="h-4 w-4 rounded border-slate-300 text-amber-600" prop:checked=is_vip
                    data-testid="drawer-vip"
                    on:change=move |ev| {
                        set_vip.dispatch(SetVip { event_id: event_id.clone(), attendee_id: attendee_id.clone(), vip: event_target_checked(&ev) });
                    }/>
                "VIP"
            </label>
        }
    });
    view! {
        <div class="flex items-start justify-between gap-3">
            <div>
                <h2 id="attendee-title" class="text-xl font-semibold">{name}</h2>
                {a.is_vip.then(|| view! { <span class="mt-1 inline-block rounded bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-800">"VIP"</span> })}
            </div>
            <button type="button" class="rounded-lg px-2 py-1 text-sm text-slate-500 hover:bg-slate-100" on:click=move |_| on_close()>"Close"</button>
        </div>
        <dl class="mt-4 divide-y divide-slate-100">
            {field("Email", a.email.clone())}
            {field("Company", a.company.clone())}
            {field("Job title", a.job_title.clone())}
            {field("Ticket", a.ticket_name.clone())}
            {field("Barcode", a.barcode.clone())}
            {field("Status", Some(if attending { "Attending".to_string() } else { "Not attending".to_string() }))}
            <div class="py-2 sm:grid sm:grid-cols-3 sm:gap-4">
                <dt class="text-sm font-medium text-slate-500">"Checked in"</dt>
                <dd class="mt-1 text-sm text-slate-900 sm:col-span-2 sm:mt-0" data-testid="drawer-checked-in">
                    <CheckedInCell row=a.clone() provider/>
                    {(!lanyard_checked_in && !provider_checked_in).then_some("Not yet")}
                </dd>
            </div>
        </dl>
        {action}
        {vip}
        {rights.check_in.then(|| view! { <PrintBadgeButton event_id=event_id.clone() attendee_id=attendee_id.clone()
            reprint=lanyard_checked_in || provider_checked_in/> })}
        <h3 class="mt-6 text-sm font-semibold text-slate-900">"History"</h3>
        <ol class="mt-2 space-y-3" data-testid="attendee-history">
            {history.into_iter().map(|h| view! {
                <li class="border-l-2 border-slate-200 pl-3 text-sm">
                    <p class="font-medium text-slate-800">{h.what.clone()}</p>
                    <p class="text-xs text-slate-500">
                        {h.at_label.clone()}
                        {h.who.clone().map(|w| format!(" · {w}"))}
                        {h.place.clone().map(|p| format!(" · {p}"))}
                    </p>
                    {h.detail.clone().map(|d| view! { <p class="text-xs text-slate-600">{d}</p> })}
                </li>
            }).collect_view()}
        </ol>
    }
}

/// Prints (or reprints) the attendee's badge from this browser: the template their ticket
/// name picks, one page at the label's size.
#[component]
fn PrintBadgeButton(event_id: String, attendee_id: String, reprint: bool) -> impl IntoView {
    use crate::app::components::badge::{print_now, PrintArea};
    let badges = RwSignal::new(Vec::new());
    let problem = RwSignal::new(None::<String>);
    let print = move |_| {
        let (event_id, attendee_id) = (event_id.clone(), attendee_id.clone());
        leptos::task::spawn_local(async move {
            match crate::api::badges::attendee_badge(event_id, attendee_id).await {
                Ok(badge) => {
                    badges.set(vec![badge]);
                    // Printed on the next frame, once the badge is in the print area.
                    request_animation_frame(move || {
                        if let Err(why) = print_now() {
                            problem.set(Some(why));
                        }
                    });
                }
                Err(e) => problem.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <button type="button" data-testid="drawer-print-badge" on:click=print
            class="mt-3 rounded-lg px-3 py-1.5 text-sm font-semibold text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50">
            {if reprint { "Reprint badge" } else { "Print badge" }}
        </button>
        {move || problem.get().map(|p| view! { <p role="alert" class="mt-1 text-sm text-red-700">{p}</p> })}
        <PrintArea badges/>
    }
}
