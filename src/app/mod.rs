//! Pages and components, rendered on the server and hydrated in the browser.

pub mod browser;
pub mod components;
pub mod layout;
pub mod live;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full bg-slate-50">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="h-full text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: the mark tells tests (and curious humans) that the
    // page is hydrated and interactive.
    Effect::new(|| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Lanyard".to_string() } else { format!("{page} · Lanyard") }/>
        <Router>
            <Routes fallback=pages::not_found::NotFoundPage>
                <Route path=path!("/login") view=pages::login::LoginPage/>
                <Route path=path!("/invite/:token") view=pages::invite::InvitePage/>
                <Route path=path!("/staff") view=pages::staff::StaffEntryPage/>
                <Route path=path!("/station") view=pages::staff::StationHomePage/>
                <Route path=path!("/station/check-in") view=pages::check_in_mode::CheckInModePage/>
                <Route path=path!("/station/print") view=pages::station_mode::StationModePage/>
                <ParentRoute path=path!("") view=layout::AppLayout>
                    <Route path=path!("") view=|| view! { <Redirect path="/events"/> }/>
                    <Route path=path!("events") view=pages::events::EventsPage/>
                    <Route path=path!("events/:id") view=pages::event::EventPage/>
                    <Route path=path!("settings/integrations") view=pages::integrations::IntegrationsPage/>
                    <Route path=path!("settings/members") view=pages::members::MembersPage/>
                    <Route path=path!("settings/badges") view=pages::badges::BadgesPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
