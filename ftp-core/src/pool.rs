//! A pool of logged-in sessions to one server, for work spread over several connections.
//!
//! Each session is a whole [`Client`]: its own control connection and its own TLS session,
//! so every data connection resumes the TLS session of *its* control connection, which is
//! what servers that require session reuse check (vsftpd's `require_ssl_reuse`). Sessions
//! are opened when first needed, reused for the next job, checked with `NOOP` when they
//! sat idle, dropped when a failure left them out of step, and closed with `QUIT`.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use log::{debug, info};

use crate::client::{Client, ClientBuilder};
use crate::error::Result;

/// Who to log in as. The password never appears in `Debug` output.
///
/// ```
/// use ftpkit_core::Credentials;
/// let c = Credentials::new("alice", "s3cret");
/// assert!(!format!("{c:?}").contains("s3cret"));
/// assert_eq!(Credentials::anonymous().user(), "anonymous");
/// ```
#[derive(Clone)]
pub struct Credentials {
    user: String,
    password: String,
    account: Option<String>,
}

impl Credentials {
    /// A user name and password.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials {
            user: user.into(),
            password: password.into(),
            account: None,
        }
    }

    /// `anonymous`, with the conventional e-mail-like password.
    pub fn anonymous() -> Credentials {
        Credentials::new("anonymous", "ftpkit@")
    }

    /// Also answer a `332` with `ACCT account`.
    pub fn with_account(mut self, account: impl Into<String>) -> Credentials {
        self.account = Some(account.into());
        self
    }

    /// The user name.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Logs `client` in with these credentials.
    pub fn login(&self, client: &mut Client) -> Result<()> {
        client.login_with_account(&self.user, &self.password, self.account.as_deref())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"****")
            .field("account", &self.account.as_ref().map(|_| "****"))
            .finish()
    }
}

/// Up to `size` logged-in sessions to one server, shared by threads.
///
/// [`Pool::get`] hands out an idle session or opens a new one while fewer than `size` are
/// open, and otherwise waits until one comes back. The [`PooledClient`] it returns derefs
/// to [`Client`]; dropping it gives the session back, unless a failure made it unusable
/// ([`Client::is_usable`]), in which case it is closed and the next `get` opens a new one.
///
/// ```no_run
/// use ftpkit_core::{Client, Credentials, Pool, Security};
/// # fn main() -> ftpkit_core::Result<()> {
/// let pool = Pool::new(Client::builder("127.0.0.1", Security::Plain), Credentials::anonymous(), 4);
/// std::thread::scope(|s| {
///     for name in ["a.txt", "b.txt", "c.txt"] {
///         let pool = &pool;
///         s.spawn(move || -> ftpkit_core::Result<u64> {
///             let mut ftp = pool.get()?;
///             ftp.download_to(name, &mut std::io::sink(), None)
///         });
///     }
/// });
/// pool.close();
/// # Ok(()) }
/// ```
pub struct Pool {
    builder: ClientBuilder,
    credentials: Credentials,
    size: usize,
    keepalive_after: Duration,
    state: Mutex<State>,
    returned: Condvar,
    opened: AtomicUsize,
}

struct State {
    idle: Vec<(Client, Instant)>,
    /// Sessions open or being opened, idle ones included.
    open: usize,
    closed: bool,
}

impl Pool {
    /// A pool of at most `size` sessions (at least one) made by `builder` and logged in
    /// with `credentials`. Nothing is opened until the first [`Pool::get`].
    pub fn new(builder: ClientBuilder, credentials: Credentials, size: usize) -> Pool {
        Pool {
            builder,
            credentials,
            size: size.max(1),
            keepalive_after: Duration::from_secs(15),
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
                closed: false,
            }),
            returned: Condvar::new(),
            opened: AtomicUsize::new(0),
        }
    }

    /// A session idle for longer than this is checked with `NOOP` before it is handed out
    /// (and replaced if it does not answer). Default 15 s; servers often drop idle
    /// sessions after a few minutes.
    pub fn keepalive_after(mut self, d: Duration) -> Pool {
        self.keepalive_after = d;
        self
    }

    /// The most sessions open at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many sessions the pool opened so far, replacements included.
    pub fn sessions_opened(&self) -> usize {
        self.opened.load(Ordering::Relaxed)
    }

    /// The builder every session is made from.
    pub fn builder(&self) -> &ClientBuilder {
        &self.builder
    }

    /// A logged-in session: an idle one, a new one while fewer than `size` are open, or
    /// the next one given back. Opening a session can fail (every deadline of the builder
    /// applies); the slot is then free for the next attempt.
    pub fn get(&self) -> Result<PooledClient<'_>> {
        let mut state = self.lock();
        loop {
            while let Some((mut client, since)) = state.idle.pop() {
                drop(state);
                if since.elapsed() < self.keepalive_after || client.noop().is_ok() {
                    return Ok(self.hand_out(client));
                }
                debug!("pool: an idle session stopped answering; opening another");
                state = self.lock();
                state.open -= 1;
            }
            if state.open < self.size {
                state.open += 1;
                drop(state);
                return match self.open() {
                    Ok(client) => Ok(self.hand_out(client)),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(|poison| poison.into_inner());
        }
    }

    fn open(&self) -> Result<Client> {
        let mut client = self.builder.clone().connect()?;
        self.credentials.login(&mut client)?;
        let n = self.opened.fetch_add(1, Ordering::Relaxed) + 1;
        info!("pool: session {n} open to {}", client.peer_addr());
        Ok(client)
    }

    fn hand_out(&self, client: Client) -> PooledClient<'_> {
        PooledClient {
            pool: self,
            client: Some(client),
        }
    }

    fn give_back(&self, client: Client) {
        let mut state = self.lock();
        if client.is_usable() && !state.closed {
            state.idle.push((client, Instant::now()));
        } else {
            state.open -= 1;
            drop(state);
            debug!("pool: closing a session that cannot be reused");
            let _ = client.quit();
        }
        self.returned.notify_one();
    }

    /// Sends `QUIT` on every idle session and closes it. Sessions still handed out are
    /// closed when they come back.
    pub fn close(&self) {
        let idle = {
            let mut state = self.lock();
            state.closed = true;
            state.open -= state.idle.len();
            std::mem::take(&mut state.idle)
        };
        for (client, _) in idle {
            let _ = client.quit();
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A thread that panicked while holding the lock left the counts consistent (no
        // code between lock and unlock can panic), so the state is still good.
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Pool")
            .field("host", &self.builder.host())
            .field("size", &self.size)
            .field("open", &state.open)
            .field("idle", &state.idle.len())
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// A session borrowed from a [`Pool`]; it goes back when dropped.
pub struct PooledClient<'p> {
    pool: &'p Pool,
    client: Option<Client>,
}

impl PooledClient<'_> {
    /// Closes this session instead of giving it back (after a failure that may have left
    /// it in an unknown state).
    pub fn discard(mut self) {
        if let Some(client) = self.client.take() {
            {
                let mut state = self.pool.lock();
                state.open -= 1;
            }
            self.pool.returned.notify_one();
            let _ = client.quit();
        }
    }
}

impl Deref for PooledClient<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("present until dropped")
    }
}

impl DerefMut for PooledClient<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("present until dropped")
    }
}

impl Drop for PooledClient<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            self.pool.give_back(client);
        }
    }
}

impl fmt::Debug for PooledClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PooledClient").field(&self.client).finish()
    }
}
