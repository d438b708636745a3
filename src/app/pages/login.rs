use crate::api::auth::SignIn;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let error = move || sign_in.value().get().and_then(|result| result.err());
    view! {
        <Title text="Sign in"/>
        <div class="flex min-h-full flex-col justify-center px-4 py-12">
            <div class="mx-auto w-full max-w-sm">
                <div class="mb-8 flex items-center justify-center gap-2">
                    <span class="flex h-10 w-10 items-center justify-center rounded-xl bg-indigo-600 text-lg font-bold text-white">"L"</span>
                    <span class="text-2xl font-semibold tracking-tight">"Lanyard"</span>
                </div>
                <div class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200 sm:p-8">
                    <h1 class="text-lg font-semibold">"Sign in to your workspace"</h1>
                    <p class="mt-1 text-sm text-slate-500">"Event check-in, in sync with Eventbrite and Luma."</p>
                    <ActionForm action=sign_in attr:class="mt-6 space-y-4">
                        <label class="block">
                            <span class="text-sm font-medium text-slate-700">"Email"</span>
                            <input type="email" name="email" required autocomplete="username" autofocus
                                class="mt-1 block w-full rounded-lg border-0 px-3 py-2 text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"/>
                        </label>
                        <label class="block">
                            <span class="text-sm font-medium text-slate-700">"Password"</span>
                            <input type="password" name="password" required autocomplete="current-password"
                                class="mt-1 block w-full rounded-lg border-0 px-3 py-2 text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"/>
                        </label>
                        {move || error().map(|e| view! {
                            <p role="alert" class="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">{e.to_string()}</p>
                        })}
                        <button type="submit" disabled=move || sign_in.pending().get()
                            class="flex w-full justify-center rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60">
                            {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                        </button>
                    </ActionForm>
                </div>
            </div>
        </div>
    }
}
