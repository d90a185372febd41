//! A throwaway PostgreSQL: `initdb` into a fresh temp dir, `postgres` on a free loopback port,
//! everything deleted when it stops. `cargo xtask test` runs the suite against one;
//! `cargo xtask postgres` starts one for a developer and keeps it until Ctrl-C.
//!
//! The server is owned by a small supervisor, this same binary run as
//! `xtask postgres-supervisor`, in its own process group. It starts the server, prints one
//! `ready URL` line, then waits for its stdin to close and stops the server and deletes the
//! data. Our end of that stdin closes however we end — [`Postgres::stop`], a failing test run,
//! Ctrl-C or `kill -9` — so no run leaves a server or 40 MB of data behind. (Ctrl-C reaches
//! only the terminal's foreground process group, which the supervisor is not in, so it
//! cannot be cut short half-way through cleaning up.)

use std::{
    fs::{self, File},
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, ExitStatus, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use crate::{apt, cmd};

/// The variable the tests read the server's URL from (see `signet_tests::postgres`).
pub const URL_VAR: &str = "SIGNET_TEST_POSTGRES_URL";

/// The hidden task name the supervisor runs under.
pub const SUPERVISOR_TASK: &str = "postgres-supervisor";

/// The superuser `initdb` creates. Authentication is `trust`: the server listens only on
/// loopback and lives for one test run.
const SUPERUSER: &str = "signet";

/// initdb and postgres refuse to run as root. Debian's `postgresql` package creates this
/// account; when the binaries came from elsewhere we create [`FALLBACK_SYSTEM_USER`].
const SYSTEM_USER: &str = "postgres";
const FALLBACK_SYSTEM_USER: &str = "signet-pg";

/// How long the server may take to accept connections.
const STARTUP_LIMIT: Duration = Duration::from_secs(60);

/// A running throwaway server. Stopped, and its data deleted, on [`Postgres::stop`] or drop.
#[derive(Debug)]
pub struct Postgres {
    /// The superuser's URL for the `postgres` database:
    /// `postgres://signet@127.0.0.1:PORT/postgres`.
    pub url: String,
    supervisor: Child,
    /// Our end of the supervisor's stdin; closing it tells the supervisor to stop the server.
    lifeline: Option<ChildStdin>,
}

impl Postgres {
    /// Starts a server (installing Debian's `postgresql` first when it is missing and we are
    /// root) and waits until it accepts connections.
    pub fn start() -> Result<Self> {
        Self::start_with(false)
    }

    /// Like [`Postgres::start`]; `durable` keeps fsync on (for benchmarks).
    pub fn start_with(durable: bool) -> Result<Self> {
        let bindir = bindir()?;
        let started = Instant::now();
        let exe = std::env::current_exe().context("cannot find the xtask binary")?;
        let mut supervisor = Command::new(exe)
            .arg(SUPERVISOR_TASK)
            .arg(&bindir)
            .args(durable.then_some("--durable"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .context("cannot start the PostgreSQL supervisor")?;
        let lifeline = supervisor.stdin.take();
        let stdout = supervisor
            .stdout
            .take()
            .context("the supervisor has no stdout")?;
        let mut line = String::new();
        // Ends at the `ready` line, or at EOF when the supervisor gives up (it says why).
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(url) = line.trim().strip_prefix("ready ").map(str::to_owned) else {
            drop(lifeline);
            let status = supervisor.wait()?;
            bail!("the throwaway PostgreSQL did not start ({status}); see the messages above");
        };
        eprintln!(
            "{} ready at {url} in {:.1} s",
            version(&bindir),
            started.elapsed().as_secs_f64()
        );
        Ok(Self {
            url,
            supervisor,
            lifeline,
        })
    }

    /// Stops the server and deletes its data, reporting a supervisor that failed to.
    pub fn stop(mut self) -> Result<()> {
        self.shutdown()
    }

    /// Waits until the server stops on its own (it should not) or we are killed (Ctrl-C).
    pub fn wait(mut self) -> Result<()> {
        let status = self.supervisor.wait()?;
        bail!("the PostgreSQL supervisor exited ({status})")
    }

    fn shutdown(&mut self) -> Result<()> {
        let Some(lifeline) = self.lifeline.take() else {
            return Ok(());
        };
        drop(lifeline);
        let status = wait_limited(&mut self.supervisor, Duration::from_secs(30))?
            .context("the PostgreSQL supervisor did not stop the server within 30 s")?;
        if !status.success() {
            bail!("the PostgreSQL supervisor failed ({status}); see the messages above");
        }
        Ok(())
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown() {
            eprintln!("xtask: stopping the throwaway PostgreSQL: {error:#}");
        }
    }
}

/// `cargo xtask postgres [COMMAND…]`: a throwaway server for a developer. Without a command
/// it runs until Ctrl-C; with one, it runs the command with `SIGNET_TEST_POSTGRES_URL` set and
/// stops the server when the command ends.
pub fn foreground(command: &[String]) -> Result<()> {
    let postgres = Postgres::start()?;
    let url = &postgres.url;
    let Some((program, args)) = command.split_first() else {
        println!(
            "\nA throwaway PostgreSQL is running; Ctrl-C stops it and deletes its data.\n\n\
             \x20 tests:   {URL_VAR}={url} cargo nextest run -p signet-tests postgres\n\
             \x20 server:  cargo xtask run --database-url {url}\n\
             \x20 psql:    psql {url}\n"
        );
        return postgres.wait();
    };
    // Stdin stays the terminal's, so an interactive command (psql) works.
    let mut command = Command::new(program);
    command.args(args).env(URL_VAR, url);
    let status = command
        .status()
        .with_context(|| format!("cannot start `{}`", cmd::show(&command)));
    let stopped = postgres.stop();
    let status = status?;
    if !status.success() {
        bail!("`{}` failed ({status})", cmd::show(&command));
    }
    stopped
}

/// Where the server binaries are: `SIGNET_POSTGRES_BINDIR`, else Debian's newest
/// `/usr/lib/postgresql/N/bin`, else the directory `initdb` on the PATH resolves to.
/// Installs Debian's `postgresql` when there are none (as root; otherwise says how).
fn bindir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("SIGNET_POSTGRES_BINDIR") {
        let dir = PathBuf::from(dir);
        if !is_bindir(&dir) {
            bail!(
                "SIGNET_POSTGRES_BINDIR={} has no initdb and postgres",
                dir.display()
            );
        }
        return Ok(dir);
    }
    if let Some(dir) = find_bindir() {
        return Ok(dir);
    }
    apt::install(&["postgresql"], "the PostgreSQL tests")?;
    find_bindir()
        .context("apt-get installed postgresql, but no initdb was found under /usr/lib/postgresql")
}

fn find_bindir() -> Option<PathBuf> {
    // Debian installs major versions side by side (/usr/lib/postgresql/15/bin, …).
    let newest_debian = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            is_bindir(&bin).then_some((major, bin))
        })
        .max_by_key(|(major, _)| *major)
        .map(|(_, bin)| bin);
    newest_debian.or_else(|| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .filter_map(|dir| fs::canonicalize(dir.join("initdb")).ok())
            .filter_map(|initdb| initdb.parent().map(Path::to_path_buf))
            .find(|dir| is_bindir(dir))
    })
}

fn is_bindir(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("postgres").is_file()
}

/// "PostgreSQL 15.14", for the log.
fn version(bindir: &Path) -> String {
    cmd::output(Command::new(bindir.join("postgres")).arg("--version"))
        .ok()
        .and_then(|out| {
            out.trim()
                .strip_prefix("postgres (PostgreSQL) ")
                .map(str::to_owned)
        })
        .map_or_else(|| "PostgreSQL".to_owned(), |v| format!("PostgreSQL {v}"))
}

/// The supervisor (`xtask postgres-supervisor BINDIR`): starts the server, prints
/// `ready URL`, and stops it and deletes its data once stdin closes.
pub fn supervise(args: &[String]) -> Result<()> {
    let bindir = PathBuf::from(
        args.first()
            .context("usage: xtask postgres-supervisor BINDIR")?,
    );
    let owner = Owner::detect()?;
    let dir = ScratchDir::create(&owner)?;
    initdb(&bindir, &dir.path, &owner)?;
    let durable = args.get(1).is_some_and(|a| a == "--durable");
    let (mut server, port) = start_server(&bindir, &dir.path, &owner, durable)?;

    let mut stdout = std::io::stdout();
    writeln!(
        stdout,
        "ready postgres://{SUPERUSER}@127.0.0.1:{port}/postgres"
    )?;
    stdout.flush()?;

    // Stdin closes when our parent stops us or dies; meanwhile, watch for the server dying.
    let (closed_tx, closed) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let _ = closed_tx.send(());
    });
    let crashed = loop {
        match closed.recv_timeout(Duration::from_millis(250)) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => break None,
        }
        if let Some(status) = server.0.try_wait()? {
            break Some(status);
        }
    };
    if let Some(status) = crashed {
        bail!(
            "postgres exited on its own ({status}); its log:\n{}",
            log_tail(&dir.path)
        );
    }
    server.stop()
    // `dir` is deleted as it drops, after the server (declared later, dropped first).
}

/// The `postgres` process, stopped on drop: any early return (our stdout closed, a failed
/// readiness wait) stops it before its data dir is deleted.
#[derive(Debug)]
struct Server(Child);

impl Server {
    /// Immediate shutdown (SIGQUIT: the server ends its backends and exits without a
    /// checkpoint, which data about to be deleted does not need); the whole process group is
    /// killed if it has not exited within 10 s.
    fn stop(&mut self) -> Result<()> {
        if self.0.try_wait()?.is_some() {
            return Ok(());
        }
        let pid = self.0.id().to_string();
        cmd::succeeds(Command::new("kill").args(["-QUIT", &pid]));
        if wait_limited(&mut self.0, Duration::from_secs(10))?.is_none() {
            cmd::succeeds(Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]));
            self.0.wait()?;
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("xtask: cannot stop postgres (pid {}): {e:#}", self.0.id());
        }
    }
}

/// Who owns the data and runs the server: we do, unless we are root.
#[derive(Debug, Clone, Copy)]
struct Owner {
    /// `(uid, gid)` to switch to, when we are root.
    switch_to: Option<(u32, u32)>,
}

impl Owner {
    fn detect() -> Result<Self> {
        if !apt::is_root() {
            return Ok(Self { switch_to: None });
        }
        let user = if user_exists(SYSTEM_USER) {
            SYSTEM_USER
        } else {
            create_system_user(FALLBACK_SYSTEM_USER)?;
            FALLBACK_SYSTEM_USER
        };
        let id = |flag: &str| -> Result<u32> {
            let out = cmd::output(Command::new("id").args([flag, user]))?;
            out.trim()
                .parse()
                .with_context(|| format!("`id {flag} {user}` printed {out:?}"))
        };
        Ok(Self {
            switch_to: Some((id("-u")?, id("-g")?)),
        })
    }

    /// `program`, to be run as the owner.
    fn command(self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        if let Some((uid, gid)) = self.switch_to {
            // std drops supplementary groups too when it switches uid.
            command.uid(uid).gid(gid);
        }
        command
    }
}

fn user_exists(name: &str) -> bool {
    cmd::succeeds(Command::new("id").args(["-u", name]))
}

/// Creates a system account with no home and no login shell, unless it exists.
fn create_system_user(name: &str) -> Result<()> {
    if user_exists(name) {
        return Ok(());
    }
    let created = cmd::succeeds(Command::new("useradd").args([
        "--system",
        "--user-group",
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        name,
    ]));
    // A concurrent run may have created it first.
    if !created && !user_exists(name) {
        bail!("cannot create the system user {name} to run PostgreSQL as (useradd failed)");
    }
    Ok(())
}

/// A fresh directory under the system temp dir, owned by the server's owner, deleted on drop.
#[derive(Debug)]
struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    fn create(owner: &Owner) -> Result<Self> {
        use std::os::unix::fs::{DirBuilderExt, chown};
        let base = std::env::temp_dir();
        let pid = std::process::id();
        for attempt in 0..100 {
            let path = base.join(format!("signet-pg-{pid}-{attempt}"));
            match fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => {
                    let dir = Self { path };
                    if let Some((uid, gid)) = owner.switch_to {
                        chown(&dir.path, Some(uid), Some(gid)).with_context(|| {
                            format!("cannot hand {} to the postgres user", dir.path.display())
                        })?;
                    }
                    return Ok(dir);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", path.display()));
                }
            }
        }
        bail!("cannot find a free directory name under {}", base.display())
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_dir_all(&self.path) {
            eprintln!(
                "xtask: cannot delete the PostgreSQL data in {}: {e}",
                self.path.display()
            );
        }
    }
}

fn initdb(bindir: &Path, dir: &Path, owner: &Owner) -> Result<()> {
    let out = owner
        .command(bindir.join("initdb"))
        .current_dir(dir)
        .arg("--pgdata")
        .arg(dir.join("data"))
        .args(["--auth=trust", "--username", SUPERUSER])
        // The C locale exists everywhere; --no-sync because the data is thrown away.
        .args(["--encoding=UTF8", "--locale=C", "--no-sync"])
        .stdin(Stdio::null())
        .output()
        .context("cannot run initdb")?;
    if !out.status.success() {
        bail!(
            "initdb failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Starts `postgres` on a free loopback port and waits until it accepts connections. Another
/// process can take the port between our probe and postgres binding it, so a bind failure is
/// retried on a new port.
fn start_server(bindir: &Path, dir: &Path, owner: &Owner, durable: bool) -> Result<(Server, u16)> {
    let data = dir.join("data");
    for _ in 0..3 {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log = File::create(dir.join("postgres.log"))?;
        let server = owner
            .command(bindir.join("postgres"))
            .current_dir(dir)
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", dir.display()))
            // Durability buys nothing for data deleted after the run, except when measuring
            // (`cargo xtask bench` asks for a durable server to compare with SQLite fairly).
            .args(if durable {
                &[][..]
            } else {
                &[
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ][..]
            })
            // Parallel tests each run servers with connection pools.
            .args(["-c", "max_connections=300"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own group, so that killing the group (Server::stop) reaches its backends and
            // not the supervisor.
            .process_group(0)
            .spawn()
            .context("cannot start postgres")?;
        let mut server = Server(server);
        match wait_ready(&mut server.0, dir)? {
            None => return Ok((server, port)),
            Some(status) => {
                let log = log_tail(dir);
                if log.contains("could not bind") || log.contains("Address already in use") {
                    continue;
                }
                bail!("postgres exited while starting ({status}); its log:\n{log}");
            }
        }
    }
    bail!(
        "postgres could not bind a loopback port in 3 tries; its log:\n{}",
        log_tail(dir)
    )
}

/// Waits for `postmaster.pid` to say `ready`, as `pg_ctl -w` does. `Some(status)` when the
/// server exited instead.
fn wait_ready(server: &mut Child, dir: &Path) -> Result<Option<ExitStatus>> {
    let data = dir.join("data");
    let deadline = Instant::now() + STARTUP_LIMIT;
    loop {
        if let Some(status) = server.try_wait()? {
            return Ok(Some(status));
        }
        // Line 8 of postmaster.pid is the server's status.
        let ready = fs::read_to_string(data.join("postmaster.pid"))
            .is_ok_and(|pid_file| pid_file.lines().nth(7).map(str::trim) == Some("ready"));
        if ready {
            return Ok(None);
        }
        if Instant::now() > deadline {
            bail!(
                "postgres did not accept connections within {} s; its log:\n{}",
                STARTUP_LIMIT.as_secs(),
                log_tail(dir)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `child`'s exit status, or `None` if it is still running after `limit`.
fn wait_limited(child: &mut Child, limit: Duration) -> Result<Option<ExitStatus>> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() > deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The last lines of the server's log, for error messages.
fn log_tail(dir: &Path) -> String {
    let mut log = String::new();
    if File::open(dir.join("postgres.log"))
        .and_then(|mut f| f.read_to_string(&mut log))
        .is_err()
    {
        return "(no log)".to_owned();
    }
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
