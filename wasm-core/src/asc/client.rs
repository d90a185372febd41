//! The flows: every request signed with a fresh token (scoped to exactly that request when
//! it goes through someone else's hands), answers parsed, Apple's errors explained.

use core::future::Future;

use serde_json::Value;
use zeroize::Zeroizing;

use super::{
    request::{Distribution, Request},
    resource::{self, BundleId, Certificate, Device, Profile},
};
use crate::{
    Error, Result,
    android::{Password, pkcs12::Pkcs12Variant},
    credential::{Payload, SecretText},
    ios::{
        certificate::SigningIdentity,
        csr::{CsrSubject, PendingCsr},
        profile::ProvisioningProfile,
    },
    keys::asc::AppStoreConnectKey,
};

/// What came back: the status and the body.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The body (JSON for Apple's answers).
    pub body: Vec<u8>,
}

/// Sends one request to App Store Connect with `Authorization: Bearer <token>`.
pub trait Transport {
    /// Sends `request`; network failures are [`Error::AscUnreachable`], any HTTP answer is a
    /// [`Response`].
    fn send(&self, request: &Request, token: &str) -> impl Future<Output = Result<Response>>;
}

impl<T: Transport> Transport for &T {
    fn send(&self, request: &Request, token: &str) -> impl Future<Output = Result<Response>> {
        (**self).send(request, token)
    }
}

/// Whether each token carries Apple's `scope` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scoping {
    /// Tokens allow any request (the CLI, which talks to Apple itself).
    Unscoped,
    /// Each token allows exactly the request it is sent with (the dashboard's relay: the
    /// server sees tokens good for nothing else).
    PerRequest,
}

/// Lifetime of each token: well under Apple's 20 minutes, as each is used at once.
pub const TOKEN_LIFETIME_SECS: u64 = 300;

/// Lists longer than this many pages are refused (200 per page).
const MAX_PAGES: usize = 25;

/// An App Store Connect client for one API key.
pub struct AscClient<'k, T, C> {
    key: &'k AppStoreConnectKey,
    transport: T,
    clock: C,
    scoping: Scoping,
}

impl<T, C> core::fmt::Debug for AscClient<'_, T, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AscClient")
            .field("key_id", &self.key.key_id())
            .field("scoping", &self.scoping)
            .finish_non_exhaustive()
    }
}

/// A certificate Apple just issued, with its private key (made here).
#[derive(Debug)]
pub struct NewCertificate {
    /// Apple's resource.
    pub certificate: Certificate,
    /// Key and certificate.
    pub identity: SigningIdentity,
}

impl NewCertificate {
    /// The credential payload: a `.p12` (the variant macOS Keychain imports) under a fresh
    /// random password.
    pub fn payload(&self) -> Result<Payload> {
        let password = Password::random()?;
        let p12 = Zeroizing::new(self.identity.to_p12(&password, Pkcs12Variant::Legacy)?);
        Ok(Payload::IosDistributionCertificate {
            p12: SecretText::from_bytes(&p12),
            password: SecretText::new(password.expose()),
        })
    }
}

/// A profile Apple just created, read and checked.
#[derive(Debug)]
pub struct NewProfile {
    /// Apple's resource (with the file).
    pub profile: Profile,
    /// The file, parsed.
    pub parsed: ProvisioningProfile,
}

impl NewProfile {
    /// The credential payload.
    pub fn payload(&self) -> Payload {
        Payload::IosProvisioningProfile {
            profile: SecretText::from_bytes(&self.profile.content),
        }
    }
}

/// What to do about an error status, in words.
fn hint(status: u16) -> &'static str {
    match status {
        401 => {
            "The API key was refused: it may be revoked, or its key id or issuer id is wrong \
             (App Store Connect → Users and Access → Integrations). Store the right key in \
             Signet and try again."
        }
        403 => {
            "The API key's role may not do this: creating certificates and profiles needs a key \
             with the Admin or App Manager role."
        }
        404 => "It does not exist at Apple (any more).",
        409 => "Apple refused the request as it stands; nothing was changed.",
        429 => "Apple's rate limit was hit: wait a few minutes and run it again.",
        500..=599 => "Apple's service failed: try again later.",
        _ => "",
    }
}

impl<'k, T: Transport, C: Fn() -> u64> AscClient<'k, T, C> {
    /// A client signing with `key`, sending through `transport`, `clock` giving unix seconds.
    pub fn new(key: &'k AppStoreConnectKey, transport: T, clock: C, scoping: Scoping) -> Self {
        Self {
            key,
            transport,
            clock,
            scoping,
        }
    }

    /// Sends one request with a fresh token; the body of a 2xx answer, else Apple's error.
    pub async fn call(&self, request: &Request) -> Result<Vec<u8>> {
        let scope = match self.scoping {
            Scoping::Unscoped => Vec::new(),
            Scoping::PerRequest => vec![request.scope()],
        };
        let token = Zeroizing::new(self.key.token_scoped(
            (self.clock)(),
            TOKEN_LIFETIME_SECS,
            &scope,
        )?);
        let response = self.transport.send(request, &token).await?;
        if (200..300).contains(&response.status) {
            return Ok(response.body);
        }
        let e = resource::first_error(response.status, &response.body);
        let detail = if e.detail.is_empty() {
            e.title
        } else {
            e.detail
        };
        Err(Error::AppStoreConnect {
            request: format!(
                "{} {}",
                request.method.as_str(),
                request.path.split('?').next().unwrap_or_default()
            ),
            status: response.status,
            code: e.code,
            detail,
            hint: hint(response.status).to_owned(),
        })
    }

    /// Every resource of a list, following `links.next`.
    async fn list<R>(&self, first: Request, parse: fn(&Value) -> Result<R>) -> Result<Vec<R>> {
        let mut out = Vec::new();
        let mut request = first;
        for _ in 0..MAX_PAGES {
            let (data, next) = resource::data(&self.call(&request).await?)?;
            let items = data.as_array().ok_or_else(|| Error::Malformed {
                what: "App Store Connect response",
                reason: "a list whose data is not an array".into(),
            })?;
            for item in items {
                out.push(parse(item)?);
            }
            match next {
                Some(next) => request = request.next_page(&next)?,
                None => return Ok(out),
            }
        }
        Err(Error::InvalidInput(format!(
            "App Store Connect listed more than {MAX_PAGES} pages of {}; refusing to read on",
            request.path.split('?').next().unwrap_or_default()
        )))
    }

    async fn create<R>(&self, request: Request, parse: fn(&Value) -> Result<R>) -> Result<R> {
        let (data, _) = resource::data(&self.call(&request).await?)?;
        parse(&data)
    }

    /// The App ID for `identifier`, registered (as `name`) when Apple has none; `true` when
    /// it was registered now.
    pub async fn bundle_id(&self, identifier: &str, name: &str) -> Result<(BundleId, bool)> {
        let found = self
            .list(
                Request::find_bundle_id(identifier)?,
                BundleId::from_resource,
            )
            .await?;
        if let Some(b) = found.into_iter().find(|b| b.identifier == identifier) {
            return Ok((b, false));
        }
        let name: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
            .take(50)
            .collect();
        let name = if name.trim().is_empty() {
            "Signet app".to_owned()
        } else {
            name
        };
        let created = self
            .create(
                Request::register_bundle_id(identifier, name.trim())?,
                BundleId::from_resource,
            )
            .await?;
        Ok((created, true))
    }

    /// The team's certificates of `kind` (`IOS_DISTRIBUTION`, …).
    pub async fn certificates(&self, kind: &str) -> Result<Vec<Certificate>> {
        self.list(
            Request::list_certificates(kind)?,
            Certificate::from_resource,
        )
        .await
    }

    /// The certificate with this serial number, if Apple still has it (not revoked).
    pub async fn certificate_by_serial(&self, serial: &str) -> Result<Option<Certificate>> {
        let serial = resource::normalize_serial(serial);
        Ok(self
            .list(
                Request::find_certificate(&serial)?,
                Certificate::from_resource,
            )
            .await?
            .into_iter()
            .find(|c| c.has_serial(&serial)))
    }

    /// Creates the certificate `distribution` needs from a CSR made here: the key never leaves
    /// this process. Apple's certificate limit answers 409, see
    /// [`Error::is_certificate_limit`].
    pub async fn create_certificate(
        &self,
        distribution: Distribution,
        subject: &CsrSubject,
    ) -> Result<NewCertificate> {
        let pending = PendingCsr::generate(subject)?;
        self.create_certificate_for(
            distribution,
            &pending.csr_pem()?,
            &pending.private_key_pkcs8_pem()?,
        )
        .await
    }

    /// [`Self::create_certificate`] for a request made elsewhere (the dashboard's worker):
    /// `csr_pem` and its unencrypted PKCS#8 private key.
    pub async fn create_certificate_for(
        &self,
        distribution: Distribution,
        csr_pem: &str,
        key_pem: &str,
    ) -> Result<NewCertificate> {
        let certificate = self
            .create(
                Request::create_certificate(csr_pem, distribution.certificate_type())?,
                Certificate::from_resource,
            )
            .await?;
        let der = certificate
            .content
            .clone()
            .ok_or_else(|| Error::Malformed {
                what: "App Store Connect response",
                reason: "the new certificate came without its content".into(),
            })?;
        let identity = SigningIdentity::import(key_pem, &der)?;
        Ok(NewCertificate {
            certificate,
            identity,
        })
    }

    /// Revokes a certificate at Apple (builds signed with it keep working; new ones cannot
    /// be signed, and the profiles allowing only it become invalid).
    pub async fn revoke_certificate(&self, id: &str) -> Result<()> {
        self.call(&Request::revoke_certificate(id)?).await.map(drop)
    }

    /// The team's enabled iOS devices.
    pub async fn devices(&self) -> Result<Vec<Device>> {
        self.list(Request::list_devices(), Device::from_resource)
            .await
    }

    /// Registers a device; one Apple already has (same UDID) is returned as it is.
    pub async fn register_device(&self, udid: &str, name: &str) -> Result<(Device, bool)> {
        let udid = udid.trim();
        if let Some(d) = self
            .devices()
            .await?
            .into_iter()
            .find(|d| d.udid.eq_ignore_ascii_case(udid))
        {
            return Ok((d, false));
        }
        let device = self
            .create(Request::register_device(udid, name)?, Device::from_resource)
            .await?;
        Ok((device, true))
    }

    /// Creates a profile for `bundle` allowing `certificate` (on every enabled device for Ad
    /// Hoc and Development), downloads it and checks it is what was asked for.
    pub async fn create_profile(
        &self,
        distribution: Distribution,
        bundle: &BundleId,
        certificate: &Certificate,
        certificate_der: &[u8],
    ) -> Result<NewProfile> {
        let devices = if distribution.needs_devices() {
            let devices = self.devices().await?;
            if devices.is_empty() {
                return Err(Error::InvalidInput(format!(
                    "an {} profile lists the devices it installs on, and the Apple team has no \
                     enabled iOS device: register one with `signet ios devices add --udid … \
                     --name …` (or on the dashboard), then try again",
                    distribution.name()
                )));
            }
            devices.into_iter().map(|d| d.id).collect()
        } else {
            Vec::new()
        };
        let now = (self.clock)();
        // Apple refuses a second profile of the same name: the time alone is not unique.
        let suffix: String = crate::android::random_hex()?.chars().take(6).collect();
        let name = format!(
            "Signet {} {} {now}-{suffix}",
            bundle.identifier,
            distribution.name()
        );
        let profile = self
            .create(
                Request::create_profile(
                    &name,
                    distribution,
                    &bundle.id,
                    &certificate.id,
                    &devices,
                )?,
                Profile::from_resource,
            )
            .await?;
        let parsed = ProvisioningProfile::from_mobileprovision(&profile.content)?;
        parsed.validate(
            &bundle.identifier,
            certificate_der,
            i64::try_from(now).unwrap_or(i64::MAX),
        )?;
        if !distribution.matches(parsed.profile_type) {
            return Err(Error::InvalidInput(format!(
                "Apple returned a {} profile when an {} one was asked for",
                parsed.profile_type,
                distribution.name()
            )));
        }
        Ok(NewProfile { profile, parsed })
    }
}

impl Error {
    /// Whether this is Apple refusing a new certificate because the team has as many of that
    /// type as it may (409 on `POST /v1/certificates`): revoke one, or reuse one.
    pub fn is_certificate_limit(&self) -> bool {
        matches!(self, Error::AppStoreConnect { request, status: 409, .. }
            if request == "POST /v1/certificates")
    }
}
