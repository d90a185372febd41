//! Where a webhook may point.
//!
//! Any signed-in user can make a team and give it a webhook, so the server must not become a
//! way to reach the operator's own network: unless the operator allows private targets,
//! webhook URLs must be `https://`, and the host must resolve only to public addresses — it is
//! checked when the destination is added and again on every connection (a resolver that drops
//! private addresses, so a name that later resolves to `127.0.0.1` reaches nothing).
//! Redirects are not followed.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use signet_core::wire::alert::DestinationKind;

use crate::ApiError;

/// Whether `ip` is an address on the public internet (not loopback, private, link-local,
/// shared, documentation, multicast or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// Checks a destination's target and returns it normalised.
pub fn check(kind: DestinationKind, target: &str, allow_private: bool) -> Result<String, ApiError> {
    let target = target.trim();
    if target.is_empty() || target.len() > 2048 {
        return Err(ApiError::Invalid(
            "the destination is empty or longer than 2048 characters".into(),
        ));
    }
    if kind == DestinationKind::Email {
        return target
            .parse::<lettre::Address>()
            .map(|a| a.to_string())
            .map_err(|_| {
                ApiError::Invalid(format!(
                    "\"{target}\" is not an email address (e.g. releases@example.com)"
                ))
            });
    }
    let url = reqwest::Url::parse(target).map_err(|e| {
        ApiError::Invalid(format!(
            "the webhook URL does not parse ({e}); paste the whole URL, e.g. https://hooks.slack.com/services/…"
        ))
    })?;
    let https = url.scheme() == "https";
    if !(https || allow_private && url.scheme() == "http") {
        return Err(ApiError::Invalid(
            "a webhook URL must start with https:// (alerts are not sent in the clear)".into(),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::Invalid(
            "put no user name or password in the webhook URL: receivers check the signature header instead".into(),
        ));
    }
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(ApiError::Invalid("the webhook URL has no host".into()));
    }
    if !allow_private {
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>();
        let local_name = host == "localhost" || host.ends_with(".localhost") || !host.contains('.');
        if literal.is_ok_and(|ip| !is_public(ip)) || local_name {
            return Err(ApiError::Invalid(format!(
                "{host} is not a public address: this server sends webhooks only to the internet (an operator can allow private targets with --alert-allow-private-targets)"
            )));
        }
    }
    Ok(url.to_string())
}

/// A resolver that keeps only public addresses (used unless private targets are allowed).
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client webhooks are sent with.
pub fn client(allow_private: bool) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(20))
        .connect_timeout(std::time::Duration::from_secs(10))
        .user_agent(concat!("Signet/", env!("CARGO_PKG_VERSION"), " alerts"));
    if !allow_private {
        builder = builder.dns_resolver(Arc::new(PublicOnly));
    }
    builder.build().unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["1.1.1.1", "140.82.112.3", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn webhook_targets_are_checked() {
        let webhook = DestinationKind::Webhook;
        assert!(check(webhook, "https://hooks.example.com/x", false).is_ok());
        for bad in [
            "http://hooks.example.com/x",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://localhost/x",
            "https://intranet/x",
            "https://user:pw@hooks.example.com/x",
            "not a url",
        ] {
            assert!(check(webhook, bad, false).is_err(), "{bad}");
        }
        assert!(check(webhook, "http://127.0.0.1:9/x", true).is_ok());
        assert!(check(DestinationKind::Email, "a@example.com", false).is_ok());
        assert!(check(DestinationKind::Email, "not-an-address", false).is_err());
    }
}
