//! Settings → Members (admins): the workspace's members with their roles, invites by link,
//! role changes and removals.

use crate::api::members::{
    list_members, ChangeMemberRole, CreateInvite, CreatedInvite, InviteSummary, MemberSummary,
    RemoveMember, RevokeInvite,
};
use crate::app::components::badges::RoleBadge;
use crate::app::components::copy_button::CopyButton;
use crate::app::components::feedback::{ErrorPanel, LoadingCards, Toast};
use crate::app::components::format;
use crate::app::layout::use_session;
use crate::domain::{Permission, Role};
use leptos::prelude::*;
use leptos_meta::Title;

const PRIMARY: &str = "rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60";
const SECONDARY: &str = "rounded-lg bg-white px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:opacity-60";
const INPUT: &str = "mt-1 block w-full rounded-lg border-0 px-3 py-2 text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600";

#[component]
pub fn MembersPage() -> impl IntoView {
    let create = ServerAction::<CreateInvite>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let change_role = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let overview = Resource::new(
        move || {
            (
                create.version().get(),
                revoke.version().get(),
                change_role.version().get(),
                remove.version().get(),
            )
        },
        |_| list_members(),
    );
    let session = use_session();
    let inviting = RwSignal::new(false);
    let toast = RwSignal::new(None::<String>);
    // The latest change's refusal ("A workspace needs at least one admin."), until the next
    // change succeeds.
    let problem = RwSignal::new(None::<String>);
    report(change_role.value(), "Role changed", toast, problem);
    report(remove.value(), "Member removed", toast, problem);
    report(revoke.value(), "Invite revoked", toast, problem);
    let open_invite = move |_| {
        // The dialog starts with an empty form, not the previous invite's link.
        create.value().set(None);
        inviting.set(true);
    };
    view! {
        <Title text="Members"/>
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <p class="text-sm font-medium text-slate-500">"Settings"</p>
                <h1 class="text-2xl font-semibold tracking-tight">"Members"</h1>
                <p class="mt-1 text-sm text-slate-500">"Who can use this workspace, and what their role lets them do."</p>
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let can_manage = matches!(session.await, Ok(Some(ref s)) if s.role.can(Permission::ManageMembers));
                    can_manage.then(|| view! {
                        <button type="button" class=PRIMARY on:click=open_invite>"Invite member"</button>
                    })
                })}
            </Transition>
        </div>
        {move || problem.get().map(|text| view! {
            <p role="alert" class="mb-4 rounded-lg bg-red-50 px-4 py-2 text-sm text-red-800">{text}</p>
        })}
        <Show when=move || inviting.get()>
            <InviteDialog action=create open=inviting/>
        </Show>
        <Transition fallback=LoadingCards>
            {move || Suspend::new(async move {
                let overview = match overview.await {
                    Ok(overview) => overview,
                    Err(error) => return view! { <ErrorPanel error/> }.into_any(),
                };
                let you = overview.you.clone();
                view! {
                    <section aria-labelledby="members-title" class="overflow-hidden rounded-xl bg-white shadow-sm ring-1 ring-slate-200">
                        <h2 id="members-title" class="border-b border-slate-200 px-5 py-3 font-semibold">"Members"</h2>
                        <div class="overflow-x-auto">
                            <table class="min-w-full divide-y divide-slate-200 text-sm">
                                <thead class="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                                    <tr>
                                        <th scope="col" class="px-5 py-2">"Name"</th>
                                        <th scope="col" class="px-5 py-2">"Email"</th>
                                        <th scope="col" class="px-5 py-2">"Role"</th>
                                        <th scope="col" class="px-5 py-2">"Joined"</th>
                                        <th scope="col" class="px-5 py-2"><span class="sr-only">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody class="divide-y divide-slate-100">
                                    {overview.members.into_iter().map(|member| {
                                        let is_you = member.user_id == you;
                                        view! { <MemberRow member is_you change_role remove/> }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    </section>
                    <PendingInvites invites=overview.invites revoke/>
                }.into_any()
            })}
        </Transition>
        <Toast message=toast/>
    }
}

/// Shows an action's outcome: a toast when it worked, its message when it was refused.
fn report(
    value: impl Get<Value = Option<Result<(), crate::api::ApiError>>> + Send + Sync + 'static,
    done: &'static str,
    toast: RwSignal<Option<String>>,
    problem: RwSignal<Option<String>>,
) {
    Effect::new(move || match value.get() {
        Some(Ok(())) => {
            problem.set(None);
            toast.set(Some(done.to_string()));
        }
        Some(Err(error)) => problem.set(Some(error.to_string())),
        None => {}
    });
}

#[component]
fn MemberRow(
    member: MemberSummary,
    is_you: bool,
    change_role: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let user_id = member.user_id.clone();
    let name = member.display_name.clone();
    let on_change = move |ev| {
        change_role.dispatch(ChangeMemberRole {
            user_id: user_id.clone(),
            role: event_target_value(&ev),
        });
    };
    view! {
        <tr data-testid="member-row" data-email=member.email.clone()>
            <td class="whitespace-nowrap px-5 py-3 font-medium text-slate-900">
                {member.display_name.clone()}
                {is_you.then(|| view! { <span class="ml-1 font-normal text-slate-500">"(you)"</span> })}
            </td>
            <td class="whitespace-nowrap px-5 py-3 text-slate-600">{member.email.clone()}</td>
            <td class="whitespace-nowrap px-5 py-3"><RoleBadge role=member.role/></td>
            <td class="whitespace-nowrap px-5 py-3 text-slate-600">{format::date(member.joined_at)}</td>
            <td class="whitespace-nowrap px-5 py-3">
                <div class="flex items-center justify-end gap-2">
                    <select aria-label=format!("Change role of {name}") on:change=on_change
                        disabled=move || change_role.pending().get()
                        class="rounded-lg border-0 py-1.5 pl-3 pr-8 text-sm ring-1 ring-inset ring-slate-300">
                        <RoleOptions selected=member.role/>
                    </select>
                    <RemoveMemberButton user_id=member.user_id.clone() name=member.display_name.clone() remove/>
                </div>
            </td>
        </tr>
    }
}

/// The three roles as a select's options; the value is the stored name (`STAFF`).
#[component]
fn RoleOptions(selected: Role) -> impl IntoView {
    Role::ALL
        .iter()
        .map(|role| {
            view! { <option value=role.as_str() selected=*role == selected>{role.label()}</option> }
        })
        .collect_view()
}

/// Remove, behind a confirmation dialog.
#[component]
fn RemoveMemberButton(
    user_id: String,
    name: String,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let confirm = move |_| {
        remove.dispatch(RemoveMember {
            user_id: user_id.clone(),
        });
        confirming.set(false);
    };
    let title = format!("Remove {name}?");
    view! {
        <button type="button" class=SECONDARY on:click=move |_| confirming.set(true)>"Remove"</button>
        <Show when=move || confirming.get()>
            <div role="dialog" aria-modal="true" aria-label=title.clone() class="fixed inset-0 z-10 flex items-center justify-center bg-slate-900/40 p-4">
                <div class="w-full max-w-md whitespace-normal rounded-2xl bg-white p-6 shadow-xl">
                    <h3 class="text-lg font-semibold">{title.clone()}</h3>
                    <p class="mt-2 text-sm text-slate-600">
                        {format!("{name} loses access to this workspace at once. Their Lanyard account stays, and an admin can invite them again.")}
                    </p>
                    <div class="mt-6 flex justify-end gap-3">
                        <button type="button" class=SECONDARY on:click=move |_| confirming.set(false)>"Cancel"</button>
                        <button type="button" class="rounded-lg bg-red-600 px-4 py-2 text-sm font-semibold text-white hover:bg-red-500"
                            on:click=confirm.clone()>
                            "Remove"
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
    .into_any()
}

#[component]
fn PendingInvites(
    invites: Vec<InviteSummary>,
    revoke: ServerAction<RevokeInvite>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="invites-title" class="mt-6 overflow-hidden rounded-xl bg-white shadow-sm ring-1 ring-slate-200">
            <h2 id="invites-title" class="border-b border-slate-200 px-5 py-3 font-semibold">"Pending invites"</h2>
            {if invites.is_empty() {
                view! { <p class="px-5 py-4 text-sm text-slate-500">"No pending invites."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100" data-testid="invite-list">
                        {invites.into_iter().map(|invite| {
                            let id = invite.id.to_string();
                            view! {
                                <li class="flex flex-wrap items-center justify-between gap-3 px-5 py-3 text-sm" data-testid="invite-row" data-email=invite.email.clone()>
                                    <div class="flex items-center gap-3">
                                        <span class="font-medium text-slate-900">{invite.email.clone()}</span>
                                        <RoleBadge role=invite.role/>
                                    </div>
                                    <div class="flex items-center gap-3">
                                        <span class="text-slate-500">{format!("Expires {}", format::date(invite.expires_at))}</span>
                                        <button type="button" class=SECONDARY disabled=move || revoke.pending().get()
                                            on:click=move |_| { revoke.dispatch(RevokeInvite { invite_id: id.clone() }); }>
                                            "Revoke"
                                        </button>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// The invite form, then the new invite's link (shown once: only its hash is stored).
#[component]
fn InviteDialog(action: ServerAction<CreateInvite>, open: RwSignal<bool>) -> impl IntoView {
    let created = move || action.value().get().and_then(|r| r.ok());
    let error = move || action.value().get().and_then(|r| r.err());
    view! {
        <div role="dialog" aria-modal="true" aria-labelledby="invite-title" class="fixed inset-0 z-20 flex items-start justify-center overflow-y-auto bg-slate-900/40 p-4 sm:items-center">
            <div class="w-full max-w-lg rounded-2xl bg-white p-6 shadow-xl">
                <div class="flex items-start justify-between">
                    <h2 id="invite-title" class="text-lg font-semibold">"Invite member"</h2>
                    <button type="button" class="rounded-lg px-2 text-slate-500 hover:bg-slate-100" aria-label="Close" on:click=move |_| open.set(false)>"✕"</button>
                </div>
                {move || match created() {
                    Some(created) => view! {
                        <InviteLink created/>
                        <div class="mt-6 flex justify-end">
                            <button type="button" class=PRIMARY on:click=move |_| open.set(false)>"Done"</button>
                        </div>
                    }.into_any(),
                    None => view! {
                        <p class="mt-1 text-sm text-slate-500">
                            "Lanyard makes a link that works once, for seven days. It sends no email: you send the link."
                        </p>
                        <ActionForm action attr:class="mt-4 space-y-4">
                            <div>
                                <label for="invite-email" class="block text-sm font-medium text-slate-700">"Email"</label>
                                <input id="invite-email" type="email" name="email" required autocomplete="off" class=INPUT/>
                            </div>
                            <div>
                                <label for="invite-role" class="block text-sm font-medium text-slate-700">"Role"</label>
                                <select id="invite-role" name="role" class=INPUT>
                                    <RoleOptions selected=Role::Staff/>
                                </select>
                            </div>
                            {move || error().map(|e| view! {
                                <p role="alert" class="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">{e.to_string()}</p>
                            })}
                            <div class="flex justify-end gap-3">
                                <button type="button" class=SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                                <button type="submit" class=PRIMARY disabled=move || action.pending().get()>"Create invite"</button>
                            </div>
                        </ActionForm>
                    }.into_any(),
                }}
            </div>
        </div>
    }
}

#[component]
fn InviteLink(created: CreatedInvite) -> impl IntoView {
    let invite = created.invite;
    view! {
        <p class="mt-3 text-sm text-slate-600">
            {format!(
                "Send this link to {} to join as {}. It works once, until {}, and is shown only now.",
                invite.email,
                invite.role.label(),
                format::date(invite.expires_at),
            )}
        </p>
        <div class="mt-3 flex items-start gap-2">
            <code data-testid="invite-link" class="block min-w-0 flex-1 select-all break-all rounded-lg bg-slate-100 px-3 py-2 font-mono text-xs text-slate-800">
                {created.link.clone()}
            </code>
            <CopyButton text=created.link/>
        </div>
    }
}
