//! `/invite/<token>`: where an invited person joins the workspace. Open to signed-out
//! visitors: the link is their credential, and one that is used, revoked or expired says so.

use crate::api::members::{read_invite, AcceptInvite, InviteDetails};
use crate::app::components::feedback::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

const INPUT: &str = "mt-1 block w-full rounded-lg border-0 px-3 py-2 text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600";

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let details = Resource::new(token, read_invite);
    view! {
        <Title text="Join workspace"/>
        <div class="flex min-h-full flex-col justify-center px-4 py-12">
            <div class="mx-auto w-full max-w-sm">
                <div class="mb-8 flex items-center justify-center gap-2">
                    <span class="flex h-10 w-10 items-center justify-center rounded-xl bg-indigo-600 text-lg font-bold text-white">"L"</span>
                    <span class="text-2xl font-semibold tracking-tight">"Lanyard"</span>
                </div>
                <div class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200 sm:p-8">
                    <Transition fallback=|| view! { <div class="h-40 animate-pulse rounded-lg bg-slate-100"></div> }>
                        {move || Suspend::new(async move {
                            match details.await {
                                Ok(details) => view! { <JoinForm token=token() details/> }.into_any(),
                                Err(error) => view! {
                                    <h1 class="mb-4 text-lg font-semibold">"Invite link"</h1>
                                    <ErrorPanel error/>
                                    <a href="/login" class="mt-6 inline-block text-sm font-medium text-indigo-600 hover:text-indigo-500">"Go to sign in"</a>
                                }.into_any(),
                            }
                        })}
                    </Transition>
                </div>
            </div>
        </div>
    }
}

#[component]
fn JoinForm(token: String, details: InviteDetails) -> impl IntoView {
    let accept = ServerAction::<AcceptInvite>::new();
    let error = move || accept.value().get().and_then(|result| result.err());
    let min_length = details.min_password_length;
    let fields = if details.has_account {
        view! {
            <p class="text-sm text-slate-600">
                {format!("{} already has a Lanyard account. Enter its password to join.", details.email)}
            </p>
            <div>
                <label for="invite-password" class="block text-sm font-medium text-slate-700">"Password"</label>
                <input id="invite-password" type="password" name="password" required autocomplete="current-password" autofocus class=INPUT/>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div>
                <label for="invite-name" class="block text-sm font-medium text-slate-700">"Your name"</label>
                <input id="invite-name" type="text" name="display_name" required autocomplete="name" autofocus class=INPUT/>
            </div>
            <div>
                <label for="invite-password" class="block text-sm font-medium text-slate-700">"Password"</label>
                <input id="invite-password" type="password" name="password" required minlength=min_length
                    autocomplete="new-password" aria-describedby="invite-password-hint" class=INPUT/>
                <p id="invite-password-hint" class="mt-1 text-xs text-slate-500">{format!("At least {min_length} characters.")}</p>
            </div>
        }
        .into_any()
    };
    view! {
        <h1 class="text-lg font-semibold">{format!("Join {}", details.workspace_name)}</h1>
        <p class="mt-1 text-sm text-slate-500" data-testid="invite-summary">
            {format!("You are invited as {} with {}.", details.role.label(), details.email)}
        </p>
        <ActionForm action=accept attr:class="mt-6 space-y-4">
            <input type="hidden" name="token" value=token/>
            {fields}
            {move || error().map(|e| view! {
                <p role="alert" class="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">{e.to_string()}</p>
            })}
            <button type="submit" disabled=move || accept.pending().get()
                class="flex w-full justify-center rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60">
                {move || if accept.pending().get() { "Joining…" } else { "Join workspace" }}
            </button>
        </ActionForm>
    }
}
