//! Uploads: Apple's `.cer` (turned into a `.p12` here), an existing `.p12`, a provisioning
//! profile, a push key, an App Store Connect key. Each is checked with
//! [`Payload::inspect`] before it is stored; a failure stores nothing.

use leptos::{prelude::*, task::spawn_local};
use signet_core::{
    android::{Password, pkcs12::Pkcs12Variant},
    credential::{Payload, SecretText},
    ios::certificate::SigningIdentity,
    wire::credential::CredentialKind,
};
use wasm_bindgen::JsCast;

use super::{Slot, cards::profile_problems, store};
use crate::{
    api,
    components::ui::{date, now_unix},
    pages::{
        apps::{file_bytes, meta_str},
        auth::{Busy, BusyLine, Field, paint},
    },
    state::AppState,
};

/// The files a slot takes by upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Upload {
    /// Apple's `.cer` for the pending CSR.
    Cer,
    /// An existing `.p12` with its password.
    P12,
    /// A `.mobileprovision`.
    Profile,
    /// An APNs `.p8` with key id and Apple team id.
    PushKey,
    /// An App Store Connect `.p8` with key id and issuer id.
    AscKey,
}

impl Upload {
    /// Element id stem, heading, file label, accepted extensions.
    pub(super) fn texts(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Upload::Cer => (
                "cer",
                "Upload Apple's certificate",
                "Certificate from Apple (.cer)",
                ".cer,.crt,.pem",
            ),
            Upload::P12 => (
                "p12",
                "Or upload an existing certificate (.p12)",
                "Certificate with its private key (.p12)",
                ".p12,.pfx",
            ),
            Upload::Profile => (
                "profile",
                "Upload a provisioning profile",
                "Provisioning profile (.mobileprovision)",
                ".mobileprovision",
            ),
            Upload::PushKey => ("push", "Upload a push key", "Push key (.p8)", ".p8"),
            Upload::AscKey => (
                "asc",
                "Upload an App Store Connect API key",
                "API key (.p8)",
                ".p8",
            ),
        }
    }

    /// The summary of the folded "add" forms.
    pub(super) fn summary(self) -> &'static str {
        match self {
            Upload::Cer | Upload::P12 => "Add a distribution certificate",
            Upload::Profile => "Add a provisioning profile",
            Upload::PushKey => "Add a push key",
            Upload::AscKey => "Add an App Store Connect API key",
        }
    }

    /// The kind of credential the upload becomes.
    pub(super) fn credential_kind(self) -> CredentialKind {
        match self {
            Upload::Cer | Upload::P12 => CredentialKind::IosDistributionCertificate,
            Upload::Profile => CredentialKind::IosProvisioningProfile,
            Upload::PushKey => CredentialKind::ApplePushKey,
            Upload::AscKey => CredentialKind::AscApiKey,
        }
    }

    /// Labels of the text fields next to the file (password fields first).
    fn fields(self) -> (Option<&'static str>, Option<&'static str>) {
        match self {
            Upload::Cer | Upload::Profile => (None, None),
            Upload::P12 => (Some(".p12 password"), None),
            Upload::PushKey => (Some("Key id"), Some("Apple team id")),
            Upload::AscKey => (Some("Key id"), Some("Issuer id")),
        }
    }
}

/// Builds the payload for an upload; `pending` is the CSR's private key for [`Upload::Cer`].
fn payload(
    kind: Upload,
    bytes: &[u8],
    first: &str,
    second: &str,
    pending: Option<&Payload>,
) -> Result<Payload, String> {
    let text = || {
        String::from_utf8(bytes.to_vec())
            .map(SecretText::new)
            .map_err(|_| "this is not a .p8 key file".to_owned())
    };
    Ok(match kind {
        Upload::Cer => {
            let Some(Payload::PendingCsr {
                private_key_pem, ..
            }) = pending
            else {
                return Err("the signing request could not be opened".into());
            };
            let identity =
                SigningIdentity::import(private_key_pem.expose(), bytes).map_err(|e| match e {
                    signet_core::Error::CertificateKeyMismatch { certificate, .. } => format!(
                        "this certificate ({certificate}) was not issued for the signing request \
                         made here: upload the .cer Apple issued for the .csr you downloaded \
                         from this page"
                    ),
                    other => other.to_string(),
                })?;
            let password = Password::random().map_err(|e| e.to_string())?;
            // The variant macOS Keychain imports (3DES, SHA-1 MAC).
            let p12 = identity
                .to_p12(&password, Pkcs12Variant::Legacy)
                .map_err(|e| e.to_string())?;
            Payload::IosDistributionCertificate {
                p12: SecretText::from_bytes(&p12),
                password: SecretText::new(password.expose()),
            }
        }
        Upload::P12 => Payload::IosDistributionCertificate {
            p12: SecretText::from_bytes(bytes),
            password: SecretText::new(first),
        },
        Upload::Profile => Payload::IosProvisioningProfile {
            profile: SecretText::from_bytes(bytes),
        },
        Upload::PushKey => Payload::ApplePushKey {
            p8: text()?,
            key_id: first.trim().to_owned(),
            team_id: second.trim().to_owned(),
        },
        Upload::AscKey => Payload::AscApiKey {
            p8: text()?,
            key_id: first.trim().to_owned(),
            issuer_id: second.trim().to_owned(),
        },
    })
}

/// The key id in the name Apple gives a downloaded key, `AuthKey_<ID>.p8` (ten letters and
/// digits; a browser may add " (1)" to a second download of the same name).
fn key_id_from_file_name(name: &str) -> Option<String> {
    let id = name.strip_prefix("AuthKey_")?.split(['.', ' ']).next()?;
    (id.len() == 10 && id.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| id.to_ascii_uppercase())
}

/// An inspection failure in the words of the file that was uploaded.
fn explain(kind: Upload, e: signet_core::Error) -> String {
    match (kind, e) {
        (Upload::P12, signet_core::Error::WrongKeystorePassword) => {
            "wrong .p12 password: enter the password the certificate was exported with".into()
        }
        (Upload::P12, signet_core::Error::NotAKeystore) => {
            "not a .p12 file: export the distribution certificate with its private key from \
             Keychain Access (My Certificates → Export → .p12), or upload Apple's .cer for a \
             request made here"
                .into()
        }
        (Upload::P12, signet_core::Error::MalformedKeystore { reason, .. }) => {
            format!("the .p12 file is damaged or truncated ({reason}): export it again")
        }
        (Upload::P12, signet_core::Error::UnsupportedKeystore(what)) => format!(
            "this .p12 uses something Signet does not read ({what}): convert it with \
             `openssl pkcs12 -in old.p12 -nodes -legacy | openssl pkcs12 -export -out new.p12`"
        ),
        (Upload::P12, signet_core::Error::WrongKeyPassword { .. }) => {
            "the .p12 password opens the file but not its private key: export it again with \
             one password"
                .into()
        }
        (
            Upload::P12,
            signet_core::Error::UnknownAlias { .. } | signet_core::Error::NotAKeyEntry { .. },
        ) => "the .p12 holds no private key: export the certificate together with its key \
             (My Certificates in Keychain Access, not Certificates)"
            .into(),
        (_, e) => e.to_string(),
    }
}

/// A file (and its passwords or ids), checked here, stored encrypted, made the slot's default.
#[component]
pub(super) fn UploadForm(
    kind: Upload,
    at: Slot,
    reload: RwSignal<u32>,
    /// The pending CSR's credential id ([`Upload::Cer`] only): opened for its key, trashed
    /// once the certificate is stored.
    #[prop(optional, into)]
    pending: Option<String>,
    /// The SHA-1 of the certificate the slot's builds use ([`Upload::Profile`]: a profile
    /// must list it).
    #[prop(default = None)]
    cert_sha1: Option<String>,
) -> impl IntoView {
    let slot = at;
    let state = AppState::get();
    let (stem, title, file_label, accept) = kind.texts();
    let (first_label, second_label) = kind.fields();
    let first = RwSignal::new(String::new());
    let second = RwSignal::new(String::new());
    let busy = RwSignal::new(Busy::Idle);
    // A profile that does not fit the slot is stored only when the person says "use it
    // anyway", and then beside the default, never as it.
    let problems = RwSignal::new(Vec::<String>::new());
    let use_anyway = RwSignal::new(false);
    let anyway_id = slot.id(&format!("{stem}-use-anyway"));
    let problems_id = slot.id(&format!("{stem}-problems"));
    let file_ref = NodeRef::<leptos::html::Input>::new();
    let file_id = slot.id(&format!("{stem}-file"));
    let (first_id, second_id) = (
        slot.id(&format!("{stem}-first")),
        slot.id(&format!("{stem}-second")),
    );
    let (form_id, button_id, status_id) = (
        slot.id(&format!("{stem}-form")),
        slot.id(&format!("upload-{stem}")),
        slot.id(&format!("{stem}-status")),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(keys), Some(team), Some(input)) = (
            state.keys_untracked(),
            state.team_id.get_untracked(),
            file_ref.get_untracked(),
        ) else {
            return;
        };
        if busy.get_untracked().is_working() {
            return;
        }
        let input: web_sys::HtmlInputElement = input.unchecked_into();
        let (slot, pending, cert_sha1) = (slot.clone(), pending.clone(), cert_sha1.clone());
        busy.set(Busy::Working("Checking the file in your browser…".into()));
        spawn_local(async move {
            let result = async {
                let (name, bytes) = file_bytes(&input).await?;
                paint().await;
                let opened = match &pending {
                    Some(id) => {
                        let key = state
                            .team_key(&keys, &team)
                            .await
                            .map_err(|e| e.to_string())?;
                        Some(
                            api::read_credential(&team, &key, id)
                                .await
                                .map_err(|e| e.to_string())?,
                        )
                    }
                    None => None,
                };
                let payload = payload(
                    kind,
                    &bytes,
                    &first.get_untracked(),
                    &second.get_untracked(),
                    opened.as_ref(),
                )
                .and_then(|p| p.inspect().map(|m| (p, m)).map_err(|e| explain(kind, e)))
                .map_err(|e| format!("{e}. Nothing was stored."));
                let (payload, metadata) = payload?;
                let label = match kind {
                    Upload::Cer | Upload::P12 => meta_str(&metadata, "common_name"),
                    Upload::Profile => meta_str(&metadata, "name"),
                    _ => String::new(),
                };
                let label = if label.is_empty() { name } else { label };
                let mut is_default = true;
                if kind == Upload::Profile {
                    // As strict as `signet doctor`: an expired profile is refused; one for
                    // another bundle id or certificate needs "use it anyway".
                    if let Some(not_after) = metadata.get("not_after").and_then(|v| v.as_i64())
                        && not_after < now_unix()
                    {
                        problems.set(Vec::new());
                        return Err(format!(
                            "This provisioning profile expired on {}: builds signed with it \
                             fail. Nothing was stored. Make a new one in the Apple developer \
                             portal (or with \"Create with Apple\") and upload that.",
                            date(not_after)
                        ));
                    }
                    let found = profile_problems(&metadata, &slot, cert_sha1.as_deref());
                    if !found.is_empty() && !use_anyway.get_untracked() {
                        problems.set(found);
                        return Err("This profile does not fit this slot (see above). Nothing \
                                    was stored: upload one that does, or tick \"Use it anyway\" \
                                    to store it beside the default."
                            .into());
                    }
                    is_default = found.is_empty();
                    problems.set(Vec::new());
                }
                busy.set(Busy::Working(
                    "Encrypting in your browser and storing…".into(),
                ));
                store(state, &slot, &label, &payload, is_default).await?;
                if let Some(id) = &pending {
                    // The key now lives in the .p12: the request has done its job.
                    api::trash_credential_in_use(&team, id)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                Ok::<(), String>(())
            }
            .await;
            match result {
                Ok(()) => {
                    first.set(String::new());
                    second.set(String::new());
                    use_anyway.set(false);
                    busy.set(Busy::Idle);
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e)),
            }
        });
    };
    let password = kind == Upload::P12;
    let (first_kind, first_required) = if password {
        ("password", false)
    } else {
        ("text", true)
    };
    let label_for = file_id.clone();
    view! {
        <form class="option form" on:submit=submit id=form_id>
            <h5>{title}</h5>
            <label for=label_for>{file_label}</label>
            <input
                id=file_id
                type="file"
                node_ref=file_ref
                required
                accept=accept
                on:change=move |_| {
                    // Apple names the key file after its id: `AuthKey_ABC123DEFG.p8`.
                    if matches!(kind, Upload::PushKey | Upload::AscKey)
                        && first.with_untracked(|f| f.trim().is_empty())
                        && let Some(id) = file_ref
                            .get_untracked()
                            .and_then(|i| i.files())
                            .and_then(|f| f.get(0))
                            .and_then(|f| key_id_from_file_name(&f.name()))
                    {
                        first.set(id);
                    }
                }
            />
            {first_label.map(|label| view! {
                <Field id=first_id label value=first kind=first_kind autocomplete="off" required=first_required />
            })}
            {second_label.map(|label| view! {
                <Field id=second_id label value=second autocomplete="off" required=true />
            })}
            {move || {
                let found = problems.get();
                (!found.is_empty()).then(|| view! {
                    <div class="confirm warning" id=problems_id.clone()>
                        <ul>
                            {found.into_iter().map(|p| view! { <li class="warning-text">"⚠ "{p}</li> }).collect_view()}
                        </ul>
                        <label class="check">
                            <input
                                type="checkbox"
                                id=anyway_id.clone()
                                prop:checked=move || use_anyway.get()
                                on:change=move |ev| use_anyway.set(event_target_checked(&ev))
                            />
                            " Use it anyway: store it beside the default (builds keep using the default), then upload again"
                        </label>
                    </div>
                })
            }}
            <button id=button_id class="button" type="submit" disabled=move || busy.get().is_working()>
                "Check and upload"
            </button>
            <BusyLine state=busy id=status_id />
        </form>
    }
}
