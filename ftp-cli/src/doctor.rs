//! `ftpc doctor`: tries every compiled backend × {explicit, implicit} × {TLS 1.2, TLS 1.3}
//! (plus plain FTP with `--allow-plaintext`) in parallel, and says which combination to use,
//! or, when none works, what the failures mean.
//!
//! The combinations are [`AutoConnect`]'s candidates, one `AutoConnect` per TLS version
//! (its connectors pinned to that version), each run by [`AutoConnect::try_candidate`]: a
//! row works exactly when `ftpc --tls auto` would accept that profile.

use std::cmp::Reverse;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use ftpkit::CertificateInfo;
use ftpkit::{
    AutoConnect, Backend, Candidate, Config, Error, Phase, TlsMode, TlsOptions, TlsVersion,
};

use crate::failure::Failure;
use crate::ls::rfc3339;
use crate::url::FtpUrl;

/// One combination: a row of the table.
#[derive(Debug, Clone, Copy)]
struct Plan {
    backend: Option<Backend>,
    mode: TlsMode,
    version: Option<TlsVersion>,
    port: u16,
}

impl Plan {
    fn mode_name(&self) -> &'static str {
        match self.mode {
            TlsMode::Explicit => "explicit",
            TlsMode::Implicit => "implicit",
            _ => "none",
        }
    }
    fn version_name(&self) -> &'static str {
        match self.version {
            Some(TlsVersion::Tls10) => "1.0",
            Some(TlsVersion::Tls11) => "1.1",
            Some(TlsVersion::Tls12) => "1.2",
            Some(TlsVersion::Tls13) => "1.3",
            _ => "-",
        }
    }
    fn backend_name(&self) -> &'static str {
        self.backend.map_or("-", Backend::name)
    }
}

/// A row to run.
enum Job {
    /// A candidate of the `AutoConnect` for the row's TLS version.
    Candidate {
        plan: Plan,
        auto: Arc<AutoConnect>,
        candidate: Candidate,
    },
    /// The backend could not make a connector for that version: the row has failed already.
    Failed(Box<Outcome>),
}

impl Job {
    fn plan(&self) -> Plan {
        match self {
            Job::Candidate { plan, .. } => *plan,
            Job::Failed(o) => o.plan,
        }
    }
}

/// What one combination did.
#[derive(Debug, Clone)]
struct Outcome {
    plan: Plan,
    ok: bool,
    phase: String,
    error: Option<String>,
    timed_out_after_auth: bool,
    certificate_rejected: bool,
    tls_refused: bool,
    login_failed: bool,
    /// The TLS handshake and the login both worked (what failed came after them).
    logged_in: bool,
    /// Turned away with 421 in the greeting (a per-address connection limit).
    busy: bool,
    protocol: Option<String>,
    cipher: Option<String>,
    certificate: Option<CertificateInfo>,
    verification: String,
    list_ok: bool,
    resumed: Option<bool>,
    elapsed: Duration,
}

pub(crate) struct Inputs {
    pub url: FtpUrl,
    pub config: Config,
    pub tls: TlsOptions,
    pub user: String,
    pub password: String,
    pub backends: Vec<Backend>,
    pub modes: Vec<TlsMode>,
    pub implicit_port: u16,
    pub allow_plaintext: bool,
    pub json: bool,
}

pub(crate) fn run(inp: Inputs) -> Result<(), Failure> {
    let started = Instant::now();
    let jobs = plan(&inp);
    // In parallel: the whole run takes about as long as the slowest deadline.
    let mut outcomes: Vec<Outcome> = thread::scope(|s| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|j| {
                let inp = &inp;
                s.spawn(move || attempt(j, inp))
            })
            .collect();
        handles
            .into_iter()
            .zip(&jobs)
            .map(|(h, j)| h.join().unwrap_or_else(|_| panicked(j.plan())))
            .collect()
    });
    // Servers that limit connections per address answer the surplus with 421 at once:
    // those attempts say nothing about TLS, so they run again, one at a time. A server
    // counts a session until its process has exited, which can lag the client's QUIT by a
    // few milliseconds: an attempt turned away again gets a few more tries, after a
    // growing pause (50, 100, 200 ms).
    for (o, j) in outcomes.iter_mut().zip(&jobs).filter(|(o, _)| o.busy) {
        log::info!(
            "doctor: {} {} {} was turned away (too many connections); trying it again alone",
            o.plan.backend_name(),
            o.plan.mode_name(),
            o.plan.version_name()
        );
        *o = attempt(j, &inp);
        for pause_ms in [50, 100, 200] {
            if !o.busy {
                break;
            }
            log::info!("doctor: turned away again; trying once more in {pause_ms} ms");
            thread::sleep(Duration::from_millis(pause_ms));
            *o = attempt(j, &inp);
        }
    }
    let (verdict, best) = verdict(&outcomes, inp.allow_plaintext);
    let elapsed = started.elapsed();
    if inp.json {
        for o in &outcomes {
            println!("{}", json(o));
        }
        println!(
            "{}",
            serde_json::json!({
                "summary": true,
                "secure_ok": best.is_some(),
                "use": best.map(|p| serde_json::json!({"backend": p.backend_name(), "tls": p.mode_name()})),
                "verdict": verdict,
                "elapsed_ms": elapsed.as_millis() as u64,
            })
        );
    } else {
        print_table(&outcomes);
        println!("\n{verdict}");
        println!("(doctor took {:.1}s)", elapsed.as_secs_f64());
    }
    if best.is_some() {
        Ok(())
    } else {
        Err(Failure {
            code: 4,
            message: "doctor: no secure combination works (see above)".into(),
        })
    }
}

/// The rows, in preference order (the verdict relies on it): modes as given (explicit
/// first), backends as compiled, TLS versions newest first; plain FTP last.
///
/// They are the candidates of an `AutoConnect` per TLS version, its connectors pinned to
/// that version, and of one without connectors for plain FTP (its only candidate, when
/// allowed); a backend that cannot make a connector for a version has failed rows instead.
/// Connectors are made first (loading the system roots takes tens of milliseconds each),
/// so that every attempt's clock measures the network, not the set-up.
fn plan(inp: &Inputs) -> Vec<Job> {
    let explicit_port = match (inp.url.implicit_tls, inp.url.port) {
        (false, Some(p)) => p,
        _ => 21,
    };
    let auto = |connectors| {
        AutoConnect::new(inp.url.host.clone(), connectors)
            .port(explicit_port)
            .implicit_port(inp.implicit_port)
            .allow_implicit(inp.modes.contains(&TlsMode::Implicit))
            .config(inp.config.clone())
    };
    let mut autos = Vec::new();
    let mut jobs = Vec::new();
    let versions = [
        TlsVersion::Tls13,
        TlsVersion::Tls12,
        TlsVersion::Tls11,
        TlsVersion::Tls10,
    ];
    let wanted = |v: &TlsVersion| {
        !inp.modes.is_empty() && (inp.tls.min_version..=inp.tls.max_version).contains(v)
    };
    for version in versions.into_iter().filter(wanted) {
        let mut tls = inp.tls.clone();
        tls.min_version = version;
        tls.max_version = version;
        let mut connectors = Vec::new();
        for &backend in &inp.backends {
            match backend.connector(&tls) {
                Ok(c) => connectors.push(c),
                Err(e) => {
                    let e = Error::from_tls(Phase::Connect, backend.name(), e);
                    for &mode in &inp.modes {
                        let mut o = empty(Plan {
                            backend: Some(backend),
                            mode,
                            version: Some(version),
                            port: if mode == TlsMode::Implicit {
                                inp.implicit_port
                            } else {
                                explicit_port
                            },
                        });
                        failed_with(&mut o, &e, inp);
                        jobs.push(Job::Failed(Box::new(o)));
                    }
                }
            }
        }
        autos.push((Some(version), auto(connectors)));
    }
    autos.push((None, auto(Vec::new()).allow_plaintext(inp.allow_plaintext)));
    for (version, auto) in autos {
        let auto = Arc::new(auto);
        for c in auto.candidates() {
            let mode = c.profile.mode;
            if mode != TlsMode::Plain && !inp.modes.contains(&mode) {
                continue;
            }
            let backend = c
                .profile
                .backend
                .and_then(|name| inp.backends.iter().copied().find(|b| b.name() == name));
            jobs.push(Job::Candidate {
                plan: Plan {
                    backend,
                    mode,
                    version,
                    port: c.profile.port,
                },
                auto: auto.clone(),
                candidate: c,
            });
        }
    }
    jobs.sort_by_key(|j| {
        let p = j.plan();
        (
            // Plain FTP, in no TLS mode, last.
            inp.modes
                .iter()
                .position(|m| *m == p.mode)
                .unwrap_or(usize::MAX),
            p.backend
                .and_then(|b| inp.backends.iter().position(|x| *x == b)),
            Reverse(p.version),
        )
    });
    jobs
}

fn panicked(plan: Plan) -> Outcome {
    let mut o = empty(plan);
    o.error = Some("internal error: the attempt panicked".into());
    o
}

fn empty(plan: Plan) -> Outcome {
    Outcome {
        plan,
        ok: false,
        phase: "connect".into(),
        error: None,
        timed_out_after_auth: false,
        certificate_rejected: false,
        tls_refused: false,
        login_failed: false,
        logged_in: false,
        busy: false,
        protocol: None,
        cipher: None,
        certificate: None,
        verification: "-".into(),
        list_ok: false,
        resumed: None,
        elapsed: Duration::ZERO,
    }
}

/// Runs one row: the candidate, as `--tls auto` would, and what its record and error say.
fn attempt(job: &Job, inp: &Inputs) -> Outcome {
    let (plan, auto, candidate) = match job {
        Job::Failed(o) => return (**o).clone(),
        Job::Candidate {
            plan,
            auto,
            candidate,
        } => (*plan, auto, candidate),
    };
    let mut o = empty(plan);
    let (a, result) = auto.try_candidate(candidate, &inp.user, &inp.password);
    o.elapsed = a.elapsed;
    o.logged_in = a.logged_in;
    if let Some(info) = &a.tls {
        o.protocol = info.protocol.clone();
        o.cipher = info.cipher.clone();
        o.certificate = info.peer_certificate.clone();
        o.verification = if inp.tls.dangerous_accept_invalid_certs {
            "skipped (--insecure)".into()
        } else {
            "ok".into()
        };
    }
    match result {
        Ok(client) => {
            o.ok = true;
            o.phase = "complete".into();
            o.list_ok = true;
            o.resumed = a.data_tls.as_ref().and_then(|i| i.resumed);
            let _ = client.quit();
        }
        Err(e) => failed_with(&mut o, &e, inp),
    }
    o
}

/// Fills in what `e` says about the row.
fn failed_with(o: &mut Outcome, e: &Error, inp: &Inputs) {
    o.phase = e.phase().as_str().into();
    o.timed_out_after_auth = e.is_timeout() && e.phase() == Phase::TlsUpgrade;
    o.certificate_rejected =
        matches!(e, Error::Tls { detail, .. } if detail.contains("certificate rejected"));
    o.tls_refused = matches!(e, Error::TlsRequired { .. });
    o.login_failed = e.phase() == Phase::Login && !e.is_timeout();
    o.busy = e.phase() == Phase::Greeting && e.reply().is_some_and(|r| r.code() == 421);
    if o.certificate_rejected {
        o.verification = "failed".into();
        // Fetch the certificate anyway, without logging in, to show what it is.
        o.certificate = probe_certificate(o.plan, inp);
    }
    o.error = Some(crate::failure::cli_message(e));
}

fn probe_certificate(plan: Plan, inp: &Inputs) -> Option<CertificateInfo> {
    let backend = plan.backend?;
    let config = inp.config.clone();
    crate::trust::fetch_certificate(
        &inp.url.host,
        plan.port,
        plan.mode,
        backend,
        &inp.tls,
        config,
    )
    .ok()
}

/// The recommendation, and the best secure plan if any.
fn verdict(outcomes: &[Outcome], plaintext_tried: bool) -> (String, Option<Plan>) {
    let secure: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.plan.backend.is_some())
        .collect();
    // Outcomes are in preference order: explicit first, backends as compiled, TLS 1.3 first.
    if let Some(best) = secure.iter().find(|o| o.ok) {
        let p = best.plan;
        let other_version_ok = secure.iter().any(|o| {
            o.ok && o.plan.backend == p.backend
                && o.plan.mode == p.mode
                && o.plan.version != p.version
        });
        let note = if other_version_ok {
            String::new()
        } else {
            format!(" (works with TLS {} only)", p.version_name())
        };
        return (
            format!(
                "use: --backend {} --tls {}{note}",
                p.backend_name(),
                p.mode_name()
            ),
            Some(p),
        );
    }
    let plain_ok = outcomes.iter().any(|o| o.plan.backend.is_none() && o.ok);
    let explicit: Vec<&&Outcome> = secure
        .iter()
        .filter(|o| o.plan.mode == TlsMode::Explicit)
        .collect();
    let all_hang = !explicit.is_empty() && explicit.iter().all(|o| o.timed_out_after_auth);
    let mut text = String::from("no secure combination works. ");
    // The handshake and the login worked, then the protected data transfer failed: that is
    // not a TLS negotiation problem, and plain FTP is no answer to it.
    if let Some(o) = secure.iter().find(|o| o.logged_in) {
        text.push_str(&format!(
            "The TLS handshake and the login work ({} {}), but the protected data transfer (a directory listing) failed in the {} phase: {}",
            o.plan.backend_name(),
            o.plan.mode_name(),
            o.phase,
            o.error.as_deref().unwrap_or("?")
        ));
        text.push_str(
            ". This is not a TLS negotiation problem, and plain FTP would not fix it: follow the advice in the error, or see the errors above for each backend.",
        );
        return (text, None);
    }
    if all_hang {
        text.push_str(
            "The server answers AUTH TLS with 234 but never completes the TLS handshake, with every TLS library tried: \
             a server-side problem (its TLS set-up, or something on the path that drops TLS), not a client one. ",
        );
    } else if secure.iter().any(|o| o.certificate_rejected) {
        text.push_str(
            "TLS works but the server's certificate is not trusted: if it is the server you mean, pass its CA with --ca-file, or, for a self-signed server, pin its certificate once its fingerprint (above) matches the administrator's: --pin, or ftpc trust URL. ",
        );
    } else if secure.iter().any(|o| o.login_failed) {
        text.push_str("TLS works but the login was refused: check the user name and password. ");
    } else if explicit.iter().all(|o| o.tls_refused) {
        text.push_str("The server refuses AUTH TLS: it may not offer FTPS at all. ");
    }
    if plain_ok {
        text.push_str(
            "Plain FTP works: use --tls none only on a network you trust, since it sends the password in the clear.",
        );
    } else if plaintext_tried {
        text.push_str("Plain FTP does not work either.");
    } else {
        text.push_str("Run again with --allow-plaintext to check whether plain FTP works.");
    }
    (text, None)
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

fn print_table(outcomes: &[Outcome]) {
    println!(
        "{:<10} {:<8} {:<3} {:<6} {:<15} {:<8} {:<32} {:<8} {:<4} {:<7} {:>6}",
        "BACKEND",
        "MODE",
        "TLS",
        "RESULT",
        "PHASE",
        "VERSION",
        "CIPHER",
        "CERT",
        "LIST",
        "RESUMED",
        "TIME"
    );
    for o in outcomes {
        println!(
            "{:<10} {:<8} {:<3} {:<6} {:<15} {:<8} {:<32} {:<8} {:<4} {:<7} {:>5.1}s",
            o.plan.backend_name(),
            o.plan.mode_name(),
            o.plan.version_name(),
            if o.ok { "ok" } else { "FAIL" },
            o.phase,
            o.protocol.as_deref().unwrap_or("-"),
            o.cipher.as_deref().unwrap_or("-"),
            o.verification.split(' ').next().unwrap_or("-"),
            if o.list_ok { "yes" } else { "no" },
            yes_no(o.resumed),
            o.elapsed.as_secs_f64()
        );
    }
    let mut certs_shown = Vec::new();
    for o in outcomes {
        if let Some(c) = &o.certificate {
            if !certs_shown.contains(&c.subject) {
                certs_shown.push(c.subject.clone());
                println!(
                    "\ncertificate: subject [{}] issuer [{}] expires {}",
                    c.subject,
                    c.issuer,
                    rfc3339(c.not_after).unwrap_or_else(|| "?".into())
                );
                // What a user compares with the administrator's, then pins (--pin).
                if let Some(fp) = &c.fingerprints {
                    println!("  fingerprint: {}", fp.certificate_pin());
                    if let Some(key) = fp.public_key_pin() {
                        println!("  public key:  {key}");
                    }
                }
            }
        }
    }
    let failures: Vec<&Outcome> = outcomes.iter().filter(|o| !o.ok).collect();
    if !failures.is_empty() {
        println!("\nerrors:");
        for o in failures {
            println!(
                "  {} {} {}: {}",
                o.plan.backend_name(),
                o.plan.mode_name(),
                o.plan.version_name(),
                o.error.as_deref().unwrap_or("?")
            );
        }
    }
}

fn json(o: &Outcome) -> serde_json::Value {
    serde_json::json!({
        "backend": o.plan.backend.map(Backend::name),
        "mode": o.plan.mode_name(),
        "tls_version": o.plan.version.map(|_| o.plan.version_name()),
        "port": o.plan.port,
        "ok": o.ok,
        "phase": o.phase,
        "protocol": o.protocol,
        "cipher": o.cipher,
        "certificate": o.certificate.as_ref().map(|c| serde_json::json!({
            "subject": c.subject,
            "issuer": c.issuer,
            "not_after": rfc3339(c.not_after),
            "sha256": c.fingerprints.map(|f| f.certificate_pin().to_string()),
            "public_key_sha256": c.fingerprints.and_then(|f| f.public_key_pin()).map(|p| p.to_string()),
        })),
        "verification": o.verification,
        "protected_list": o.list_ok,
        "data_session_resumed": o.resumed,
        "elapsed_ms": o.elapsed.as_millis() as u64,
        "error": o.error,
    })
}
