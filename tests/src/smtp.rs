//! A real SMTP server on loopback: Debian's `python3-aiosmtpd` (installed by `cargo xtask
//! test`) running `smtp_receiver.py`, which requires STARTTLS and a password like a real
//! relay, with a certificate for `127.0.0.1` from a throwaway CA made by `openssl`. Every
//! accepted mail is written to a folder the test reads.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::tools::run_ok;

/// The Python interpreter Debian's `python3-aiosmtpd` belongs to.
pub const PYTHON: &str = "/usr/bin/python3";

/// One accepted mail.
#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    /// `MAIL FROM`.
    pub mail_from: String,
    /// `RCPT TO`s.
    pub rcpt_tos: Vec<String>,
    /// Whether the session had switched to TLS (STARTTLS).
    pub tls: bool,
    /// Whether it authenticated.
    pub authenticated: bool,
    /// The login it authenticated with.
    pub login: Option<String>,
    /// The raw message (headers and body).
    pub data: String,
}

impl Mail {
    /// The message with folded headers unfolded and a quoted-printable body decoded.
    pub fn text(&self) -> String {
        let unfolded = self.data.replace("\r\n ", " ").replace("=\r\n", "");
        let bytes = unfolded.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = unfolded
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (bytes[i], hex) {
                (b'=', Some(b)) => {
                    out.push(b);
                    i += 3;
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// A running SMTP server.
pub struct SmtpServer {
    /// `127.0.0.1`.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The CA its certificate chains to (PEM): what the client must trust.
    pub ca_pem: String,
    /// The user and password it accepts.
    pub user: String,
    /// The password.
    pub password: String,
    child: Child,
    dir: tempfile::TempDir,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn make_certificates(dir: &Path) -> Result<()> {
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    run_ok(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Signet test SMTP CA",
            "-keyout",
            &p("ca.key"),
            "-out",
            &p("ca.pem"),
        ],
    )?;
    run_ok(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            &p("server.key"),
            "-out",
            &p("server.csr"),
        ],
    )?;
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )?;
    run_ok(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &p("server.csr"),
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca.key"),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &p("ext.cnf"),
            "-out",
            &p("server.pem"),
        ],
    )?;
    Ok(())
}

impl SmtpServer {
    /// Starts one that accepts `user` / `password`.
    pub fn start(user: &str, password: &str) -> Result<Self> {
        if !Path::new(PYTHON).exists() {
            bail!(
                "{PYTHON} is missing: run the tests with `cargo xtask test`, which installs python3-aiosmtpd"
            );
        }
        let dir = tempfile::tempdir()?;
        make_certificates(dir.path())?;
        let mail = dir.path().join("mail");
        std::fs::create_dir(&mail)?;
        let script = dir.path().join("smtp_receiver.py");
        std::fs::write(&script, include_str!("smtp_receiver.py"))?;
        let port = free_port()?;
        let mut child = Command::new(PYTHON)
            .arg(&script)
            .arg(dir.path().join("server.pem"))
            .arg(dir.path().join("server.key"))
            .arg(&mail)
            .arg(port.to_string())
            .arg(user)
            .arg(password)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {PYTHON} (is python3-aiosmtpd installed? `cargo xtask test` installs it)"))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        if line.trim() != "ready" {
            let _ = child.kill();
            bail!(
                "the SMTP server did not start (it printed {line:?}; is python3-aiosmtpd installed?)"
            );
        }
        Ok(Self {
            host: "127.0.0.1".into(),
            port,
            ca_pem: std::fs::read_to_string(dir.path().join("ca.pem"))?,
            user: user.into(),
            password: password.into(),
            child,
            dir,
        })
    }

    /// `smtp://user:password@127.0.0.1:PORT` (STARTTLS).
    pub fn url(&self) -> String {
        format!(
            "smtp://{}:{}@{}:{}",
            self.user, self.password, self.host, self.port
        )
    }

    /// Every mail accepted so far, in order.
    pub fn mails(&self) -> Result<Vec<Mail>> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path().join("mail"))?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| Ok(serde_json::from_slice(&std::fs::read(p)?)?))
            .collect()
    }

    /// Waits (up to `seconds`) for at least `count` mails.
    pub async fn wait_for(&self, count: usize, seconds: u64) -> Result<Vec<Mail>> {
        for _ in 0..seconds * 20 {
            let mails = self.mails()?;
            if mails.len() >= count {
                return Ok(mails);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!(
            "the SMTP server got {} mail(s), not {count}, within {seconds} s",
            self.mails()?.len()
        )
    }
}

impl core::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SmtpServer").finish_non_exhaustive()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
