use clap::{Parser, Subcommand};
use lanyard::demo;
use lanyard::domain::Role;
use lanyard::server::accounts::{self, NewMember};
use lanyard::server::config::Config;
use lanyard::server::db::Db;
use lanyard::startup::Application;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "lanyard",
    about = "Lanyard: event check-in that stays in sync with Eventbrite and Luma"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve {
        /// Seed a demo workspace with an admin, a staff and a support user.
        #[arg(long, env = "LANYARD_DEMO")]
        demo: bool,
    },
    /// Run the provider simulator: a local, stateful Eventbrite and Luma.
    Simulate {
        #[arg(long, default_value = "127.0.0.1:3900", env = "LANYARD_SIMULATOR_ADDR")]
        addr: std::net::SocketAddr,
    },
    /// Create a workspace and its first admin. The password comes from
    /// LANYARD_ADMIN_PASSWORD, or is asked for.
    CreateAdmin {
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        email: String,
        /// The admin's display name (defaults to the part of the email before the @).
        #[arg(long)]
        name: Option<String>,
    },
}

/// mimalloc rather than the system's malloc: the desk's requests allocate many small,
/// short-lived strings across threads, where glibc's allocator showed as a tenth of the CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&config.log_filter))
        .init();
    let result = match Cli::parse()
        .command
        // cargo-leptos starts the binary without arguments: `make run` says demo through the env.
        .unwrap_or_else(|| Command::Serve {
            demo: matches!(std::env::var("LANYARD_DEMO").as_deref(), Ok("true" | "1")),
        }) {
        Command::Serve { demo } => serve(config, demo).await,
        Command::Simulate { addr } => simulate(addr).await,
        Command::CreateAdmin {
            workspace,
            email,
            name,
        } => create_admin(config, workspace, email, name).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(mut config: Config, demo: bool) -> Result<(), Box<dyn std::error::Error>> {
    let mut leptos_options = leptos::config::get_configuration(None)?.leptos_options;
    lanyard::server::assets::detect_hashed_build(&mut leptos_options);
    // Demo mode brings its own providers unless real ones were configured.
    let providers_configured = std::env::var_os("EVENTBRITE_API_URL").is_some()
        || std::env::var_os("LUMA_API_URL").is_some();
    let demo_providers = match demo && !providers_configured {
        true => Some(demo::start_providers(&mut config).await?),
        false => None,
    };
    let app = Application::build(config, leptos_options).await?;
    let url = format!("http://{}", app.local_addr());
    if demo {
        demo::seed(&app.state.db).await?;
        demo::print_sign_in_details(&url);
        if let Some(p) = &demo_providers {
            demo::print_provider_details(p);
        }
    }
    tracing::info!(%url, database = ?app.state.db.backend, "listening");
    app.run_until_stopped().await?;
    Ok(())
}

async fn simulate(addr: std::net::SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    let sim = lanyard::simulator::start(addr).await?;
    // One Eventbrite app registered up front, so an app pointed here can connect at once.
    let (client_id, client_secret) = demo::DEMO_EVENTBRITE_APP;
    sim.register_eventbrite_app(client_id, client_secret);
    println!("Provider simulator at {}", sim.url);
    println!("  EVENTBRITE_CLIENT_ID={client_id}");
    println!("  EVENTBRITE_CLIENT_SECRET={client_secret}");
    println!("  EVENTBRITE_API_URL={}", sim.eventbrite_api());
    println!("  EVENTBRITE_OAUTH_URL={}", sim.eventbrite_oauth());
    println!("  LUMA_API_URL={}", sim.luma_api());
    tokio::signal::ctrl_c().await?;
    Ok(())
}

async fn create_admin(
    config: Config,
    workspace: String,
    email: String,
    name: Option<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    let password = match std::env::var("LANYARD_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let first = rpassword::prompt_password("Password for the new admin: ")?;
            let again = rpassword::prompt_password("Same password again: ")?;
            if first != again {
                return Err("the two passwords differ".into());
            }
            first
        }
    };
    let display_name =
        name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let admin = NewMember {
        email: &email,
        display_name: &display_name,
        password: &password,
        role: Role::Admin,
    };
    accounts::create_workspace(&db, &workspace, admin).await?;
    println!("Created workspace {workspace:?} with admin {email}.");
    Ok(())
}
