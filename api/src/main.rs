//! The `hub389` binary: runs the server (default), mints tokens, seeds data, prints the schema.

use anyhow::Context;
use clap::{Parser, Subcommand};

use api::auth::{JwtKeys, Role};
use api::config::Config;

#[derive(Parser)]
#[command(
    name = "hub389",
    about = "Hub389: the Steering Committee 389 data hub",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default): migrate, load demo data into an empty database, serve.
    Serve,
    /// Print a signed token for a role (uses the same key as the server).
    Token {
        /// admin, leader, standing_office, police, customs, officer, commune or press
        #[arg(long)]
        role: String,
        /// Agency code, e.g. CA (police), HQ (customs), QLTT (market management).
        #[arg(long)]
        agency: Option<String>,
        /// Commune code, required for the commune role, e.g. DONG_DANG.
        #[arg(long)]
        commune: Option<String>,
        /// Subject (user id); defaults to `<role>@<agency>`.
        #[arg(long)]
        sub: Option<String>,
        /// Lifetime, e.g. 30m, 8h, 7d.
        #[arg(long, default_value = "8h")]
        ttl: String,
    },
    /// Load the demo data (into an empty database) and/or generate more cases.
    Seed {
        /// Generate this many extra cases, deterministically (for benchmarks).
        #[arg(long)]
        cases: Option<u64>,
        /// Generator seed.
        #[arg(long, default_value_t = 389)]
        seed: u64,
    },
    /// Print the GraphQL schema (SDL), as checked into schema.graphql.
    Schema,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    api::telemetry::init();
    let cli = Cli::parse();
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = api::app::Application::build(&config, None).await?;
            app.run().await?;
        }
        Command::Token {
            role,
            agency,
            commune,
            sub,
            ttl,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role `{role}`; one of admin, leader, standing_office, police, customs, officer, commune, press")
            })?;
            let ttl = humantime::parse_duration(&ttl)
                .with_context(|| format!("--ttl `{ttl}` is not a duration"))?;
            let ttl = chrono::Duration::from_std(ttl).context("--ttl is too long")?;
            std::fs::create_dir_all(&config.data_dir).ok();
            let keys = JwtKeys::from_settings(&config.jwt, &config.data_dir)?;
            tracing::info!(database = %config.database_display(), key = %keys.source, "signing a token");
            let sub = sub.unwrap_or_else(|| {
                format!(
                    "{}@{}",
                    role.as_str(),
                    agency.as_deref().unwrap_or("province")
                )
            });
            let token = keys.sign(&sub, role, agency.as_deref(), commune.as_deref(), ttl)?;
            println!("{token}");
        }
        Command::Seed { cases, seed } => {
            let db = api::app::connect(&config.database_url).await?;
            tracing::info!(database = %config.database_display(), "seeding");
            api::app::prepare_database(&db, true).await?;
            if let Some(n) = cases {
                let started = std::time::Instant::now();
                let made = api::seed::generate_cases(&db, n, seed).await?;
                tracing::info!(cases = made, elapsed = ?started.elapsed(), "generated cases");
            }
        }
        Command::Schema => print!("{}", api::graphql::sdl()),
    }
    Ok(())
}
