//! The `hub389` binary: runs the server (default), mints tokens, seeds data, prints the schema.

// The schema's resolver futures nest deeper than rustc's default query depth when the release
// profile computes their layout (the page prefetch feeding the loaders' caches tipped it).
#![recursion_limit = "256"]

/// See `api/Cargo.toml` for why.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use api::auth::Role;
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
    /// Recompute what the server keeps up to date on each write (each case's count of
    /// subjects, the rollups of the figures), after rows were loaded behind its back (a
    /// restore, a bulk import).
    Recount,
    /// Print the GraphQL schema (SDL), as checked into schema.graphql.
    Schema,
    /// Manage the token key and the informant data key.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Manage trusted documents (the GraphQL documents allow-listed roles may run).
    Documents {
        #[command(subcommand)]
        action: DocumentsAction,
    },
}

#[derive(Subcommand)]
enum DocumentsAction {
    /// Register documents: `.graphql` files (one document each) or `.json` manifests
    /// (`{ "<sha256>": "<document>" }`, as frontend build tools write them). Prints each
    /// document's SHA-256, the id clients send.
    Register {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// List the registered documents (hash, label, date).
    List,
    /// Remove a registered document by its SHA-256 (running instances keep a document they
    /// already used until they restart).
    Remove { sha256: String },
}

#[derive(Subcommand)]
enum KeysAction {
    /// Write a new JWT secret and data key, one file each (mode 0600), never overwriting, and
    /// print the variables that point every instance at them.
    Generate {
        /// Directory for the two files (default: beside the SQLite database, or the working
        /// directory).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
    /// Print the fingerprint of the configured data key and the one the database records.
    Fingerprint,
    /// Re-encrypt every stored informant field from the configured (old) data key to a new
    /// one and record the new fingerprint, in one transaction. Stop every instance first;
    /// start them again with the new key.
    RotateDataKey {
        /// File holding the new key (base64 of 32 bytes), e.g. from `keys generate`.
        #[arg(long)]
        new_key_file: std::path::PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    api::telemetry::init()?;
    let cli = Cli::parse();
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = api::http::app::Application::build(&config, None).await?;
            app.run().await?;
            // The exporter stops once its last spans left (it waits for the collector).
            let _ = tokio::task::spawn_blocking(api::telemetry::otel::shutdown).await;
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
            let preflight = api::keys::preflight(&config)?;
            let keys = preflight.jwt();
            tracing::info!(database = %config.database_display(), key = %keys.origin, "signing a token");
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
            let preflight = api::keys::preflight(&config)?;
            let config = Config {
                demo_data: true,
                ..config
            };
            let (db, _keys) = api::http::app::open_database(&config, None, preflight).await?;
            tracing::info!(database = %config.database_display(), "seeding");
            if let Some(n) = cases {
                let started = std::time::Instant::now();
                let made = api::seed::generate_cases(&db, n, seed).await?;
                tracing::info!(cases = made, elapsed = ?started.elapsed(), "generated cases");
            }
        }
        Command::Recount => {
            let preflight = api::keys::preflight(&config)?;
            let (db, _keys) = api::http::app::open_database(&config, None, preflight).await?;
            let started = std::time::Instant::now();
            api::service::case_records::recount_all(&db)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            tracing::info!(elapsed = ?started.elapsed(), "recounted each case's subjects and rebuilt the rollups");
        }
        Command::Schema => print!("{}", api::graphql::schema::sdl()),
        Command::Keys { action } => keys(&config, action).await?,
        Command::Documents { action } => documents(&config, action).await?,
    }
    Ok(())
}

async fn documents(config: &Config, action: DocumentsAction) -> anyhow::Result<()> {
    use sea_orm::{EntityTrait, QueryOrder};
    let preflight = api::keys::preflight(config)?;
    let (db, _keys) = api::http::app::open_database(config, None, preflight).await?;
    match action {
        DocumentsAction::Register { files } => {
            let mut all = vec![];
            for f in &files {
                all.extend(api::graphql::trusted::read_file(f)?);
            }
            let hashes = api::graphql::trusted::register(&db, &all).await?;
            for ((label, _), sha) in all.iter().zip(hashes) {
                println!("{sha}  {label}");
            }
        }
        DocumentsAction::List => {
            for d in entity::trusted_documents::Entity::find()
                .order_by_asc(entity::trusted_documents::Column::CreatedAt)
                .all(&db)
                .await?
            {
                println!(
                    "{}  {}  {}",
                    d.sha256,
                    d.created_at.format("%Y-%m-%d"),
                    d.label
                );
            }
        }
        DocumentsAction::Remove { sha256 } => {
            let removed =
                entity::trusted_documents::Entity::delete_by_id(sha256.to_ascii_lowercase())
                    .exec(&db)
                    .await?
                    .rows_affected;
            if removed == 0 {
                anyhow::bail!("no registered document has that hash");
            }
            println!("removed {sha256} (instances forget it when they restart)");
        }
    }
    Ok(())
}

async fn keys(config: &Config, action: KeysAction) -> anyhow::Result<()> {
    match action {
        KeysAction::Generate { dir } => {
            let dir = dir.unwrap_or_else(|| config.data_dir.clone());
            let (jwt, data) = api::keys::generate_files(&dir)?;
            let abs =
                |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            println!("HUB389_JWT_SECRET_FILE={}", abs(&jwt).display());
            println!("HUB389_DATA_KEY_FILE={}", abs(&data).display());
            tracing::info!(
                "back up both files with the database: without the data key, informant identities cannot be read"
            );
        }
        KeysAction::Fingerprint => {
            let preflight = api::keys::preflight(config)?;
            let db = api::http::app::connect(config).await?;
            let stored = api::keys::stored_fingerprint(&db).await?;
            let keys = api::keys::settle(&db, config, preflight).await;
            match &keys {
                Ok(k) => println!("configured: {} ({})", k.data.fingerprint(), k.data_source),
                Err(e) => println!("configured: refused: {e}"),
            }
            println!(
                "database:   {}",
                stored.as_deref().unwrap_or("none recorded")
            );
            keys?;
        }
        KeysAction::RotateDataKey { new_key_file } => {
            let new = api::keys::read_data_key_file(&new_key_file)?;
            let preflight = api::keys::preflight(config)?;
            let db = api::http::app::connect(config).await?;
            let old = api::keys::settle(&db, config, preflight).await?;
            if old.data.fingerprint() == new.fingerprint() {
                anyhow::bail!("the new key is the key already in use");
            }
            let changed = api::keys::rotate_data_key(&db, &old.data, &new).await?;
            tracing::info!(
                tips = changed,
                old = %old.data.fingerprint(),
                new = %new.fingerprint(),
                "re-encrypted the informant data; start every instance with the new key"
            );
            println!(
                "rotated: {} tips re-encrypted; now configure HUB389_DATA_KEY_FILE={} (the old key {} no longer opens this database)",
                changed,
                new_key_file.display(),
                old.data_source
            );
        }
    }
    Ok(())
}
