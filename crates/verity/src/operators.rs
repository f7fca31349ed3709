//! `verity operator create|list|disable|reset-password`: console accounts from the command
//! line (docs/console.md §1). A password is read from standard input with `--password-stdin`,
//! else generated and printed once; it is never logged.

use std::io::BufRead as _;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use verity_app::{operators, App};
use verity_core::operator::OperatorRole;

use crate::config::Config;
use crate::setup::open_store;

#[derive(Subcommand, Debug)]
pub enum OperatorCommand {
    /// Create an operator and print its password (shown once) unless read from stdin.
    Create {
        #[arg(long)]
        email: String,
        /// admin, reviewer or viewer.
        #[arg(long, value_parser = parse_role)]
        role: OperatorRole,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List operators (never their password hashes).
    List,
    /// Disable an operator and end its sessions.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Set a new password (printed once unless read from stdin), end the account's lock and
    /// its sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove an operator's second factor (a lost authenticator) and end its sessions.
    ResetTotp {
        #[arg(long)]
        email: String,
    },
}

fn parse_role(value: &str) -> Result<OperatorRole, String> {
    OperatorRole::parse(value).ok_or_else(|| format!("`{value}` is not admin, reviewer or viewer"))
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub async fn run(config: &Config, command: OperatorCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let app = App::new(store, Arc::new(verity_http::payloads::Wire));
    match command {
        OperatorCommand::Create {
            email,
            role,
            password_stdin,
        } => {
            let password = password_stdin.then(read_password).transpose()?;
            let (operator, generated) = operators::create(&app, &email, role, password).await?;
            println!(
                "created operator {} ({}, {})",
                operator.email, operator.role, operator.id
            );
            if let Some(password) = generated {
                println!("password (shown once): {password}");
            }
        }
        OperatorCommand::List => {
            for o in app.store.list_operators().await? {
                let state = match (o.disabled_at, o.locked_until) {
                    (Some(_), _) => "disabled",
                    (None, Some(until)) if until > crate::setup::now() => "locked",
                    _ => "active",
                };
                println!("{}\t{}\t{}\t{}", o.id, o.email, o.role, state);
            }
        }
        OperatorCommand::Disable { email } => {
            let operator = operators::disable(&app, &email).await?;
            println!("disabled {}", operator.email);
        }
        OperatorCommand::ResetPassword {
            email,
            password_stdin,
        } => {
            let password = password_stdin.then(read_password).transpose()?;
            let generated = operators::reset_password(&app, &email, password).await?;
            println!("password reset for {email}; its sessions are ended");
            if let Some(password) = generated {
                println!("password (shown once): {password}");
            }
        }
        OperatorCommand::ResetTotp { email } => {
            let operator = operators::reset_totp(&app, &email).await?;
            println!(
                "second factor removed for {}; its sessions are ended",
                operator.email
            );
        }
    }
    Ok(())
}
