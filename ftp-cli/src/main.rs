//! `ftpc`: get, put, ls, rm, mkdir over FTP and FTPS.
//!
//! Exit codes: 0 success; 2 bad usage (also: a user without a password and no terminal to
//! ask on); 3 connect or greeting; 4 TLS; 5 login; 6 a command was refused (for `quote`: a
//! 4xx or 5xx reply); 7 data connection or transfer; 8 local file error; 9 not found (a 550
//! reply to a command whose path must exist); 10 timeout (any deadline fired).

// The clap help texts show URL syntax ("[user[:password]@]"), which rustdoc would read as links.
#![allow(rustdoc::broken_intra_doc_links)]

mod args;
mod commands;
mod creds;
mod doctor;
mod failure;
mod get;
mod hash;
mod ls;
mod netrc;
mod progress;
mod proxy;
mod put;
mod session;
mod tree;
mod trust;
mod url;
#[cfg(test)]
mod url_fuzz;

use std::process::ExitCode;

use clap::Parser;
use ftpkit::{Backend, TlsMode};

use std::path::PathBuf;

use args::{Cli, Cmd, Opts, TlsArg};
use failure::{local, usage, Failure};
use session::{base_config, credentials, init_log, open, quit, tls_options};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("ftpc: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let opts = &cli.opts;
    match cli.command {
        Cmd::Ls { url, json } => ls::run(&url, json, opts)?,
        Cmd::Get {
            urls,
            output,
            resume,
            verify,
            recursive: true,
            tree,
        } => {
            if output.is_some() || resume || verify || urls.len() > 2 {
                return Err(usage("get -r takes a URL and a local directory; -o, --resume and --verify are for single files (a tree resumes by itself)"));
            }
            let dir = match urls.get(1) {
                Some(d) => PathBuf::from(d),
                None => default_dir(&urls[0])?,
            };
            tree::run(tree::Job::Get, &urls[0], dir, &tree, opts)?
        }
        Cmd::Get {
            urls,
            output,
            resume,
            verify,
            recursive: false,
            tree,
        } => {
            no_tree_options(&tree, "get")?;
            get::many(urls, output, resume, verify, opts)?
        }
        Cmd::Put {
            file,
            url,
            atomic,
            resume,
            recursive,
            mut tree,
        } => {
            if recursive {
                if resume {
                    return Err(usage(
                        "put -r resumes interrupted files by itself; --resume is for single files",
                    ));
                }
                tree.atomic = atomic;
                tree::run(tree::Job::Put, &url, file, &tree, opts)?
            } else {
                no_tree_options(&tree, "put")?;
                put_cmd(file, url, atomic, resume, opts)?
            }
        }
        Cmd::Mirror {
            source,
            target,
            reverse,
            atomic,
            mut tree,
        } => {
            tree.atomic = atomic;
            if reverse {
                tree::run(
                    tree::Job::MirrorReverse,
                    &target,
                    PathBuf::from(source),
                    &tree,
                    opts,
                )?
            } else {
                tree::run(
                    tree::Job::Mirror,
                    &source,
                    PathBuf::from(target),
                    &tree,
                    opts,
                )?
            }
        }
        Cmd::Rm { url, recursive } => commands::rm(&url, recursive, opts)?,
        Cmd::Rmdir { url } => commands::rmdir(&url, opts)?,
        Cmd::Mv { url, new_path } => commands::mv(&url, &new_path, opts)?,
        Cmd::Cat { url } => commands::cat(&url, opts)?,
        Cmd::Stat { url, json } => commands::stat(&url, json, opts)?,
        Cmd::Quote { url, command } => commands::quote(&url, &command, opts)?,
        Cmd::Doctor {
            url,
            json,
            implicit_port,
        } => doctor_cmd(url, json, implicit_port, opts)?,
        Cmd::Mkdir { url, parents } => commands::mkdir(&url, parents, opts)?,
        Cmd::Trust { url, yes } => trust::run(&url, yes, opts)?,
    }
    Ok(())
}

/// Tree options without `-r` would be silently meaningless: refuse them.
fn no_tree_options(tree: &args::TreeArgs, cmd: &str) -> Result<(), Failure> {
    if tree.any() {
        return Err(usage(format!(
            "--parallel, --update, --delete, --dry-run, --retry, --include, --exclude and --json need {cmd} -r (or mirror)"
        )));
    }
    Ok(())
}

/// The local directory for `get -r URL`: the remote directory's name.
fn default_dir(raw_url: &str) -> Result<PathBuf, Failure> {
    let u = url::parse(raw_url).map_err(usage)?;
    let name = u
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    if name.is_empty() || name == "." || name == ".." {
        return Err(usage("get -r URL DIR: give the local directory (the URL names no directory to call it after)"));
    }
    Ok(PathBuf::from(name))
}

/// Downloads a file (`ftpc get`).
fn get_cmd(
    url: String,
    output: Option<String>,
    resume: bool,
    verify: bool,
    opts: &Opts,
) -> Result<(), Failure> {
    let (mut ftp, path) = open(&url, opts)?;
    if path.is_empty() || path.ends_with('/') {
        return Err(usage("get needs a file path in the URL"));
    }
    let target =
        output.unwrap_or_else(|| path.rsplit('/').next().unwrap_or(path.as_str()).to_string());
    get::run(
        &mut ftp,
        get::Get {
            path,
            target,
            resume,
            verify,
        },
    )?;
    quit(ftp);
    Ok(())
}

/// Uploads a file (`ftpc put`).
fn put_cmd(
    file: PathBuf,
    url: String,
    atomic: bool,
    resume: bool,
    opts: &Opts,
) -> Result<(), Failure> {
    if file.as_os_str() == "-" {
        return put::stdin(url, atomic, resume, opts);
    }
    // A missing local file is an error before anything is sent.
    std::fs::File::open(&file).map_err(|e| local("opening", &file, e))?;
    let (mut ftp, mut path) = open(&url, opts)?;
    if path.is_empty() || path.ends_with('/') {
        let name = file.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            usage("the local file name is not UTF-8; give a remote name in the URL")
        })?;
        path.push_str(name);
    }
    put::run(
        &mut ftp,
        put::Put {
            local: &file,
            path,
            atomic,
            resume,
        },
    )?;
    quit(ftp);
    Ok(())
}

/// Tries every backend, mode and version (`ftpc doctor`).
fn doctor_cmd(
    url: String,
    json: bool,
    implicit_port: Option<u16>,
    opts: &Opts,
) -> Result<(), Failure> {
    init_log(opts);
    let u = url::parse(&url).map_err(usage)?;
    let backends = match opts.backend {
        Some(b) if !b.is_available() => {
            return Err(usage(format!(
                "the {b} backend is not compiled into this ftpc"
            )))
        }
        Some(b) => vec![b],
        None => Backend::available(),
    };
    let (modes, allow_plaintext) = match opts.tls {
        None | Some(TlsArg::Auto) => (
            vec![TlsMode::Explicit, TlsMode::Implicit],
            opts.allow_plaintext,
        ),
        Some(TlsArg::Explicit) => (vec![TlsMode::Explicit], opts.allow_plaintext),
        Some(TlsArg::Implicit) => (vec![TlsMode::Implicit], opts.allow_plaintext),
        Some(TlsArg::None) => (vec![], true),
    };
    let implicit_port = match (implicit_port, u.implicit_tls, u.port) {
        (Some(p), _, _) => p,
        (None, true, Some(p)) => p,
        _ => 990,
    };
    let (user, password) = credentials(&u, opts)?;
    doctor::run(doctor::Inputs {
        config: base_config(opts, &u.host)?,
        tls: tls_options(opts)?,
        url: u,
        user,
        password,
        backends,
        modes,
        implicit_port,
        allow_plaintext,
        json,
    })?;
    Ok(())
}
