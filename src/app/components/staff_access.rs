//! The event's Staff Access card: the code that opens a check-in station, as text to read
//! out or copy and as a QR code of the station link to scan; admins rotate it.

use crate::api::events::{get_staff_access, RotateAccessCode};
use crate::app::components::copy_button::CopyButton;
use crate::app::components::feedback::ErrorPanel;
use leptos::prelude::*;

#[component]
pub fn StaffAccessCard(
    event_id: String,
    can_rotate: bool,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let rotate = ServerAction::<RotateAccessCode>::new();
    let confirming = RwSignal::new(false);
    let card = Resource::new(move || (), {
        let event_id = event_id.clone();
        move |_| get_staff_access(event_id.clone())
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = rotate.value().get() {
            notice.set(Some("Staff access code rotated".to_string()));
        }
    });
    let rotate_controls = move || {
        can_rotate.then(|| {
            let event_id = event_id.clone();
            view! {
                <div class="mt-4">
                    <Show when=move || confirming.get()
                        fallback=move || view! {
                            <button type="button" class="text-sm font-medium text-indigo-600 hover:text-indigo-500"
                                on:click=move |_| confirming.set(true)>"Rotate code"</button>
                        }>
                        {
                            let event_id = event_id.clone();
                            view! {
                                <div class="rounded-lg bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200" role="alert">
                                    <p>"Rotate the code? The current one stops working at once: stations opened with it will need the new one."</p>
                                    <div class="mt-2 flex gap-2">
                                        <button type="button" disabled=move || rotate.pending().get()
                                            class="rounded-lg bg-amber-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-amber-500 disabled:opacity-60"
                                            on:click=move |_| {
                                                rotate.dispatch(RotateAccessCode { event_id: event_id.clone() });
                                                confirming.set(false);
                                            }>"Rotate"</button>
                                        <button type="button" on:click=move |_| confirming.set(false)
                                            class="rounded-lg bg-white px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50">"Cancel"</button>
                                    </div>
                                </div>
                            }
                        }
                    </Show>
                    {move || rotate.value().get().and_then(|r| r.err()).map(|error| view! {
                        <div class="mt-2"><ErrorPanel error/></div>
                    })}
                </div>
            }
        })
    };
    view! {
        <section class="mt-4 rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200" data-testid="staff-access">
            <Transition fallback=|| view! { <div class="h-44 animate-pulse rounded-lg bg-slate-100"></div> }>
                {move || Suspend::new(async move {
                    // A rotation answers with the new card: shown without asking again.
                    let access = match rotate.value().get() {
                        Some(Ok(rotated)) => Ok(rotated),
                        _ => card.await,
                    };
                    match access {
                        Ok(access) => view! {
                            <div class="flex flex-wrap items-start gap-5">
                                <div class="h-44 w-44 shrink-0 [&>svg]:h-full [&>svg]:w-full" role="img"
                                    aria-label=format!("QR code of the station link {}", access.link)
                                    data-testid="staff-access-qr" inner_html=access.qr_svg></div>
                                <div class="min-w-0 flex-1">
                                    <h2 class="font-semibold">"Staff Access"</h2>
                                    <p class="mt-1 text-sm text-slate-600">"Enter at /staff or scan QR"</p>
                                    <div class="mt-3 flex flex-wrap items-center gap-2">
                                        <code class="rounded-lg bg-slate-100 px-3 py-1.5 font-mono text-2xl font-semibold tracking-widest text-slate-900"
                                            data-testid="staff-access-code">{access.code.clone()}</code>
                                        <CopyButton text=access.code/>
                                    </div>
                                    <p class="mt-2 break-all text-xs text-slate-500" data-testid="staff-access-link">{access.link}</p>
                                </div>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
            {rotate_controls}
        </section>
    }
    // Erased: the event page's view type is already deeper than the default limit (lib.rs).
    .into_any()
}
