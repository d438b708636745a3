//! A badge as it prints: the template's fields top to bottom at the label's exact size, and
//! the print area that prints badges one per page.

use crate::domain::badge::{Badge, BadgeField};
use leptos::prelude::*;

/// One badge at its label's size (CSS lengths, so screen preview and print agree).
#[component]
pub fn BadgeCard(badge: Badge) -> impl IntoView {
    let (width, height) = badge.template.size.css();
    let style = format!("width: {width}; height: {height};");
    let fields = badge.template.fields.clone();
    let line = |text: Option<String>, class: &'static str, field: &'static str| {
        text.filter(|t| !t.trim().is_empty())
            .map(|t| view! { <div class=class data-field=field>{t}</div> })
    };
    let parts = fields
        .into_iter()
        .map(|field| match field {
            BadgeField::FirstName => line(
                Some(badge.first_name.clone()),
                "text-[2.2em] font-bold leading-tight",
                "first_name",
            )
            .into_any(),
            BadgeField::LastName => line(
                Some(badge.last_name.clone()),
                "text-[1.6em] font-semibold leading-tight",
                "last_name",
            )
            .into_any(),
            BadgeField::Company => {
                line(badge.company.clone(), "mt-1 text-[1.1em] text-slate-700", "company").into_any()
            }
            BadgeField::JobTitle => {
                line(badge.job_title.clone(), "text-[1em] text-slate-600", "job_title").into_any()
            }
            BadgeField::TicketName => line(
                badge.ticket_name.clone(),
                "mt-1 inline-block rounded bg-slate-900 px-2 py-0.5 text-[0.9em] font-semibold uppercase tracking-wide text-white",
                "ticket_name",
            )
            .into_any(),
            BadgeField::QrCode => badge
                .qr_svg
                .clone()
                .map(|svg| {
                    view! { <div class="mt-2 h-[28%] aspect-square [&>svg]:h-full [&>svg]:w-full" data-field="qr_code" inner_html=svg></div> }
                })
                .into_any(),
            BadgeField::VipMarker => badge
                .vip
                .then(|| view! {
                    <div class="mt-1 rounded bg-amber-400 px-2 text-[1em] font-bold text-amber-950" data-field="vip">"VIP"</div>
                })
                .into_any(),
        })
        .collect_view();
    view! {
        <div class="badge flex flex-col items-center justify-center overflow-hidden bg-white p-[4%] text-center text-[12px] text-slate-900 ring-1 ring-slate-300 print:ring-0"
            style=style data-template=badge.template.name.clone()>
            {parts}
        </div>
    }
}

/// The badges printing now, hidden on screen: `@media print` in the stylesheet shows only
/// this area, and the label's `@page` rule prints one badge per page at its exact size.
#[component]
pub fn PrintArea(badges: RwSignal<Vec<Badge>>) -> impl IntoView {
    view! {
        <div id="print-area" aria-hidden="true">
            {move || {
                let badges = badges.get();
                let page = badges.first().map(|b| b.template.size.page_rule()).unwrap_or_default();
                view! {
                    <style inner_html=page></style>
                    {badges.into_iter().map(|badge| view! {
                        <div class="print-page"><BadgeCard badge/></div>
                    }).collect_view()}
                }
            }}
        </div>
    }
}

/// Opens the browser's print dialog (silent where Chromium runs with `--kiosk-printing`).
/// `Err` with the browser's reason when it refuses.
pub fn print_now() -> Result<(), String> {
    window()
        .print()
        .map_err(|e| format!("The browser would not print: {e:?}"))
}
