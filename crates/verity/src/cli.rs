//! Command-line interface: parses subcommands and runs them.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use verity_core::id::ApiKeyId;

use crate::config::Config;
use crate::setup::{create_api_key, now, open_store};

#[derive(Parser, Debug)]
#[command(name = "verity", version, about = "Self-hosted identity verification")]
pub struct Cli {
    /// Configuration file (default: ./verity.toml if present).
    #[arg(long, global = true, env = "VERITY_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default when no subcommand is given).
    Serve {
        /// Port to listen on (overrides `listen`'s port).
        #[arg(long)]
        port: Option<u16>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Manage templates.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Manage console operators (docs/console.md).
    #[command(subcommand)]
    Operator(crate::operators::OperatorCommand),
    /// Write a consistent copy of the SQLite database to FILE (safe while the server runs).
    Backup { file: PathBuf },
    /// Restore a backup made by `verity backup` into the data directory (server stopped).
    Restore {
        file: PathBuf,
        /// The data directory to restore into (default: `data_dir` of the configuration).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Replace the database of a data directory that is not empty.
        #[arg(long)]
        force: bool,
    },
    /// Manage the key-encryption keys of encryption at rest (docs/encryption.md).
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Add a new current key to the keyring file and re-wrap every data key with it
    /// (the rows stay as they are). Restart running servers afterwards.
    Rotate,
    /// Re-wrap every data key with the keyring's current (last) key.
    Rewrap,
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create a key and print its secret (shown once).
    Create {
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by id.
    Revoke { id: String },
}

#[derive(Subcommand, Debug)]
pub enum TemplateCommand {
    /// Create a template from a TOML or JSON file and print its id.
    Import { file: PathBuf },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve { port: None }) {
        Command::Serve { port } => {
            if let Some(port) = port {
                config.listen.set_port(port);
            }
            crate::serve::serve(config).await
        }
        Command::Migrate => {
            let store = open_store(&config).await?;
            store.migrate().await?;
            println!("migrations applied ({})", store.backend());
            Ok(())
        }
        Command::ApiKey(cmd) => {
            let store = open_store(&config).await?;
            match cmd {
                ApiKeyCommand::Create { name } => {
                    let secret = create_api_key(store.as_ref(), &name).await?;
                    println!("{secret}");
                }
                ApiKeyCommand::List => {
                    for key in store.list_api_keys().await? {
                        let state = if key.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "active"
                        };
                        println!("{}\t{}…\t{}\t{}", key.id, key.hint, state, key.name);
                    }
                }
                ApiKeyCommand::Revoke { id } => {
                    let id = ApiKeyId::parse(&id)?;
                    store.revoke_api_key(&id, now()).await?;
                    println!("revoked {id}");
                }
            }
            Ok(())
        }
        Command::Keys(KeysCommand::Rotate) => {
            let (id, path) = crate::keys::append_new_key(&config)?;
            let moved = open_store(&config).await?.rewrap_data_keys().await?;
            println!("added key-encryption key {id} to {}", path.display());
            println!("re-wrapped {moved} data keys; older keys in that file may now be removed");
            Ok(())
        }
        Command::Keys(KeysCommand::Rewrap) => {
            let store = open_store(&config).await?;
            let moved = store.rewrap_data_keys().await?;
            println!("re-wrapped {moved} data keys");
            Ok(())
        }
        Command::Operator(cmd) => crate::operators::run(&config, cmd).await,
        Command::Backup { file } => crate::backup::backup(&config, &file).await,
        Command::Restore {
            file,
            data_dir,
            force,
        } => crate::backup::restore(&config, &file, data_dir, force).await,
        Command::Template(TemplateCommand::Import { file }) => {
            let store = open_store(&config).await?;
            let template = crate::template_file::load(&file, now())?;
            store.insert_template(&template).await?;
            println!("{}", template.id);
            Ok(())
        }
    }
}
