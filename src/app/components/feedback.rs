use crate::api::ApiError;
use leptos::prelude::*;

/// A friendly centred panel for "nothing here yet", with an optional call to action.
#[component]
pub fn EmptyState(
    title: &'static str,
    #[prop(into)] description: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="rounded-2xl border-2 border-dashed border-slate-200 bg-white px-6 py-14 text-center">
            <div class="mx-auto mb-4 flex h-12 w-12 items-center justify-center rounded-full bg-indigo-50 text-indigo-600">
                <svg class="h-6 w-6" fill="none" viewBox="0 0 24 24" stroke-width="1.5" stroke="currentColor" aria-hidden="true">
                    <path stroke-linecap="round" stroke-linejoin="round" d="M6.75 3v2.25M17.25 3v2.25M3 18.75V7.5a2.25 2.25 0 012.25-2.25h13.5A2.25 2.25 0 0121 7.5v11.25m-18 0A2.25 2.25 0 005.25 21h13.5A2.25 2.25 0 0021 18.75m-18 0v-7.5A2.25 2.25 0 015.25 9h13.5A2.25 2.25 0 0121 11.25v7.5"/>
                </svg>
            </div>
            <h2 class="text-base font-semibold text-slate-900">{title}</h2>
            <p class="mx-auto mt-1 max-w-md text-sm text-slate-500">{description}</p>
            <div class="mt-6 flex flex-wrap justify-center gap-3">{children.map(|c| c())}</div>
        </div>
    }
}

#[component]
pub fn ErrorPanel(error: ApiError) -> impl IntoView {
    view! {
        <div role="alert" class="rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
            {error.to_string()}
        </div>
    }
}

/// Placeholder rows while data loads, so the layout does not jump.
#[component]
pub fn LoadingCards() -> impl IntoView {
    view! {
        <div class="grid gap-4 sm:grid-cols-2 xl:grid-cols-3" aria-busy="true">
            {(0..3).map(|_| view! { <div class="h-32 animate-pulse rounded-xl bg-slate-200/60"></div> }).collect_view()}
        </div>
    }
}

/// A short confirmation in the corner ("Reconnecting event"), gone after a few seconds.
#[component]
pub fn Toast(message: RwSignal<Option<String>>) -> impl IntoView {
    Effect::new(move || {
        if message.get().is_some() {
            set_timeout(move || message.set(None), std::time::Duration::from_secs(4));
        }
    });
    view! {
        {move || message.get().map(|text| view! {
            <div role="status" data-testid="toast"
                class="fixed bottom-4 right-4 z-50 rounded-lg bg-slate-900 px-4 py-3 text-sm font-medium text-white shadow-lg">
                {text}
            </div>
        })}
    }
}
