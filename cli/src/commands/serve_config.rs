//! `signet serve`'s config file (`--config FILE` or `SIGNET_CONFIG`) and `signet config check`.
//!
//! The file is TOML. Its keys are `signet serve`'s long flag names with underscores
//! (`--data-dir` is `data_dir`), taken from the flags themselves: a flag added to
//! [`ServeArgs`] is a key of the file with nothing more to write. Each value goes through the
//! flag's own parser, so `bind = "nope"` fails as `--bind nope` would, naming the key and the
//! file. Precedence, per setting: a flag wins over its environment variable, which wins over
//! the file, which wins over the default ([`resolve`], with clap's `value_source`).
//!
//! Adding a setting to [`ServeArgs`]: its flag's id is its key, `true`/`false` for a
//! `SetTrue` flag, a string (or integer) otherwise, an array for an `ArgAction::Append` flag.
//! Mark a secret one `hide_env_values = true`: `signet config check` then shows its URL
//! password as `***` (as for `database_url` and `smtp_url`).

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use clap::{
    Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches, error::Error as ClapError,
    parser::ValueSource,
};

use super::serve::ServeArgs;

/// What `signet serve --help` says about the config file.
pub const SERVE_AFTER_HELP: &str = "\
Config file: --config FILE (or SIGNET_CONFIG) reads the settings from a TOML file whose keys \
are the long flag names above with underscores, e.g.

    bind = \"0.0.0.0:8080\"
    data_dir = \"/var/lib/signet\"
    public_url = \"https://signet.example.com\"
    alert_interval = 60
    alert_allow_private_targets = false
    signups = \"invite-only\"
    signup_domains = [\"acme.com\", \"acme.de\"]

Each setting is taken from its flag if given, else from its environment variable, else from \
the file, else the default. An unknown key or a bad value stops the server with a message \
naming the key. Relative paths are relative to the working directory, as for the flags. Check \
a file without starting anything with `signet config check FILE`.

Logs go to stderr: SIGNET_LOG sets the filter (default info), --log-format json (or \
SIGNET_LOG_FORMAT=json) writes one JSON object per line. GET /api/health answers while the \
process runs; GET /api/health/ready answers 200 only while the database does (else 503).";

/// The key in a config file that names the config file: not allowed in one.
const CONFIG_KEY: &str = "config";

/// `signet serve`'s flags as a command of their own.
fn serve_command() -> Command {
    ServeArgs::augment_args(Command::new("signet serve"))
}

/// The flags a config file may set: every `signet serve` flag with a long name, except
/// `--config` itself.
fn settable(cmd: &Command) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments().filter(|arg| {
        let id = arg.get_id().as_str();
        arg.get_long().is_some() && !matches!(id, CONFIG_KEY | "help" | "version")
    })
}

/// The keys a config file may hold, in the order `signet serve --help` lists them.
pub fn known_keys() -> Vec<String> {
    settable(&serve_command())
        .map(|arg| arg.get_id().to_string())
        .collect()
}

/// One key of a config file and the `signet serve` arguments it stands for.
#[derive(Debug)]
struct Entry {
    /// The key (the flag's id, e.g. `data_dir`).
    key: String,
    /// `--data-dir=/var/lib/signet`, or nothing for a flag set to `false`.
    args: Vec<OsString>,
}

/// A config file that parsed, whose keys are all known and whose values each pass their
/// flag's parser.
#[derive(Debug)]
pub struct ConfigFile {
    path: PathBuf,
    entries: Vec<Entry>,
}

impl ConfigFile {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        Self::parse(path, &text)
    }

    /// Checks `text`, the contents of the file at `path` (named in every error).
    fn parse(path: &Path, text: &str) -> anyhow::Result<Self> {
        let shown = path.display();
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            anyhow::anyhow!("{shown} is not valid TOML: {}", e.to_string().trim_end())
        })?;
        let cmd = serve_command();
        let mut entries = Vec::new();
        for (key, value) in &table {
            let Some(arg) = settable(&cmd).find(|arg| arg.get_id().as_str() == key) else {
                let hint = if key == CONFIG_KEY {
                    " (a config file cannot name another one)".to_owned()
                } else if let Some(arg) = settable(&cmd).find(|a| a.get_long() == Some(key)) {
                    format!(" (did you mean `{}`?)", arg.get_id())
                } else {
                    String::new()
                };
                bail!(
                    "unknown key `{key}` in {shown}{hint}; known keys: {}",
                    known_keys().join(", ")
                );
            };
            let args =
                to_args(arg, value).map_err(|why| anyhow::anyhow!("`{key}` in {shown} {why}"))?;
            // The value must pass the flag's own parser (a socket address, a range…).
            let mut argv = vec![OsString::from("signet serve")];
            argv.extend(args.iter().cloned());
            without_env(serve_command())
                .try_get_matches_from(argv)
                .map_err(|e| {
                    anyhow::anyhow!("`{key}` in {shown} has a bad value {value}: {}", reason(&e))
                })?;
            entries.push(Entry {
                key: key.clone(),
                args,
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            entries,
        })
    }
}

/// The command-line arguments that say what `value` says for `arg`, or why it cannot be.
fn to_args(arg: &Arg, value: &toml::Value) -> Result<Vec<OsString>, String> {
    let long = arg.get_long().unwrap_or_default();
    if matches!(arg.get_action(), ArgAction::SetTrue) {
        return match value {
            toml::Value::Boolean(true) => Ok(vec![format!("--{long}").into()]),
            toml::Value::Boolean(false) => Ok(Vec::new()),
            other => Err(format!(
                "must be true or false, not {} {other}",
                type_name(other)
            )),
        };
    }
    let values: Vec<&toml::Value> = match value {
        toml::Value::Array(items) if matches!(arg.get_action(), ArgAction::Append) => {
            items.iter().collect()
        }
        one => vec![one],
    };
    values
        .into_iter()
        .map(|value| match value {
            toml::Value::String(s) => Ok(format!("--{long}={s}").into()),
            toml::Value::Integer(i) => Ok(format!("--{long}={i}").into()),
            other => Err(format!(
                "must be a string{}, not {} {other}",
                if matches!(arg.get_action(), ArgAction::Append) {
                    " or an array of strings"
                } else {
                    ""
                },
                type_name(other)
            )),
        })
        .collect()
}

/// "a boolean", "an array"… for error messages.
fn type_name(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// What a clap error says about a value, without its usage and help lines.
fn reason(e: &ClapError) -> String {
    if let Some(source) = std::error::Error::source(e) {
        return source.to_string();
    }
    e.to_string()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
        .map(|l| l.trim_start_matches("error: "))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `cmd` with no environment variables: for reading a file's values alone.
fn without_env(cmd: Command) -> Command {
    cmd.mut_args(|arg| arg.env(None))
}

/// How one setting got its value.
fn from_flag_or_env(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// The arguments that reproduce what the command line said for `arg`.
fn command_line_args(arg: &Arg, matches: &ArgMatches) -> Vec<OsString> {
    let id = arg.get_id().as_str();
    let Some(long) = arg.get_long() else {
        return Vec::new();
    };
    if matches!(arg.get_action(), ArgAction::SetTrue) {
        return vec![format!("--{long}").into()];
    }
    matches
        .get_raw(id)
        .into_iter()
        .flatten()
        .map(|raw| {
            let mut a = OsString::from(format!("--{long}="));
            a.push(raw);
            a
        })
        .collect()
}

/// `signet serve`'s settings: `args`, parsed from `matches`, with the config file's value
/// (when `--config` or `SIGNET_CONFIG` names one) for every setting that neither a flag nor an
/// environment variable gave.
pub fn resolve(args: ServeArgs, matches: &ArgMatches) -> anyhow::Result<ServeArgs> {
    let Some(path) = args.config_file().map(Path::to_path_buf) else {
        return Ok(args);
    };
    let file = ConfigFile::load(&path)?;
    let cmd = serve_command();
    let mut argv = vec![OsString::from("signet serve")];
    for arg in cmd.get_arguments() {
        if matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine) {
            argv.extend(command_line_args(arg, matches));
        }
    }
    for entry in &file.entries {
        if !from_flag_or_env(matches, &entry.key) {
            argv.extend(entry.args.iter().cloned());
        }
    }
    // Environment variables apply again here, to the settings they gave.
    let merged = cmd.try_get_matches_from(argv).map_err(|e| {
        anyhow::anyhow!(
            "the settings from {} do not combine: {}",
            file.path.display(),
            reason(&e)
        )
    })?;
    Ok(ServeArgs::from_arg_matches(&merged)?)
}

/// `signet config check FILE`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Reads FILE as `signet serve --config FILE` would: every key must be a `signet serve` setting \
(the long flag names with underscores) with a value its flag accepts. Then checks what can be \
checked without starting anything: the database URL's scheme, public_url's scheme, the SMTP \
URL and From: address, that smtp_ca and the dashboard (dist) are readable. Prints the \
settings the file gives with every password shown as ***, and notes the environment variables \
set here that would override them. Exit code 0 when the file is valid, 1 otherwise.")]
pub struct CheckArgs {
    /// The TOML config file to check.
    file: PathBuf,
}

/// Config files.
#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Check a `signet serve` config file without starting the server: keys, values, the
    /// files it names; prints the effective settings with secrets redacted.
    Check(CheckArgs),
}

/// Runs a `signet config` command.
pub fn run(command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Check(args) => check(&args.file),
    }
}

/// Checks the file at `path`; prints its effective settings when it is valid.
fn check(path: &Path) -> anyhow::Result<()> {
    let file = ConfigFile::load(path)?;
    let shown = path.display();
    let mut argv = vec![OsString::from("signet serve")];
    for entry in &file.entries {
        argv.extend(entry.args.iter().cloned());
    }
    let cmd = without_env(serve_command());
    let matches = cmd
        .clone()
        .try_get_matches_from(argv)
        .map_err(|e| anyhow::anyhow!("the settings in {shown} do not combine: {}", reason(&e)))?;
    let args = ServeArgs::from_arg_matches(&matches)?;
    let problems = args.offline_problems();
    if !problems.is_empty() {
        bail!("{shown} is not valid:\n  - {}", problems.join("\n  - "));
    }
    println!("{shown} is valid. The settings it gives signet serve:");
    for arg in settable(&cmd) {
        let id = arg.get_id().as_str();
        let source = match matches.value_source(id) {
            Some(ValueSource::DefaultValue) => "default",
            Some(_) => "from the file",
            None => {
                println!("# {id}: not set");
                continue;
            }
        };
        let values: Vec<String> = matches
            .get_raw(id)
            .into_iter()
            .flatten()
            .map(|raw| shown_value(arg, &raw.to_string_lossy()))
            .collect();
        let value = match values.as_slice() {
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        };
        println!("{id} = {value}  # {source}");
    }
    // `cmd` reads no environment variables; the full command says which ones there are.
    for arg in settable(&serve_command()) {
        if let Some(var) = arg.get_env()
            && std::env::var_os(var).is_some_and(|v| !v.is_empty())
        {
            println!(
                "note: {} is set here and overrides `{}` (flags override both)",
                var.to_string_lossy(),
                arg.get_id()
            );
        }
    }
    Ok(())
}

/// `raw` as TOML would write it, with the password of a secret URL as `***`.
fn shown_value(arg: &Arg, raw: &str) -> String {
    if matches!(arg.get_action(), ArgAction::SetTrue) || raw.parse::<u64>().is_ok() {
        return raw.to_owned();
    }
    let text = if arg.is_hide_env_values_set() {
        redact_password(raw)
    } else {
        raw.to_owned()
    };
    toml::Value::String(text).to_string()
}

/// `scheme://user:***@host/…`: the URL with its password (if any) hidden.
pub fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let Some(at) = rest.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &rest[..at];
    let user = match userinfo.split_once(':') {
        Some((user, _password)) => format!("{user}:***"),
        None => userinfo.to_owned(),
    };
    format!("{}://{user}{}", &url[..scheme_end], &rest[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<ConfigFile> {
        ConfigFile::parse(Path::new("/etc/signet/signet.toml"), text)
    }

    #[test]
    fn every_serve_flag_is_a_key() {
        let keys = known_keys();
        for key in [
            "bind",
            "data_dir",
            "dist",
            "database_url",
            "smtp_url",
            "smtp_from",
            "smtp_ca",
            "public_url",
            "alert_interval",
            "alert_allow_private_targets",
            "log_format",
            "signups",
            "signup_domains",
        ] {
            assert!(keys.iter().any(|k| k == key), "{key} missing from {keys:?}");
        }
        assert!(!keys.iter().any(|k| k == "config" || k == "help"));
    }

    #[test]
    fn an_unknown_key_is_named_with_the_file_and_the_known_keys() {
        let e = parse("bnd = \"127.0.0.1:1\"\n")
            .err()
            .map(|e| e.to_string());
        let e = e.unwrap_or_default();
        assert!(
            e.contains("unknown key `bnd` in /etc/signet/signet.toml"),
            "{e}"
        );
        assert!(e.contains("known keys: bind, data_dir"), "{e}");
        let e = parse("data-dir = \"x\"\n").err().map(|e| e.to_string());
        assert!(e.unwrap_or_default().contains("did you mean `data_dir`?"));
    }

    #[test]
    fn wrong_types_and_bad_values_name_the_key() {
        for (text, expect) in [
            (
                "bind = 8080",
                "`bind` in /etc/signet/signet.toml has a bad value 8080",
            ),
            ("bind = \"nope\"", "`bind` in"),
            ("alert_interval = 0", "`alert_interval` in"),
            ("alert_interval = \"soon\"", "`alert_interval` in"),
            (
                "alert_allow_private_targets = \"yes\"",
                "must be true or false",
            ),
            (
                "smtp_from = true",
                "`smtp_from` in /etc/signet/signet.toml must be a string",
            ),
            ("log_format = \"xml\"", "`log_format` in"),
            ("signups = \"sometimes\"", "`signups` in"),
            (
                "signup_domains = [true]",
                "must be a string or an array of strings",
            ),
            ("data_dir = [\"a\"]", "must be a string, not an array"),
            ("config = \"other.toml\"", "cannot name another one"),
            ("bind = ", "is not valid TOML"),
        ] {
            let e = parse(text).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains(expect), "{text}: {e}");
        }
    }

    #[test]
    fn good_values_become_flags() -> anyhow::Result<()> {
        let file = parse(
            "bind = \"0.0.0.0:9000\"\nalert_interval = 30\nalert_allow_private_targets = true\n",
        )?;
        let args: Vec<_> = file.entries.iter().flat_map(|e| e.args.clone()).collect();
        assert_eq!(
            args,
            // In key order.
            [
                "--alert-allow-private-targets",
                "--alert-interval=30",
                "--bind=0.0.0.0:9000",
            ]
            .map(OsString::from)
        );
        Ok(())
    }

    #[test]
    fn the_sign_up_policy_is_a_mode_and_a_list_of_domains() -> anyhow::Result<()> {
        let file = parse("signups = \"closed\"\nsignup_domains = [\"acme.com\", \"b.org\"]\n")?;
        let args: Vec<_> = file.entries.iter().flat_map(|e| e.args.clone()).collect();
        assert_eq!(
            args,
            [
                "--signup-domains=acme.com",
                "--signup-domains=b.org",
                "--signups=closed",
            ]
            .map(OsString::from)
        );
        Ok(())
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_password("postgres://user:secret@db.example/signet"),
            "postgres://user:***@db.example/signet"
        );
        assert_eq!(
            redact_password("smtps://me%40x:p@ss@smtp.example:465"),
            "smtps://me%40x:***@smtp.example:465"
        );
        assert_eq!(
            redact_password("postgres://db.example/signet"),
            "postgres://db.example/signet"
        );
    }
}
