//! `cadre`: one binary for the whole suite (see `cadre --help`).

use std::{io::Write as _, path::PathBuf, process::ExitCode};

use cadre::{
    hr_csv,
    suite::{Seed, Suite, Target, prepare_dev, serve_context},
};
use cadre_directory::demo_seed::demo_subject;
use cadre_platform::{
    Db, audit,
    auth::keys,
    config::{Config, LogFormat},
    server::{os_signal, shutdown_channel},
    telemetry,
};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cadre", version, about = "The Cadre Supervision Suite (干部监督管理平台)")]
struct Cli {
    /// A TOML configuration file (values in CADRE_* variables override it).
    #[arg(long, env = "CADRE_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve one target, a comma-separated list, or `all` in this process.
    Serve {
        /// `all`, or target names such as `directory`.
        #[arg(long, default_value = "all")]
        target: String,
    },
    /// Run every target on SQLite files under ./data with a seeded demo district (or, with a subcommand,
    /// work with that development suite).
    Dev {
        #[command(subcommand)]
        action: Option<DevAction>,
    },
    /// Manage the keys of the principal the gateway signs.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Import data from other systems.
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Work with the audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
}

#[derive(Subcommand)]
enum ImportSource {
    /// Stream the HR system's CSV export to the directory (idempotent by external_id).
    Hr {
        /// The CSV file (header row; see the README for columns).
        file: PathBuf,
        /// The gateway's address; defaults to http://<gateway.listen>.
        #[arg(long)]
        endpoint: Option<String>,
        /// A bearer token of an account allowed to import (the HR system's key, or an org officer's token).
        #[arg(long, env = "CADRE_TOKEN", hide_env_values = true)]
        token: String,
    },
}

#[derive(Subcommand)]
enum DevAction {
    /// Print a development token for a demo account (for curl, grpcurl or a browser).
    Token {
        /// The demo account's username, e.g. orgofficer, leader.t01, cadre.t01, hr-system.
        #[arg(long = "as")]
        username: String,
        /// Leave out the second factor, to see what such a session may not do.
        #[arg(long)]
        no_second_factor: bool,
        /// How long the token lives, in minutes.
        #[arg(long, default_value_t = 480)]
        minutes: u64,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// Create the principal key pair at the configured paths unless it exists.
    Init,
    /// Start a rotation: a new signing key, published next to the old public keys. Gateways pick it up
    /// within a second; run `retire` once every gateway signs with it.
    Rotate,
    /// Finish a rotation: publish only the current signing key's public key.
    Retire,
}

#[derive(Subcommand)]
enum AuditAction {
    /// Check a target's audit chain from its database.
    Verify {
        /// The target whose database to check.
        #[arg(long, default_value = "directory")]
        target: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("cadre: {error}");
            return ExitCode::from(2);
        }
    };
    if matches!(cli.command, Command::Dev { action: None }) && std::env::var_os("CADRE_LOG_FORMAT").is_none()
    {
        config.log_format = LogFormat::Pretty;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cadre: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cadre: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { target } => serve(config, &Target::parse_list(&target)?, Seed::None, false).await,
        Command::Dev { action: None } => {
            let mut config = config;
            prepare_dev(&mut config)?;
            serve(config, Target::ALL, Seed::DemoDistrict, true).await
        }
        Command::Dev { action: Some(DevAction::Token { username, no_second_factor, minutes }) } => {
            let mut config = config;
            let issuer = prepare_dev(&mut config)?;
            let ttl = std::time::Duration::from_secs(minutes.max(1) * 60);
            let token = issuer.mint(&demo_subject(&username), !no_second_factor, ttl)?;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(format!("{token}\n").as_bytes())?;
            Ok(())
        }
        Command::Keys { action } => manage_keys(&config, action),
        Command::Import { source: ImportSource::Hr { file, endpoint, token } } => {
            import_hr(&config, &file, endpoint, &token).await
        }
        Command::Audit { action: AuditAction::Verify { target } } => verify_audit(&config, &target).await,
    }
}

async fn serve(config: Config, targets: &[Target], seed: Seed, banner: bool) -> anyhow::Result<()> {
    let service_name =
        if targets.len() == 1 { format!("cadre-{}", targets[0].name()) } else { "cadre".to_owned() };
    let _telemetry = telemetry::init(&config, &service_name)?;
    let (trigger, shutdown) = shutdown_channel();
    let ctx = serve_context(&config, shutdown.clone());
    if !config.metrics_listen.is_empty() {
        let listen = config.metrics_listen.parse()?;
        let metrics = ctx.metrics.clone();
        let stop = shutdown.clone().wait();
        tokio::spawn(async move {
            if let Err(error) = metrics.serve(listen, stop).await {
                tracing::error!(%error, "metrics endpoint failed");
            }
        });
    }
    let suite = Suite::start(&config, targets, seed, ctx).await?;
    if banner {
        print_banner(&config, &suite);
    }
    tokio::spawn(async move {
        os_signal().await;
        trigger.fire();
    });
    suite.wait().await
}

/// Tells a person where everything listens. Written without `println!`, which panics when stdout is a
/// closed pipe: a server must not die because whoever started it stopped reading.
fn print_banner(config: &Config, suite: &Suite) {
    use std::fmt::Write as _;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "\nCadre Supervision Suite (干部监督管理平台), dev mode: demo district on SQLite in {}\n",
        config.data_dir
    );
    for (target, addr) in &suite.addrs {
        let _ = writeln!(text, "  {:<10} grpc://{addr}   (health, reflection, event feed)", target.name());
    }
    if !config.metrics_listen.is_empty() {
        let _ = writeln!(text, "  {:<10} http://{}/metrics", "metrics", config.metrics_listen);
    }
    if let Some(addr) = suite.addrs.get(&Target::Gateway) {
        let _ =
            writeln!(text, "\nEverything is called through the gateway at {addr} (gRPC, gRPC-web and JSON).");
        let _ = writeln!(text, "Get a token for a demo account, then call any RPC:");
        let _ = writeln!(text, "  TOKEN=$(cadre dev token --as orgofficer)");
        let _ = writeln!(
            text,
            "  curl -s -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' \\\n    -d '{{\"nameQuery\":\"王\",\"pageSize\":5}}' http://{addr}/cadre.directory.v1.DirectoryService/SearchCadres"
        );
        let _ = writeln!(
            text,
            "  grpcurl -plaintext -H \"authorization: Bearer $TOKEN\" {addr} cadre.directory.v1.DirectoryService/ListOrgUnits"
        );
        let _ = writeln!(text, "  cadre import hr FILE.csv --token \"$(cadre dev token --as hr-system)\"");
        let _ = writeln!(
            text,
            "\nDemo accounts: orgofficer, committee, inspector, leader.t01, hr.t01, town.t01, cadre.t01,\n  leader.u01, hr.u01, cadre.u01, sysadmin, secadmin, auditadmin, hr-system, discipline-system\n"
        );
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

fn manage_keys(config: &Config, action: KeysAction) -> anyhow::Result<()> {
    let files = config.key_files();
    let mut stdout = std::io::stdout().lock();
    match action {
        KeysAction::Init => {
            let dir = files.signing_key.parent().unwrap_or(std::path::Path::new("."));
            if files.signing_key.exists() {
                anyhow::ensure!(files.public_keys.exists(), "{} is missing", files.public_keys.display());
                stdout.write_all(b"keys already present\n")?;
            } else {
                std::fs::create_dir_all(dir)?;
                let kid = keys::rotate(&files, false)?;
                stdout.write_all(format!("created key {kid}\n").as_bytes())?;
            }
        }
        KeysAction::Rotate => {
            let kid = keys::rotate(&files, true)?;
            stdout.write_all(
                format!("signing with {kid}; old public keys kept until `cadre keys retire`\n").as_bytes(),
            )?;
        }
        KeysAction::Retire => {
            let ttl = std::time::Duration::from_secs(config.auth.principal_ttl_secs);
            let kid = cadre_platform::auth::PrincipalSigner::load(&files.signing_key, ttl)?.kid();
            keys::retire_all_but(&files, &kid)?;
            stdout.write_all(format!("only {kid} is published now\n").as_bytes())?;
        }
    }
    Ok(())
}

async fn import_hr(
    config: &Config,
    file: &std::path::Path,
    endpoint: Option<String>,
    token: &str,
) -> anyhow::Result<()> {
    let records = hr_csv::read(file)?;
    let endpoint = endpoint.unwrap_or_else(|| format!("http://{}", config.gateway.listen));
    let total = records.len();
    let report = hr_csv::send(&endpoint, token, records, config.server.max_message_bytes).await?;
    println!(
        "{}: {total} rows read; received {}, created {}, updated {}, unchanged {}, rejected {}",
        file.display(),
        report.received,
        report.created,
        report.updated,
        report.unchanged,
        report.rejected
    );
    for error in &report.errors {
        let fields: Vec<String> =
            error.field_errors.iter().map(|f| format!("{}: {}", f.field, f.description)).collect();
        println!("  line {} ({}): {} {}", error.row + 1, error.external_id, error.reason, fields.join("; "));
    }
    anyhow::ensure!(report.rejected == 0, "{} rows were rejected", report.rejected);
    Ok(())
}

async fn verify_audit(config: &Config, target: &str) -> anyhow::Result<()> {
    let targets = Target::parse_list(target)?;
    for target in targets {
        let Some(service) = target.service(config) else { continue };
        let db = Db::connect(&config.database_url(target.name(), service), config.pool_options()).await?;
        let report = db.run(audit::verify).await?;
        match report.broken {
            None => println!("{}: audit chain intact, {} records", target.name(), report.records),
            Some(broken) => {
                anyhow::bail!(
                    "{}: audit chain broken at record {}: {}",
                    target.name(),
                    broken.seq,
                    broken.problem
                )
            }
        }
    }
    Ok(())
}
