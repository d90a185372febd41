//! The client's address behind a reverse proxy: `--trusted-proxies` and `X-Forwarded-For`.
//!
//! Rate limits and the audit log key on the client's IP. Without trusted proxies that is the
//! TCP peer, and `X-Forwarded-For` is ignored entirely (anyone can send it). With them, and
//! only when the TCP peer is one of them, the client is the rightmost `X-Forwarded-For`
//! address that is not itself a trusted proxy: each trusted hop appends the address it saw,
//! so everything left of the first untrusted address (reading from the right) was written by
//! the client and is ignored. A malformed entry stops the walk: the client is then the last
//! trusted hop that vouched for what came after it.

use std::{
    net::{IpAddr, SocketAddr},
    str::FromStr,
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};

use crate::ServerError;

/// The header reverse proxies append the address they saw to.
pub const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// An address range: an IP and a prefix length (`10.0.0.0/8`, `::1/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// `ip` with everything after its first `prefix` bits cleared.
fn network_of(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    }
}

impl Cidr {
    fn contains(&self, ip: IpAddr) -> bool {
        self.network.is_ipv4() == ip.is_ipv4() && network_of(ip, self.prefix) == self.network
    }

    fn parse(entry: &str) -> Result<Self, String> {
        let bad = |why: &str| {
            format!(
                "--trusted-proxies: \"{entry}\" {why}; give IP addresses or CIDR ranges separated by commas, e.g. 127.0.0.1,10.0.0.0/8,fd00::/8"
            )
        };
        let (ip, prefix) = match entry.split_once('/') {
            Some((ip, prefix)) => (ip, Some(prefix)),
            None => (entry, None),
        };
        let network = IpAddr::from_str(ip)
            .map_err(|_| bad("is not an IP address or CIDR range"))?
            .to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(p) if p <= max => p,
                _ => return Err(bad(&format!("has a prefix length that is not 0 to {max}"))),
            },
        };
        let base = network_of(network, prefix);
        if base != network {
            return Err(bad(&format!(
                "has bits set after its /{prefix} prefix (did you mean {base}/{prefix}?)"
            )));
        }
        Ok(Self { network, prefix })
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed. Empty by default: then the
/// client is always the TCP peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl FromStr for TrustedProxies {
    type Err = ServerError;

    /// A comma-separated list of IPs and CIDR ranges (`127.0.0.1,10.0.0.0/8`); an empty
    /// string is the empty list. A bad entry is an error naming it.
    fn from_str(list: &str) -> Result<Self, ServerError> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(Cidr::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
            .map_err(ServerError::TrustedProxies)
    }
}

impl TrustedProxies {
    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|cidr| cidr.contains(ip))
    }

    /// The client's address for a request from `peer` with `headers` (see the module docs).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        // Several X-Forwarded-For headers are one list, in order.
        let entries: Vec<Option<&str>> = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .flat_map(|value| match value.to_str() {
                Ok(text) => text.split(',').map(|e| Some(e.trim())).collect::<Vec<_>>(),
                Err(_) => vec![None],
            })
            .filter(|entry| *entry != Some(""))
            .collect();
        let mut client = peer;
        for entry in entries.into_iter().rev() {
            match entry.and_then(parse_forwarded) {
                Some(ip) if self.contains(ip) => client = ip,
                Some(ip) => return ip,
                None => return client,
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an IP, maybe with a port (`1.2.3.4:5678`, `[::1]:80`) or in
/// brackets (`[::1]`).
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let ip = IpAddr::from_str(entry)
        .ok()
        .or_else(|| SocketAddr::from_str(entry).ok().map(|s| s.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .and_then(|e| IpAddr::from_str(e).ok())
        })?;
    Some(ip.to_canonical())
}

/// The client's address as [`TrustedProxies::client`] decided, in the request's extensions
/// (read by [`crate::auth::client_ip`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Middleware: works out the [`ClientIp`] of each request.
pub async fn resolve(
    State(proxies): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let client = proxies.client(peer.ip(), request.headers());
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(
                X_FORWARDED_FOR,
                HeaderValue::from_str(v).unwrap_or_else(|e| panic!("{v}: {e}")),
            );
        }
        headers
    }

    fn trusted(list: &str) -> TrustedProxies {
        list.parse().unwrap_or_else(|e| panic!("{list}: {e}"))
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert!(none.is_empty());
        let headers = xff(&["203.0.113.7"]);
        assert_eq!(none.client(ip("127.0.0.1"), &headers), ip("127.0.0.1"));
        assert_eq!(none.client(ip("10.1.2.3"), &headers), ip("10.1.2.3"));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let proxies = trusted("10.0.0.0/8");
        let headers = xff(&["203.0.113.7, 10.0.0.5"]);
        assert_eq!(proxies.client(ip("192.0.2.1"), &headers), ip("192.0.2.1"));
    }

    #[test]
    fn a_trusted_peer_names_the_client() {
        let proxies = trusted("127.0.0.1");
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &xff(&["203.0.113.7"])),
            ip("203.0.113.7")
        );
        // No header: the proxy itself is the client.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn the_rightmost_untrusted_address_wins_so_a_spoofed_leftmost_entry_is_ignored() {
        let proxies = trusted("127.0.0.1, 10.0.0.0/8");
        // The client sent "198.51.100.1"; the edge proxy appended the real 203.0.113.7; an
        // inner proxy appended the edge's 10.0.0.5.
        let headers = xff(&["198.51.100.1, 203.0.113.7, 10.0.0.5"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &headers), ip("203.0.113.7"));
        // The same list split over several headers.
        let headers = xff(&["198.51.100.1", "203.0.113.7", "10.0.0.5"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &headers), ip("203.0.113.7"));
        // A client that pretends to be a trusted proxy gets no further: its own address is
        // still the rightmost untrusted one.
        let headers = xff(&["10.9.9.9, 203.0.113.7"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &headers), ip("203.0.113.7"));
    }

    #[test]
    fn only_trusted_hops_means_the_leftmost_is_the_client() {
        let proxies = trusted("10.0.0.0/8");
        let headers = xff(&["10.0.0.7, 10.0.0.5"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers), ip("10.0.0.7"));
    }

    #[test]
    fn a_malformed_entry_stops_the_walk_at_the_last_trusted_hop() {
        let proxies = trusted("127.0.0.1, 10.0.0.0/8");
        let headers = xff(&["203.0.113.7, garbage, 10.0.0.5"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &headers), ip("10.0.0.5"));
        let headers = xff(&["unknown"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &headers), ip("127.0.0.1"));
        let mut headers = HeaderMap::new();
        headers.append(
            X_FORWARDED_FOR,
            HeaderValue::from_bytes(b"203.0.113.7\xff").unwrap_or_else(|e| panic!("{e}")),
        );
        assert_eq!(proxies.client(ip("127.0.0.1"), &headers), ip("127.0.0.1"));
    }

    #[test]
    fn entries_with_ports_brackets_and_empty_items_are_understood() {
        let proxies = trusted("127.0.0.1");
        for (value, want) in [
            ("203.0.113.7:5555", "203.0.113.7"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("2001:db8::1", "2001:db8::1"),
            ("203.0.113.7, ,", "203.0.113.7"),
            ("::ffff:203.0.113.7", "203.0.113.7"),
        ] {
            assert_eq!(
                proxies.client(ip("127.0.0.1"), &xff(&[value])),
                ip(want),
                "{value}"
            );
        }
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_entries() {
        let proxies = trusted("127.0.0.1");
        assert!(proxies.contains(ip("::ffff:127.0.0.1")));
        assert_eq!(
            proxies.client(ip("::ffff:127.0.0.1"), &xff(&["203.0.113.7"])),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn ranges_match_what_they_cover() {
        let proxies = trusted("10.0.0.0/8,192.168.1.0/24,fd00::/8,::1");
        for yes in [
            "10.0.0.1",
            "10.255.255.255",
            "192.168.1.9",
            "fd12::1",
            "::1",
        ] {
            assert!(proxies.contains(ip(yes)), "{yes}");
        }
        for no in ["11.0.0.1", "192.168.2.1", "fe80::1", "::2", "127.0.0.1"] {
            assert!(!proxies.contains(ip(no)), "{no}");
        }
        assert!(trusted("0.0.0.0/0").contains(ip("203.0.113.7")));
        assert!(trusted("").is_empty());
        assert!(trusted(" , ").is_empty());
    }

    #[test]
    fn bad_entries_are_errors_that_name_them() {
        for (list, entry) in [
            ("127.0.0.1,localhost", "localhost"),
            ("10.0.0.0/33", "10.0.0.0/33"),
            ("10.0.0.0/x", "10.0.0.0/x"),
            ("::/129", "::/129"),
            ("10.1.2.3/8", "10.1.2.3/8"),
            ("127.0.0.1:80", "127.0.0.1:80"),
        ] {
            let e = list
                .parse::<TrustedProxies>()
                .err()
                .unwrap_or_else(|| panic!("{list} was accepted"))
                .to_string();
            assert!(e.contains(&format!("\"{entry}\"")), "{e}");
            assert!(e.contains("--trusted-proxies"), "{e}");
        }
        let e = "10.1.2.3/8"
            .parse::<TrustedProxies>()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("did you mean 10.0.0.0/8"), "{e}");
    }
}
