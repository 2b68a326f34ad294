//! `ftpc doctor`: tries every compiled backend × {explicit, implicit} × {TLS 1.2, TLS 1.3}
//! (plus plain FTP with `--allow-plaintext`) in parallel, and says which combination to use,
//! or, when none works, what the failures mean.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use ftpkit::CertificateInfo;
use ftpkit::{
    Backend, Client, Config, Error, Phase, Security, TlsConnector, TlsError, TlsMode, TlsOptions,
    TlsVersion,
};

use crate::failure::Failure;
use crate::ls::rfc3339;
use crate::url::FtpUrl;

/// One combination to try.
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

/// What one combination did.
#[derive(Debug)]
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
    let explicit_port = match (inp.url.implicit_tls, inp.url.port) {
        (false, Some(p)) => p,
        _ => 21,
    };
    let mut plans = Vec::new();
    for &mode in &inp.modes {
        for &backend in &inp.backends {
            // Newest first: the verdict prefers the first that works.
            for version in [
                TlsVersion::Tls13,
                TlsVersion::Tls12,
                TlsVersion::Tls11,
                TlsVersion::Tls10,
            ]
            .into_iter()
            .filter(|v| (inp.tls.min_version..=inp.tls.max_version).contains(v))
            {
                plans.push(Plan {
                    backend: Some(backend),
                    mode,
                    version: Some(version),
                    port: if mode == TlsMode::Implicit {
                        inp.implicit_port
                    } else {
                        explicit_port
                    },
                });
            }
        }
    }
    if inp.allow_plaintext {
        plans.push(Plan {
            backend: None,
            mode: TlsMode::Plain,
            version: None,
            port: explicit_port,
        });
    }
    // Connectors first (loading the system roots takes tens of milliseconds each), so that
    // every attempt's clock measures the network, not the set-up.
    let connectors: Vec<_> = plans.iter().map(|p| connector_for(p, &inp)).collect();
    // In parallel: the whole run takes about as long as the slowest deadline.
    let mut outcomes: Vec<Outcome> = thread::scope(|s| {
        let handles: Vec<_> = plans
            .iter()
            .zip(connectors)
            .map(|(p, c)| {
                let inp = &inp;
                s.spawn(move || attempt(*p, c, inp))
            })
            .collect();
        handles
            .into_iter()
            .zip(&plans)
            .map(|(h, p)| h.join().unwrap_or_else(|_| panicked(*p)))
            .collect()
    });
    // Servers that limit connections per address answer the surplus with 421 at once:
    // those attempts say nothing about TLS, so they run again, one at a time.
    for o in outcomes.iter_mut().filter(|o| o.busy) {
        log::info!(
            "doctor: {} {} {} was turned away (too many connections); trying it again alone",
            o.plan.backend_name(),
            o.plan.mode_name(),
            o.plan.version_name()
        );
        let plan = o.plan;
        *o = attempt(plan, connector_for(&plan, &inp), &inp);
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

fn connector_for(p: &Plan, inp: &Inputs) -> Option<Result<Arc<dyn TlsConnector>, TlsError>> {
    p.backend.map(|b| {
        let mut tls = inp.tls.clone();
        if let Some(v) = p.version {
            tls.min_version = v;
            tls.max_version = v;
        }
        b.connector(&tls)
    })
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

fn attempt(
    plan: Plan,
    connector: Option<Result<Arc<dyn TlsConnector>, TlsError>>,
    inp: &Inputs,
) -> Outcome {
    let t0 = Instant::now();
    let mut o = empty(plan);
    let result = try_plan(plan, connector, inp, &mut o);
    o.elapsed = t0.elapsed();
    match result {
        Ok(()) => {
            o.ok = true;
            o.phase = "complete".into();
        }
        Err(e) => {
            o.phase = e.phase().as_str().into();
            o.timed_out_after_auth = e.is_timeout() && e.phase() == Phase::TlsUpgrade;
            o.certificate_rejected =
                matches!(&e, Error::Tls { detail, .. } if detail.contains("certificate rejected"));
            o.tls_refused = matches!(e, Error::TlsRequired { .. });
            o.login_failed = e.phase() == Phase::Login && !e.is_timeout();
            o.busy = e.phase() == Phase::Greeting && e.reply().is_some_and(|r| r.code() == 421);
            if o.certificate_rejected {
                o.verification = "failed".into();
                // Fetch the certificate anyway, without logging in, to show what it is.
                o.certificate = probe_certificate(plan, inp);
            }
            o.error = Some(crate::failure::cli_message(&e));
        }
    }
    o
}

fn try_plan(
    plan: Plan,
    connector: Option<Result<Arc<dyn TlsConnector>, TlsError>>,
    inp: &Inputs,
    o: &mut Outcome,
) -> Result<(), Error> {
    let connector = match (plan.backend, connector) {
        (Some(backend), Some(c)) => {
            Some(c.map_err(|e| Error::from_tls(Phase::Connect, backend.name(), e))?)
        }
        _ => None,
    };
    let security = Security::with_mode(plan.mode, connector)
        .expect("a plan has a connector exactly when it uses TLS");
    let mut client = Client::builder(inp.url.host.clone(), security)
        .config(inp.config.clone())
        .port(plan.port)
        .connect()?;
    if let Some(info) = client.tls_info() {
        o.protocol = info.protocol.clone();
        o.cipher = info.cipher.clone();
        o.certificate = info.peer_certificate.clone();
        o.verification = if inp.tls.dangerous_accept_invalid_certs {
            "skipped (--insecure)".into()
        } else {
            "ok".into()
        };
    }
    client.login(&inp.user, &inp.password)?;
    o.logged_in = true;
    client.list_raw("")?;
    o.list_ok = true;
    o.resumed = client.last_data_tls_info().and_then(|i| i.resumed);
    let _ = client.quit();
    Ok(())
}

fn probe_certificate(plan: Plan, inp: &Inputs) -> Option<CertificateInfo> {
    let backend = plan.backend?;
    let mut tls = inp.tls.clone();
    tls.dangerous_accept_invalid_certs = true;
    let c = backend.connector(&tls).ok()?;
    let client = Client::builder(
        inp.url.host.clone(),
        Security::with_mode(plan.mode, Some(c))?,
    )
    .config(inp.config.clone())
    .port(plan.port)
    .connect()
    .ok()?;
    client.tls_info()?.peer_certificate
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
            "TLS works but the server's certificate is not trusted: if it is the server you mean, pass its CA (or, for a self-signed server, its own certificate) with --ca-file. ",
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
        })),
        "verification": o.verification,
        "protected_list": o.list_ok,
        "data_session_resumed": o.resumed,
        "elapsed_ms": o.elapsed.as_millis() as u64,
        "error": o.error,
    })
}
