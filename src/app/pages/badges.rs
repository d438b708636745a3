//! Settings → Badges (admins): the Default badge and variant templates that target ticket
//! names, each with its label size and fields, previewed live with a real attendee.

use crate::api::badges::{
    delete_badge_template, load_badge_settings, save_badge_template, Badge, BadgeTemplate,
};
use crate::app::components::badge::BadgeCard;
use crate::app::components::feedback::{ErrorPanel, LoadingCards, Toast};
use crate::domain::badge::{BadgeField, LabelSize};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

const PRIMARY: &str = "rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60";
const SECONDARY: &str = "rounded-lg bg-white px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50";
const INPUT: &str = "mt-1 block w-full rounded-lg border-0 px-3 py-2 text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600";

#[component]
pub fn BadgesPage() -> impl IntoView {
    let version = RwSignal::new(0);
    let settings = Resource::new(move || version.get(), |_| load_badge_settings());
    let draft = RwSignal::new(None::<BadgeTemplate>);
    let toast = RwSignal::new(None::<String>);
    view! {
        <Title text="Badges"/>
        <div class="mb-6">
            <p class="text-sm font-medium text-slate-500">"Settings"</p>
            <h1 class="text-2xl font-semibold tracking-tight">"Badges"</h1>
            <p class="mt-1 text-sm text-slate-500">"The Default badge prints for every ticket type; a variant prints instead for the ticket names it targets."</p>
        </div>
        <Transition fallback=|| view! { <LoadingCards/> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => {
                        let sample = s.sample.clone();
                        view! {
                            <div class="grid gap-6 lg:grid-cols-[18rem_1fr]">
                                <TemplateList templates=s.templates.clone() draft/>
                                {move || match draft.get() {
                                    Some(t) => view! { <Editor template=t sample=sample.clone() draft version toast/> }.into_any(),
                                    None => view! { <p class="text-sm text-slate-500">"Choose a template to edit."</p> }.into_any(),
                                }}
                            </div>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
        <Toast message=toast/>
    }
}

#[component]
fn TemplateList(
    templates: Vec<BadgeTemplate>,
    draft: RwSignal<Option<BadgeTemplate>>,
) -> impl IntoView {
    if draft.get_untracked().is_none() {
        draft.set(templates.first().cloned());
    }
    view! {
        <div class="space-y-2" data-testid="badge-templates">
            {templates.into_iter().map(|t| {
                let chosen = t.clone();
                let id = t.id.clone();
                let is_default = t.is_default;
                let selected = move || draft.with(|d| d.as_ref().is_some_and(|d| d.id == id && d.is_default == is_default));
                view! {
                    <button type="button" on:click=move |_| draft.set(Some(chosen.clone()))
                        class=move || format!("block w-full rounded-xl px-4 py-3 text-left ring-1 {}",
                            if selected() { "bg-indigo-50 ring-indigo-400" } else { "bg-white ring-slate-200 hover:ring-slate-300" })>
                        <span class="block text-sm font-semibold">{t.name.clone()}</span>
                        <span class="block text-xs text-slate-500">
                            {if t.is_default { "Every ticket type".to_string() } else { t.ticket_names.join(", ") }}
                            " · "{t.size.label()}
                        </span>
                    </button>
                }
            }).collect_view()}
            <button type="button" class=SECONDARY on:click=move |_| draft.set(Some(BadgeTemplate {
                id: String::new(),
                name: "New variant".into(),
                is_default: false,
                ticket_names: Vec::new(),
                ..BadgeTemplate::default_badge()
            }))>"New variant"</button>
        </div>
    }
}

#[component]
fn Editor(
    template: BadgeTemplate,
    sample: Option<Badge>,
    draft: RwSignal<Option<BadgeTemplate>>,
    version: RwSignal<i32>,
    toast: RwSignal<Option<String>>,
) -> impl IntoView {
    let edit = RwSignal::new(template.clone());
    let tickets = RwSignal::new(template.ticket_names.join(", "));
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let save = move || {
        let mut t = edit.get_untracked();
        t.ticket_names = tickets
            .get_untracked()
            .split(',')
            .map(|s| s.trim().to_string())
            .collect();
        saving.set(true);
        spawn_local(async move {
            match save_badge_template(t).await {
                Ok(saved) => {
                    error.set(None);
                    toast.set(Some("Badge template saved".into()));
                    draft.set(Some(saved));
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            saving.set(false);
        });
    };
    let delete = move || {
        let id = edit.get_untracked().id;
        spawn_local(async move {
            match delete_badge_template(id).await {
                Ok(()) => {
                    toast.set(Some("Badge template deleted".into()));
                    draft.set(None);
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let toggle = move |field: BadgeField, on: bool| {
        edit.update(|t| {
            t.fields.retain(|f| *f != field);
            if on {
                t.fields.push(field);
            }
        })
    };
    let raise = move |field: BadgeField| {
        edit.update(|t| {
            if let Some(i) = t.fields.iter().position(|f| *f == field).filter(|i| *i > 0) {
                t.fields.swap(i, i - 1);
            }
        })
    };
    let preview = move || {
        let t = edit.get();
        let badge = match sample.clone() {
            Some(b) => Badge { template: t, ..b },
            None => Badge {
                template: t,
                first_name: "Jane".into(),
                last_name: "Smith".into(),
                company: Some("Acme".into()),
                job_title: Some("Engineer".into()),
                ticket_name: Some("General Admission".into()),
                vip: true,
                qr_svg: None,
            },
        };
        view! { <BadgeCard badge/> }
    };
    let is_default = template.is_default;
    view! {
        <div class="grid gap-6 xl:grid-cols-2" data-testid="badge-editor">
            <form class="space-y-4 rounded-2xl bg-white p-5 shadow-sm ring-1 ring-slate-200" on:submit=move |ev| { ev.prevent_default(); save(); }>
                <label class="block">
                    <span class="text-sm font-medium text-slate-700">"Name"</span>
                    <input data-testid="template-name" class=INPUT prop:value=move || edit.get().name
                        on:input=move |ev| edit.update(|t| t.name = event_target_value(&ev))/>
                </label>
                {(!is_default).then(|| view! {
                    <label class="block">
                        <span class="text-sm font-medium text-slate-700">"Ticket names"</span>
                        <input data-testid="template-tickets" class=INPUT placeholder="Speaker, VIP Speaker" prop:value=move || tickets.get()
                            on:input=move |ev| tickets.set(event_target_value(&ev))/>
                        <span class="mt-1 block text-xs text-slate-500">"Separate names with commas; an attendee whose ticket name is one of these gets this badge."</span>
                    </label>
                })}
                <label class="block">
                    <span class="text-sm font-medium text-slate-700">"Label size"</span>
                    <select data-testid="template-size" class=INPUT on:change=move |ev| {
                        if let Some(size) = LabelSize::parse(&event_target_value(&ev)) { edit.update(|t| t.size = size) }
                    }>
                        {LabelSize::ALL.iter().map(|size| view! {
                            <option value=size.as_str() selected=move || edit.get().size == *size>{size.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <fieldset>
                    <legend class="text-sm font-medium text-slate-700">"Fields, top to bottom"</legend>
                    <ul class="mt-2 space-y-1">
                        {move || {
                            let t = edit.get();
                            let mut order: Vec<BadgeField> = t.fields.clone();
                            order.extend(BadgeField::ALL.iter().filter(|f| !t.fields.contains(f)));
                            order.into_iter().map(|field| {
                                let on = t.fields.contains(&field);
                                view! {
                                    <li class="flex items-center justify-between rounded-lg px-2 py-1 hover:bg-slate-50">
                                        <label class="flex items-center gap-2 text-sm">
                                            <input type="checkbox" prop:checked=on data-field=field.as_str()
                                                on:change=move |ev| toggle(field, event_target_checked(&ev))/>
                                            {field.label()}
                                        </label>
                                        {on.then(|| view! {
                                            <button type="button" class="text-xs text-slate-500 hover:text-slate-900" title="Move up" on:click=move |_| raise(field)>"↑"</button>
                                        })}
                                    </li>
                                }
                            }).collect_view()
                        }}
                    </ul>
                </fieldset>
                {move || error.get().map(|e| view! { <p role="alert" class="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">{e}</p> })}
                <div class="flex items-center gap-3">
                    <button type="submit" class=PRIMARY disabled=move || saving.get()>"Save template"</button>
                    {(!is_default && !template.id.is_empty()).then(|| view! {
                        <button type="button" class="text-sm font-medium text-red-700" on:click=move |_| delete()>"Delete"</button>
                    })}
                </div>
            </form>
            <div>
                <p class="mb-2 text-sm font-medium text-slate-700">"Preview"</p>
                <div class="overflow-auto rounded-2xl bg-slate-100 p-6" data-testid="badge-preview">{preview}</div>
            </div>
        </div>
    }
}
