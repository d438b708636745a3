//! Pages and components, rendered on the server and hydrated in the browser.

pub mod browser;
pub mod components;
pub mod layout;
pub mod live;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute};

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
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Lanyard".to_string() } else { format!("{page} · Lanyard") }/>
        <Router>
            <Routes fallback=pages::not_found::NotFoundPage>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()}/>
                <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()}/>
                <Route path=path!("/staff") view=pages::staff::StaffEntryPage/>
                <Route path=path!("/station") view=pages::staff::StationHomePage/>
                <Route path=path!("/station/check-in") view=pages::check_in_mode::CheckInModePage/>
                <Route path=path!("/station/print") view={Lazy::<StationModeRoute>::new()}/>
                <ParentRoute path=path!("") view=layout::AppLayout>
                    <Route path=path!("") view=|| view! { <Redirect path="/events"/> }/>
                    <Route path=path!("events") view={Lazy::<EventsRoute>::new()}/>
                    <Route path=path!("events/:id") view={Lazy::<EventRoute>::new()}/>
                    <Route path=path!("settings/integrations") view={Lazy::<IntegrationsRoute>::new()}/>
                    <Route path=path!("settings/members") view={Lazy::<MembersRoute>::new()}/>
                    <Route path=path!("settings/badges") view={Lazy::<BadgesRoute>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// A page loaded as its own wasm chunk (`cargo leptos build --split`), fetched when its route
/// is first visited: a phone at the door never downloads the admin console. The phone's own
/// pages (`/staff`, `/station`, Check-in mode) stay in the main module: a chunk that fails to
/// arrive stops the app, and the door's network is the one most likely to drop.
macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    };
}

lazy_page!(LoginRoute, pages::login::LoginPage);
lazy_page!(InviteRoute, pages::invite::InvitePage);
lazy_page!(StationModeRoute, pages::station_mode::StationModePage);
lazy_page!(EventsRoute, pages::events::EventsPage);
lazy_page!(EventRoute, pages::event::EventPage);
lazy_page!(IntegrationsRoute, pages::integrations::IntegrationsPage);
lazy_page!(MembersRoute, pages::members::MembersPage);
lazy_page!(BadgesRoute, pages::badges::BadgesPage);
