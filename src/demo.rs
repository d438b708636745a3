//! Demo mode: a ready-made workspace so a newcomer can sign in and look around at once, and
//! the wiring of the provider simulator into the server (the one place that knows both).

use crate::domain::Role;
use crate::server::accounts::{self, NewMember};
use crate::server::db::{workspaces, Db};
use crate::server::providers::ProviderUrls;
use crate::simulator::RunningSimulator;

/// Every provider base URL pointed at a running simulator (demo mode, tests, bench).
pub fn provider_urls(sim: &RunningSimulator) -> ProviderUrls {
    ProviderUrls {
        eventbrite_api: sim.eventbrite_api(),
        eventbrite_oauth: sim.eventbrite_oauth(),
        luma_api: sim.luma_api(),
    }
}

pub const WORKSPACE: &str = "Northwind Events (demo)";

pub struct DemoUser {
    pub email: &'static str,
    pub role: Role,
}

pub const USERS: [DemoUser; 3] = [
    DemoUser {
        email: "admin@demo.lanyard.test",
        role: Role::Admin,
    },
    DemoUser {
        email: "staff@demo.lanyard.test",
        role: Role::Staff,
    },
    DemoUser {
        email: "support@demo.lanyard.test",
        role: Role::Support,
    },
];

/// `LANYARD_DEMO_PASSWORD`, or a fixed demo password: this data is for trying things out.
pub fn password() -> String {
    std::env::var("LANYARD_DEMO_PASSWORD").unwrap_or_else(|_| "lanyard-demo".into())
}

/// Seeds the demo workspace on first start; later starts find it and leave it alone.
pub async fn seed(db: &Db) -> Result<(), accounts::AccountError> {
    if workspaces::find_by_name(&db.pool, WORKSPACE)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let password = password();
    let names = ["Avery Admin", "Sam Staff", "Riley Support"];
    let workspace_id = accounts::create_workspace(
        db,
        WORKSPACE,
        NewMember {
            email: USERS[0].email,
            display_name: names[0],
            password: &password,
            role: Role::Admin,
        },
    )
    .await?;
    for (user, name) in USERS.iter().zip(names).skip(1) {
        let member = NewMember {
            email: user.email,
            display_name: name,
            password: &password,
            role: user.role,
        };
        accounts::add_member(db, &workspace_id, member).await?;
    }
    tracing::info!(workspace = WORKSPACE, "seeded the demo workspace");
    Ok(())
}

pub fn print_sign_in_details(url: &str) {
    let password = password();
    println!(
        "\n  Lanyard demo is running at {url}\n  Sign in with any of these (password: {password}):"
    );
    for user in &USERS {
        println!("    {:<8} {}", user.role.label(), user.email);
    }
    println!();
}

/// The provider accounts demo mode creates in the simulator, printed for the newcomer.
pub struct DemoProviders {
    pub simulator: crate::simulator::RunningSimulator,
    pub luma_key: String,
}

/// The Eventbrite app (client id, secret) the demo and `lanyard simulate` register with the
/// simulator when none is configured.
pub const DEMO_EVENTBRITE_APP: (&str, &str) = ("lanyard-demo", "lanyard-demo-secret");

/// Starts the provider simulator beside the app, with an Eventbrite account and a Luma
/// calendar holding events of realistic sizes, and points `config` at it.
pub async fn start_providers(
    config: &mut crate::server::config::Config,
) -> std::io::Result<DemoProviders> {
    use crate::simulator::world::Which;
    let addr = std::env::var("LANYARD_SIMULATOR_ADDR").unwrap_or_else(|_| "127.0.0.1:3900".into());
    let simulator = crate::simulator::start(addr.parse().map_err(std::io::Error::other)?).await?;
    let luma_key = {
        let mut world = simulator.sim.world();
        let day = 86_400_000;
        let soon = chrono::Utc::now().timestamp_millis() / day * day + 9 * 3_600_000;
        let (eb, _) = world.create_account(
            Which::Eventbrite,
            "events@northwind.example",
            "Nora Northwind",
        );
        let breakfast = world.create_event(
            &eb.owner_id,
            Which::Eventbrite,
            "Northwind Product Breakfast",
            soon + 2 * day,
            40,
        );
        world.mix_states(&breakfast);
        let devdays = world.create_event(
            &eb.owner_id,
            Which::Eventbrite,
            "Northwind DevDays 2026",
            soon + 9 * day,
            800,
        );
        world.mix_states(&devdays);
        world.set_timezone(&devdays, "America/New_York");
        world.create_event(
            &eb.owner_id,
            Which::Eventbrite,
            "Northwind Summit",
            soon + 30 * day,
            5_000,
        );
        let (luma, key) = world.create_account(
            Which::Luma,
            "community@northwind.example",
            "Northwind Community",
        );
        let meetup = world.create_event(
            &luma.owner_id,
            Which::Luma,
            "Rust & Coffee Meetup",
            soon + 5 * day,
            60,
        );
        world.mix_states(&meetup);
        world.set_timezone(&meetup, "Europe/Berlin");
        world.create_event(
            &luma.owner_id,
            Which::Luma,
            "Founders Dinner",
            soon + 12 * day,
            24,
        );
        key
    };
    config.providers = provider_urls(&simulator);
    let app = config
        .eventbrite_app
        .get_or_insert_with(|| crate::server::config::EventbriteApp {
            client_id: DEMO_EVENTBRITE_APP.0.into(),
            client_secret: DEMO_EVENTBRITE_APP.1.into(),
        });
    simulator.register_eventbrite_app(
        &app.client_id,
        secrecy::ExposeSecret::expose_secret(&app.client_secret),
    );
    Ok(DemoProviders {
        simulator,
        luma_key,
    })
}

pub fn print_provider_details(p: &DemoProviders) {
    println!(
        "  Provider simulator at {} (Eventbrite and Luma, no accounts needed)",
        p.simulator.url
    );
    println!("    Connect Eventbrite: approve as events@northwind.example on the simulator's page");
    println!("    Connect Luma: paste this API key: {}\n", p.luma_key);
}
