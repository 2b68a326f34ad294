//! Who logs in, and with which password: `--user`/`--password` (or `FTPC_PASSWORD`), then
//! the URL's `user:password@`, then the netrc file, then (for a named user still without a
//! password) a prompt on the terminal; no user at all is anonymous. Without a terminal to
//! ask on, a named user without a password is a usage error: an empty `PASS` is never sent
//! by surprise.

use std::io::IsTerminal;
use std::sync::Mutex;

use crate::args::Opts;
use crate::failure::{local, usage, Failure};
use crate::netrc;
use crate::url::FtpUrl;

/// Passwords typed at the prompt, by user and host, so that a command opening several
/// sessions (several URLs, a reconnection) asks once.
static TYPED: Mutex<Vec<(String, String, String)>> = Mutex::new(Vec::new());

/// The user and password for the URL's server.
pub(crate) fn resolve(u: &FtpUrl, opts: &Opts) -> Result<(String, String), Failure> {
    let user = opts.user.clone().or_else(|| u.user.clone());
    let password = opts.password.clone().or_else(|| u.password.clone());
    if let (Some(user), Some(password), false) = (&user, &password, opts.netrc) {
        return Ok((user.clone(), password.clone()));
    }
    let entry = netrc_entry(&u.host, user.as_deref(), opts)?;
    if opts.netrc && entry.is_none() {
        return Err(usage(format!(
            "--netrc: the netrc file has no entry for {}{} (machine {} login ... password ...)",
            user.as_deref().map(|u| format!("{u}@")).unwrap_or_default(),
            u.host,
            u.host
        )));
    }
    let user = user
        .or_else(|| entry.as_ref().and_then(|e| e.login.clone()))
        .unwrap_or_else(|| "anonymous".into());
    if let Some(p) = password.or_else(|| entry.and_then(|e| e.password)) {
        return Ok((user, p));
    }
    if user == "anonymous" || user == "ftp" {
        return Ok((user, "ftpc@".into()));
    }
    let password = ask(&user, &u.host)?;
    Ok((user, password))
}

/// The netrc entry for the host (and user, when known), unless `--no-netrc`.
fn netrc_entry(
    host: &str,
    user: Option<&str>,
    opts: &Opts,
) -> Result<Option<netrc::Entry>, Failure> {
    if opts.no_netrc {
        return Ok(None);
    }
    let parsed = match &opts.netrc_file {
        // Named on the command line: it must be there.
        Some(path) => match netrc::load(path) {
            Ok(Some(n)) => n,
            Ok(None) => {
                return Err(local(
                    "reading",
                    path,
                    std::io::Error::from(std::io::ErrorKind::NotFound),
                ))
            }
            Err(e) => return Err(local("reading", path, e)),
        },
        // ~/.netrc is optional; one that cannot be read is said, not fatal.
        None => match netrc::default_path().map(|p| (netrc::load(&p), p)) {
            Some((Ok(Some(n)), _)) => n,
            Some((Err(e), p)) => {
                eprintln!("ftpc: warning: cannot read {}: {e}; ignored", p.display());
                return Ok(None);
            }
            _ => return Ok(None),
        },
    };
    Ok(parsed.find(host, user).cloned())
}

/// Asks for the password on the terminal, echo off.
fn ask(user: &str, host: &str) -> Result<String, Failure> {
    let mut typed = TYPED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, _, p)) = typed.iter().find(|(u, h, _)| u == user && h == host) {
        return Ok(p.clone());
    }
    let how = format!(
        "set FTPC_PASSWORD, or put \"machine {host} login {user} password ...\" in ~/.netrc (or --netrc-file FILE)"
    );
    if !(std::io::stdin().is_terminal() || std::io::stderr().is_terminal()) {
        return Err(usage(format!(
            "no password for {user}@{host}, and no terminal to ask for one on: {how}"
        )));
    }
    let password =
        rpassword::prompt_password(format!("Password for {user}@{host}: ")).map_err(|e| {
            usage(format!(
                "cannot ask for the password of {user}@{host} ({e}): {how}"
            ))
        })?;
    typed.push((user.into(), host.into(), password.clone()));
    Ok(password)
}
