//! Opening a staff station: `/staff` asks for the event's access code (the deep link
//! `/staff/<code>` skips it), then `/station` asks the station's name once and offers the
//! two modes. None of these pages needs an account.

use crate::api::station::{current_station, CloseStation, NameStation, OpenStation, StationInfo};
use crate::app::components::feedback::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::use_query_map;

pub const INPUT: &str = "block w-full rounded-lg border-0 px-3 py-2 text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600";
pub const PRIMARY: &str = "flex w-full items-center justify-center rounded-xl bg-indigo-600 px-4 py-3 text-base font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60";

/// The station pages' frame: phone width first, no navigation of the signed-in app.
#[component]
pub fn StationFrame(children: Children) -> impl IntoView {
    view! {
        <div class="min-h-full bg-slate-50">
            <div class="mx-auto w-full max-w-lg px-4 py-4 sm:py-8">{children()}</div>
        </div>
    }
}

#[component]
fn Brand() -> impl IntoView {
    view! {
        <div class="mb-6 flex items-center justify-center gap-2">
            <span class="flex h-9 w-9 items-center justify-center rounded-xl bg-indigo-600 text-base font-bold text-white">"L"</span>
            <span class="text-xl font-semibold tracking-tight">"Lanyard Staff"</span>
        </div>
    }
}

#[component]
pub fn StaffEntryPage() -> impl IntoView {
    let open = ServerAction::<OpenStation>::new();
    let code = RwSignal::new(String::new());
    let query = use_query_map();
    let from_link = move || match query.read().get("error").as_deref() {
        Some("wrong") => Some("That code does not open any event. Check it and try again."),
        Some("refused") => {
            Some("Too many wrong codes from this network. Wait a few minutes and try again.")
        }
        _ => None,
    };
    let error = move || match open.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        Some(Ok(_)) => None,
        None => from_link().map(str::to_string),
    };
    view! {
        <Title text="Staff station"/>
        <StationFrame>
            <div class="pt-10">
                <Brand/>
                <div class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
                    <h1 class="text-lg font-semibold">"Open a check-in station"</h1>
                    <p class="mt-1 text-sm text-slate-500">"Enter the event's 6-character staff access code, or scan the QR code on the event page."</p>
                    <ActionForm action=open attr:class="mt-5 space-y-4">
                        <label class="block">
                            <span class="text-sm font-medium text-slate-700">"Staff access code"</span>
                            <input name="code" data-testid="access-code-input" required maxlength="6"
                                autocomplete="off" autocapitalize="characters" spellcheck="false" autofocus
                                class=format!("{INPUT} mt-1 text-center font-mono text-2xl uppercase tracking-[0.4em]")
                                prop:value=move || code.get()
                                on:input=move |ev| code.set(event_target_value(&ev).to_uppercase())/>
                        </label>
                        {move || error().map(|e| view! {
                            <p role="alert" class="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">{e}</p>
                        })}
                        <button type="submit" class=PRIMARY disabled=move || open.pending().get()>
                            {move || if open.pending().get() { "Opening…" } else { "Open station" }}
                        </button>
                    </ActionForm>
                </div>
            </div>
        </StationFrame>
    }
}

/// `/station`: the name prompt until the station has a name, then the mode picker.
#[component]
pub fn StationHomePage() -> impl IntoView {
    let info = Resource::new(|| (), |_| current_station());
    view! {
        <Title text="Staff station"/>
        <StationFrame>
            <Brand/>
            <Suspense fallback=|| view! { <div class="h-40 animate-pulse rounded-2xl bg-slate-200/60"></div> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(Some(station)) if station.station_name.is_none() => {
                            view! { <NameStationForm station on_named=move || info.refetch()/> }.into_any()
                        }
                        Ok(Some(station)) => view! { <ModePicker station on_rename=move || info.refetch()/> }.into_any(),
                        Ok(None) => view! { <Closed/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Suspense>
        </StationFrame>
    }
}

/// A mode's page for the open, named station: `/station` first while it has no name, Closed
/// when its session ended.
#[component]
pub fn NamedStation(title: &'static str, page: fn(StationInfo) -> AnyView) -> impl IntoView {
    let info = Resource::new(|| (), |_| current_station());
    view! {
        <Title text=title/>
        <StationFrame>
            <Suspense fallback=|| view! { <div class="h-40 animate-pulse rounded-2xl bg-slate-200/60"></div> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(Some(station)) if station.station_name.is_some() => page(station),
                        Ok(Some(_)) => view! { <Redirect path="/station"/> }.into_any(),
                        Ok(None) => view! { <Closed/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Suspense>
        </StationFrame>
    }
}

/// A station whose session ended (never opened, or the code was rotated).
#[component]
pub fn Closed() -> impl IntoView {
    view! {
        <div class="rounded-2xl bg-white p-6 text-center shadow-sm ring-1 ring-slate-200" data-testid="station-closed">
            <h1 class="text-lg font-semibold">"This station is closed"</h1>
            <p class="mt-1 text-sm text-slate-500">"Open it again with the event's current staff access code."</p>
            <a href="/staff" class=format!("{PRIMARY} mt-5")>"Enter code"</a>
        </div>
    }
}

#[component]
fn NameStationForm(
    station: StationInfo,
    on_named: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let name = ServerAction::<NameStation>::new();
    Effect::new(move || {
        if let Some(Ok(_)) = name.value().get() {
            on_named();
        }
    });
    view! {
        <div class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <p class="text-sm font-medium text-indigo-700">{station.event_name.clone()}</p>
            <h1 class="mt-1 text-lg font-semibold">"Name this station"</h1>
            <p class="mt-1 text-sm text-slate-500">"The name is recorded with each check-in made here."</p>
            <ActionForm action=name attr:class="mt-5 space-y-4">
                <input name="name" required maxlength="40" placeholder="Door 2" data-testid="station-name-input" autofocus class=INPUT/>
                {move || name.value().get().and_then(|r| r.err()).map(|e| view! {
                    <p role="alert" class="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">{e.to_string()}</p>
                })}
                <button type="submit" class=PRIMARY>"Continue"</button>
            </ActionForm>
        </div>
    }
}

#[component]
fn ModePicker(
    station: StationInfo,
    on_rename: impl Fn() + Send + Sync + 'static + Copy,
) -> impl IntoView {
    let close = ServerAction::<CloseStation>::new();
    let renaming = RwSignal::new(false);
    let name = ServerAction::<NameStation>::new();
    Effect::new(move || {
        if let Some(Ok(_)) = name.value().get() {
            on_rename();
        }
    });
    let closed = move || matches!(close.value().get(), Some(Ok(())));
    let card =
        "block rounded-2xl bg-white p-5 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-400";
    view! {
        {move || closed().then(|| view! { <Redirect path="/staff"/> })}
        <div class="mb-4 text-center">
            <p class="text-sm font-medium text-indigo-700" data-testid="station-event">{station.event_name.clone()}</p>
            <p class="text-sm text-slate-500">"Station: "<span class="font-medium text-slate-800" data-testid="station-name">{station.station_name.clone()}</span></p>
        </div>
        <div class="grid gap-4">
            <A href="/station/check-in" attr:class=card attr:data-testid="check-in-mode">
                <h2 class="text-base font-semibold">"Check-in mode"</h2>
                <p class="mt-1 text-sm text-slate-500">"A phone at the door: scan tickets, find attendees, check them in and print their badges."</p>
            </A>
            <A href="/station/print" attr:class=card attr:data-testid="station-mode">
                <h2 class="text-base font-semibold">"Station mode"</h2>
                <p class="mt-1 text-sm text-slate-500">"A laptop or tablet beside a printer: receives badge jobs from the phones and prints them."</p>
            </A>
        </div>
        <div class="mt-6 flex items-center justify-center gap-4 text-sm">
            <button type="button" class="font-medium text-slate-600 hover:text-slate-900" on:click=move |_| renaming.update(|r| *r = !*r)>"Rename station"</button>
            <ActionForm action=close>
                <button type="submit" class="font-medium text-red-700 hover:text-red-900">"Close station"</button>
            </ActionForm>
        </div>
        {move || renaming.get().then(|| view! {
            <ActionForm action=name attr:class="mt-4 flex gap-2">
                <input name="name" required maxlength="40" placeholder="Door 2" class=INPUT/>
                <button type="submit" class="rounded-lg bg-indigo-600 px-4 text-sm font-semibold text-white">"Save"</button>
            </ActionForm>
        })}
    }
}
