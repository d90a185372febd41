//! Sending one delivery: a generic webhook (the alert's JSON, signed with HMAC-SHA256), a
//! Slack or Discord message, or an email through the operator's SMTP relay.

use hmac::{Hmac, KeyInit, Mac};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::{
        authentication::Credentials,
        client::{Certificate, Tls, TlsParameters},
    },
};
use serde_json::{Value, json};
use sha2::Sha256;
use signet_core::wire::alert::{DELIVERY_HEADER, DestinationKind, EVENT_HEADER, SIGNATURE_HEADER};

use crate::{ServerError, config::SmtpSettings, store::alerts::Job};

/// How an attempt went.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The receiver's status (HTTP) or reply code (SMTP).
    pub code: Option<i64>,
    /// What went wrong; `None` when the receiver accepted it.
    pub error: Option<String>,
    /// The receiver refused it for good (retrying cannot help).
    pub permanent: bool,
}

impl Attempt {
    fn ok(code: i64) -> Self {
        Self {
            code: Some(code),
            error: None,
            permanent: false,
        }
    }
}

/// `t=<t>,v1=<hex HMAC-SHA256("<t>.<body>")>`: what a generic webhook's
/// [`SIGNATURE_HEADER`] carries.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Slack's mrkdwn escapes.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn link(body: &Value) -> Option<&str> {
    body.get("url")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
}

/// What a webhook of `kind` receives for the alert `summary` / `body`.
pub fn webhook_body(kind: DestinationKind, summary: &str, body: &str) -> String {
    let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    match kind {
        DestinationKind::Slack => {
            let mut text = format!(":warning: {}", slack_escape(summary));
            if let Some(url) = link(&parsed) {
                text.push_str(&format!(" <{url}|Open in Signet>"));
            }
            json!({ "text": text }).to_string()
        }
        DestinationKind::Discord => {
            let mut content = format!("⚠️ {summary}");
            if let Some(url) = link(&parsed) {
                content.push_str(&format!("\n{url}"));
            }
            // Discord's limit is 2000 characters; mentions in a label must not ping anyone.
            let content: String = content.chars().take(1900).collect();
            json!({ "content": content, "allowed_mentions": { "parse": [] } }).to_string()
        }
        DestinationKind::Webhook | DestinationKind::Email => body.to_owned(),
    }
}

/// Posts `job` to its webhook.
pub async fn webhook(http: &reqwest::Client, job: &Job, now: i64) -> Attempt {
    let payload = webhook_body(job.destination.kind, &job.summary, &job.body);
    let mut request = http
        .post(&job.destination.target)
        .header("content-type", "application/json")
        .header(EVENT_HEADER, &job.kind)
        .header(DELIVERY_HEADER, &job.id);
    if let Some(secret) = &job.destination.secret {
        request = request.header(SIGNATURE_HEADER, signature(secret, now, &payload));
    }
    match request.body(payload).send().await {
        Ok(response) => {
            let status = response.status();
            let code = i64::from(status.as_u16());
            if status.is_success() {
                return Attempt::ok(code);
            }
            let text: String = response
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            // 4xx says the request itself is refused (a deleted Slack hook answers 404): no
            // retry helps, except for timeouts and rate limits.
            let permanent = status.is_client_error() && ![408, 425, 429].contains(&status.as_u16());
            Attempt {
                code: Some(code),
                error: Some(format!(
                    "the receiver answered {status}{}",
                    if text.trim().is_empty() {
                        String::new()
                    } else {
                        format!(": {}", text.trim())
                    }
                )),
                permanent,
            }
        }
        // Without the URL: a Slack or Discord hook's path is its secret, and the error is
        // shown in the delivery log.
        Err(e) => Attempt {
            code: None,
            error: Some(format!(
                "could not reach the receiver: {}",
                error_chain(&e.without_url())
            )),
            permanent: false,
        },
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The most one mail may take, all commands together (a third of the delivery lease).
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(40);

/// The operator's SMTP relay.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl core::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Builds the transport `settings` describe; says what is wrong with them otherwise.
    pub fn new(settings: &SmtpSettings) -> Result<Self, ServerError> {
        let bad = |m: String| ServerError::AlertConfig(m);
        let from: Mailbox = settings.from.parse().map_err(|e| {
            bad(format!(
                "--smtp-from \"{}\" is not an address ({e}); e.g. \"Signet <signet@example.com>\"",
                settings.from
            ))
        })?;
        let url = reqwest::Url::parse(&settings.url).map_err(|e| {
            bad(format!(
                "--smtp-url does not parse ({e}); e.g. smtp://user:pass@smtp.example.com:587"
            ))
        })?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("--smtp-url has no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let tls_mode = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let mut params = TlsParameters::builder(host.clone());
        if let Some(pem) = &settings.ca_pem {
            let cert = Certificate::from_pem(pem.as_bytes())
                .map_err(|e| bad(format!("--smtp-ca is not a PEM certificate: {e}")))?;
            params = params.add_root_certificate(cert);
        }
        let params = params
            .build()
            .map_err(|e| bad(format!("cannot set up TLS for {host}: {e}")))?;
        let (tls, default_port) = match (url.scheme(), tls_mode.as_deref()) {
            ("smtps", None) => (Tls::Wrapper(params), 465),
            ("smtp", None | Some("required" | "starttls")) => (Tls::Required(params), 587),
            ("smtp", Some("none")) => {
                let loopback = host == "localhost"
                    || host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if !loopback {
                    return Err(bad(format!(
                        "?tls=none would send the relay password and the alerts in the clear to {host}; it is allowed only for a relay on this machine (localhost). Use smtp:// (STARTTLS) or smtps://"
                    )));
                }
                (Tls::None, 25)
            }
            (scheme, tls) => {
                return Err(bad(format!(
                    "--smtp-url must be smtp://… (STARTTLS), smtps://… (TLS) or smtp://localhost:25?tls=none; got scheme \"{scheme}\"{}",
                    tls.map(|t| format!(" with tls={t}")).unwrap_or_default()
                )));
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(url.port().unwrap_or(default_port))
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(20)));
        if !url.username().is_empty() {
            let decode =
                |s: &str| percent_decode(s).ok_or_else(|| bad("--smtp-url: bad %-escape".into()));
            builder = builder.credentials(Credentials::new(
                decode(url.username())?,
                decode(url.password().unwrap_or_default())?,
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Mails `job` to its address.
    pub async fn send(&self, job: &Job) -> Attempt {
        let body: Value = serde_json::from_str(&job.body).unwrap_or(Value::Null);
        let to: Mailbox = match job.destination.target.parse() {
            Ok(to) => to,
            Err(e) => {
                return Attempt {
                    code: None,
                    error: Some(format!("not an address: {e}")),
                    permanent: true,
                };
            }
        };
        let mut text = format!("{}\n\n", job.summary);
        if let Some(lines) = body.get("details").and_then(Value::as_array) {
            for line in lines.iter().filter_map(Value::as_str) {
                text.push_str(line);
                text.push('\n');
            }
            text.push('\n');
        }
        if let Some(url) = link(&body) {
            text.push_str(&format!("Fix it in Signet: {url}\n\n"));
        }
        text.push_str(
            "This alert carries no secret. You get it because a team admin added this address to the team's alert destinations in Signet.\n",
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("Signet: {}", job.summary))
            .header(ContentType::TEXT_PLAIN)
            .body(text);
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                return Attempt {
                    code: None,
                    error: Some(format!("cannot build the mail: {e}")),
                    permanent: true,
                };
            }
        };
        // Each SMTP command has its own timeout; the whole conversation is bounded too, well
        // inside the delivery's lease, so no other replica takes it while this one still talks.
        let sent = tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await;
        let Ok(sent) = sent else {
            return Attempt {
                code: None,
                error: Some(format!(
                    "the SMTP relay did not finish within {} s; it is tried again later",
                    SEND_TIMEOUT.as_secs()
                )),
                permanent: false,
            };
        };
        match sent {
            Ok(response) => Attempt::ok(i64::from(u16::from(response.code()))),
            Err(e) => Attempt {
                code: e.status().map(|c| i64::from(u16::from(c))),
                error: Some(format!("the SMTP relay refused it: {}", error_chain(&e))),
                permanent: e.is_permanent(),
            },
        }
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_and_body() {
        // RFC 4231 does not cover the "t.body" framing; check against a value computed
        // independently with `openssl dgst -sha256 -hmac key` on "1700000000.{}".
        let sig = signature("key", 1_700_000_000, "{}");
        assert!(sig.starts_with("t=1700000000,v1="));
        assert_eq!(sig.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(sig, signature("other", 1_700_000_000, "{}"));
        assert_ne!(sig, signature("key", 1_700_000_001, "{}"));
    }

    #[test]
    fn slack_and_discord_bodies_escape_and_link() {
        let body = r#"{"url":"https://signet.example/credentials/1"}"#;
        let slack: Value =
            serde_json::from_str(&webhook_body(DestinationKind::Slack, "a <b> & c", body)).unwrap();
        let text = slack["text"].as_str().unwrap();
        assert!(text.contains("a &lt;b&gt; &amp; c"), "{text}");
        assert!(text.contains("<https://signet.example/credentials/1|Open in Signet>"));
        let discord: Value =
            serde_json::from_str(&webhook_body(DestinationKind::Discord, "@everyone x", body))
                .unwrap();
        assert_eq!(discord["allowed_mentions"]["parse"], json!([]));
        assert!(
            discord["content"]
                .as_str()
                .unwrap()
                .contains("https://signet.example")
        );
    }

    #[test]
    fn smtp_urls_are_checked() {
        let settings = |url: &str| SmtpSettings {
            url: url.into(),
            from: "Signet <signet@example.com>".into(),
            ca_pem: None,
        };
        assert!(Mailer::new(&settings("smtp://u:p@smtp.example.com:587")).is_ok());
        assert!(Mailer::new(&settings("smtps://smtp.example.com")).is_ok());
        assert!(Mailer::new(&settings("smtp://127.0.0.1:25?tls=none")).is_ok());
        let err = Mailer::new(&settings("smtp://smtp.example.com?tls=none"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("in the clear"), "{err}");
        assert!(Mailer::new(&settings("http://smtp.example.com")).is_err());
        let mut bad_from = settings("smtp://smtp.example.com");
        bad_from.from = "nobody".into();
        assert!(
            Mailer::new(&bad_from)
                .unwrap_err()
                .to_string()
                .contains("--smtp-from")
        );
    }
}
