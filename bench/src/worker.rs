//! The library clients, run in a child process: this library (`ftpkit`, on the backend the
//! job names) and suppaftp (blocking API, rustls). Each returns an error when the result is
//! short, so that a fast wrong run never counts.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::sync::Arc;

use ftpkit::{Backend, Client, Credentials, Pool, Security, TlsOptions, TreeSync};

use crate::job::{Job, Op};

type Res<T> = Result<T, String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

pub fn main(client: &str, args: &[String]) -> Res<()> {
    let job = Job::from_args(args)?;
    match client {
        "ftpkit" => ftpkit(&job),
        "suppaftp" => suppaftp(&job),
        other => Err(format!("worker: unknown client {other}")),
    }
}

fn check(what: &str, got: u64, want: u64) -> Res<()> {
    match got == want {
        true => Ok(()),
        false => Err(format!("{what}: {got} of {want}")),
    }
}

fn security(job: &Job) -> Res<Security> {
    if !job.tls {
        return Ok(Security::Plain);
    }
    let backend = match job.backend.as_str() {
        "openssl" => Backend::OpenSsl,
        _ => Backend::Rustls,
    };
    let mut options = TlsOptions::default();
    options.system_roots = false;
    options.ca_files = vec![job.ca.clone()];
    Ok(Security::Explicit(
        backend.connector(&options).map_err(err)?,
    ))
}

fn ftpkit(job: &Job) -> Res<()> {
    let builder = Client::builder(job.host.as_str(), security(job)?).port(job.port);
    let login = |builder: ftpkit::ClientBuilder| -> Res<Client> {
        let mut ftp = builder.connect().map_err(err)?;
        ftp.login(&job.user, &job.password).map_err(err)?;
        Ok(ftp)
    };
    match job.op {
        Op::Get => {
            let mut ftp = login(builder)?;
            let out = File::create(&job.local).map_err(err)?;
            let n = ftp
                .download_file(job.remote.as_str(), &out, None)
                .map_err(err)?;
            let _ = ftp.quit();
            check("bytes", n, job.expect)
        }
        Op::Put => {
            let mut ftp = login(builder)?;
            let input = File::open(&job.local).map_err(err)?;
            let n = ftp
                .upload_file(job.remote.as_str(), &input, None)
                .map_err(err)?;
            let _ = ftp.quit();
            check("bytes", n, job.expect)
        }
        Op::Files if job.sessions == 0 => {
            let mut ftp = login(builder)?;
            for i in 0..job.expect {
                let local = job.local.join(format!("f{i}.bin"));
                let mut out = BufWriter::new(File::create(local).map_err(err)?);
                ftp.download_to(format!("{}/f{i}.bin", job.remote), &mut out, None)
                    .map_err(err)?;
                out.flush().map_err(err)?;
            }
            let _ = ftp.quit();
            Ok(())
        }
        Op::Files | Op::Tree => {
            let pool = Pool::new(
                builder,
                Credentials::new(&job.user, &job.password),
                job.sessions.max(1),
            );
            let sync = TreeSync::download(job.remote.as_str(), &job.local);
            let plan = sync.plan(&pool).map_err(err)?;
            let report = sync.run(&pool, &plan, None);
            check("files", report.transferred().0 as u64, job.expect)
        }
        Op::List => {
            let mut ftp = login(builder)?;
            let n = ftp.list(job.remote.as_str()).map_err(err)?.len();
            let _ = ftp.quit();
            check("entries", n as u64, job.expect)
        }
    }
}

/// suppaftp's documented blocking use: `FtpStream::connect`, `into_secure` with a rustls
/// config trusting the bench's CA (it resumes the control session on data connections
/// through rustls's session cache), binary type, then `retr`/`put_file`/`list`.
fn suppaftp(job: &Job) -> Res<()> {
    use suppaftp::types::FileType;
    let addr = format!("{}:{}", job.host, job.port);
    macro_rules! with_session {
        ($ftp:ident => $body:expr) => {{
            if job.tls {
                let plain = suppaftp::RustlsFtpStream::connect(&addr).map_err(err)?;
                let mut $ftp = plain
                    .into_secure(
                        suppaftp::RustlsConnector::from(rustls_config(job)?),
                        &job.host,
                    )
                    .map_err(err)?;
                $ftp.login(&job.user, &job.password).map_err(err)?;
                $ftp.transfer_type(FileType::Binary).map_err(err)?;
                let r: Res<()> = $body;
                let _ = $ftp.quit();
                r
            } else {
                let mut $ftp = suppaftp::FtpStream::connect(&addr).map_err(err)?;
                $ftp.login(&job.user, &job.password).map_err(err)?;
                $ftp.transfer_type(FileType::Binary).map_err(err)?;
                let r: Res<()> = $body;
                let _ = $ftp.quit();
                r
            }
        }};
    }
    fn get(r: &mut dyn Read, local: &std::path::Path) -> suppaftp::FtpResult<u64> {
        let mut out = File::create(local).map_err(suppaftp::FtpError::ConnectionError)?;
        std::io::copy(r, &mut out).map_err(suppaftp::FtpError::ConnectionError)
    }
    match job.op {
        Op::Get => with_session!(ftp => {
            let n = ftp.retr(&job.remote, |r| get(r, &job.local)).map_err(err)?;
            check("bytes", n, job.expect)
        }),
        Op::Put => with_session!(ftp => {
            let mut input = File::open(&job.local).map_err(err)?;
            let n = ftp.put_file(&job.remote, &mut input).map_err(err)?;
            check("bytes", n, job.expect)
        }),
        Op::Files => with_session!(ftp => {
            for i in 0..job.expect {
                let local = job.local.join(format!("f{i}.bin"));
                ftp.retr(&format!("{}/f{i}.bin", job.remote), |r| get(r, &local))
                    .map_err(err)?;
            }
            Ok(())
        }),
        Op::List => with_session!(ftp => {
            let n = ftp.list(Some(&job.remote)).map_err(err)?.len();
            check("entries", n as u64, job.expect)
        }),
        Op::Tree => Err("suppaftp has no recursive download".into()),
    }
}

fn rustls_config(job: &Job) -> Res<Arc<rustls::ClientConfig>> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&job.ca).map_err(err)? {
        roots.add(cert.map_err(err)?).map_err(err)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(err)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
