//! `lastschrift users list|add|reset-password|set-role`: the web UI's users from the command
//! line, so that whoever runs the installation can always get back in (a forgotten password, no
//! administrator left). The rules are the core's: [`lastschrift_core::App`].

use super::context::{open_app, runtime, setup};
use super::{Outcome, SetupError};
use clap::{Args, Subcommand, ValueEnum};
use lastschrift_core::store::Role;
use std::io::{BufRead as _, Write as _};
use std::path::Path;

#[derive(Debug, Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    command: UsersCommand,
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Lists the users of the web UI with their roles.
    List {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Adds a user. The password is read from the first line of standard input; with an empty
    /// input a random one is made and printed once.
    #[command(after_help = "Examples:
  lastschrift users add anna --role preparer < password.txt
  lastschrift users add notfall --role admin          # prints a random password")]
    Add {
        name: String,
        #[arg(long, value_enum, default_value = "viewer")]
        role: RoleArg,
    },
    /// Sets a new password (read like `add`) and ends every session of the user.
    #[command(after_help = "Examples:
  lastschrift users reset-password admin               # prints a random password")]
    ResetPassword { name: String },
    /// Changes a user's role (never leaves the installation without an administrator).
    SetRole {
        name: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RoleArg {
    Viewer,
    Preparer,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Preparer => Role::Preparer,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// The first line of standard input, or a random password that is printed once.
fn password_from_stdin() -> anyhow::Result<(String, bool)> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        Ok((
            lastschrift_core::users::random_token()[..24].to_owned(),
            true,
        ))
    } else {
        Ok((line, false))
    }
}

async fn user_of(
    app: &lastschrift_core::App,
    name: &str,
) -> anyhow::Result<lastschrift_core::store::User> {
    match app.user_by_name(name).await.map_err(setup)? {
        Some(user) => Ok(user),
        None => Err(SetupError::new(format!(
            "there is no user `{name}`; see `lastschrift users list`"
        ))
        .into()),
    }
}

pub fn run(args: &UsersArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let result = command(&app, &args.command).await;
        app.close().await;
        result
    })
}

async fn command(app: &lastschrift_core::App, command: &UsersCommand) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    match command {
        UsersCommand::List { json } => {
            let users = app.users().await.map_err(setup)?;
            if *json {
                writeln!(out, "{}", serde_json::to_string_pretty(&users)?)?;
            } else {
                for u in &users {
                    writeln!(
                        out,
                        "{:>4}  {:<24}  {:<8}  since {}",
                        u.id,
                        u.username,
                        u.role.as_str(),
                        u.created_at.format("%d.%m.%Y")
                    )?;
                }
                if !users.iter().any(|u| u.role == Role::Admin) {
                    writeln!(
                        out,
                        "No administrator: give one back with `lastschrift users set-role NAME admin`."
                    )?;
                }
            }
        }
        UsersCommand::Add { name, role } => {
            let (password, generated) = password_from_stdin()?;
            let user = app
                .create_user(name, &password, (*role).into())
                .await
                .map_err(setup)?;
            writeln!(out, "Added {} ({}).", user.username, user.role.as_str())?;
            if generated {
                writeln!(out, "Password (shown once): {password}")?;
            }
        }
        UsersCommand::ResetPassword { name } => {
            let user = user_of(app, name).await?;
            let (password, generated) = password_from_stdin()?;
            app.reset_password(user.id, &password)
                .await
                .map_err(setup)?;
            writeln!(
                out,
                "New password set for {}; every session of the user has ended.",
                user.username
            )?;
            if generated {
                writeln!(out, "Password (shown once): {password}")?;
            }
        }
        UsersCommand::SetRole { name, role } => {
            let user = user_of(app, name).await?;
            app.set_user_role(user.id, (*role).into())
                .await
                .map_err(setup)?;
            writeln!(
                out,
                "{} is now {}.",
                user.username,
                Role::from(*role).as_str()
            )?;
        }
    }
    Ok(Outcome::Done)
}
