//! The overview page: what Signet is, and a check that this browser can do Signet's crypto
//! (an RSA-2048 key and an Apple certificate signing request made right here with
//! `signet-core`).

use leptos::{lazy, prelude::*, task::spawn_local};
use signet_core::ios::csr::{CsrSubject, PendingCsr};

/// Where the browser check stands.
#[derive(Debug, Clone, PartialEq)]
enum Check {
    Idle,
    Running,
    Done { pem: String, millis: f64 },
    Failed(String),
}

/// The landing page.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Your app signing credentials, end-to-end encrypted"</h1>
            <p class="lead">
                "Signet generates, stores and shares Android keystores, iOS certificates, "
                "provisioning profiles and service keys for your team. Keys are made and "
                "encrypted in your browser or the signet CLI; the server only ever holds ciphertext."
            </p>
        </section>
        <div class="cards">
            <CryptoCheck />
            <section class="card">
                <h2>"Get started"</h2>
                <ol class="checklist">
                    <li><a href="/account">"Create an account"</a>" — your keys are made in this browser"</li>
                    <li><a href="/teams">"Create a team"</a>" or open an invitation link"</li>
                    <li><a href="/apps">"Add an app"</a>" with its Android package and iOS bundle ids"</li>
                    <li>"Generate or upload its Android upload keystore, then download it for local builds"</li>
                    <li><a href="/members">"Invite your teammates"</a></li>
                </ol>
                <p class="muted">"iOS certificates, profiles and service keys come next."</p>
            </section>
        </div>
    }
}

/// Generates the key and the CSR; returns the PEM and the milliseconds the generation took.
/// Lazy: RSA key generation and the DER/X.509 encoders are fetched, as their own wasm chunk,
/// on the first click.
#[lazy]
fn generate_csr(subject: CsrSubject) -> Result<(String, f64), String> {
    let started = js_sys::Date::now();
    let pem = PendingCsr::generate(&subject)
        .and_then(|csr| csr.csr_pem())
        .map_err(|e| e.to_string())?;
    Ok((pem, js_sys::Date::now() - started))
}

/// Generates an RSA-2048 key and a CSR in the browser and shows the request.
#[component]
fn CryptoCheck() -> impl IntoView {
    let common_name = RwSignal::new("Signet browser check".to_owned());
    let email = RwSignal::new("you@example.com".to_owned());
    let state = RwSignal::new(Check::Idle);

    let generate = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if state.get_untracked() == Check::Running {
            return;
        }
        state.set(Check::Running);
        let subject = CsrSubject {
            common_name: common_name.get_untracked(),
            email: email.get_untracked(),
            country: Some("US".to_owned()),
        };
        spawn_local(async move {
            // Let the browser paint the "Generating…" state before the CPU-heavy work.
            gloo_timers::future::TimeoutFuture::new(30).await;
            state.set(match generate_csr(subject).await {
                Ok((pem, millis)) => Check::Done { pem, millis },
                Err(e) => Check::Failed(e),
            });
        });
    };

    view! {
        <section class="card" aria-labelledby="crypto-check-title">
            <h2 id="crypto-check-title">"Check this browser"</h2>
            <p class="muted">
                "Generate an RSA-2048 key and an Apple certificate signing request locally. "
                "Nothing is sent to the server; the key is discarded when you leave the page."
            </p>
            <form class="form" on:submit=generate>
                <label for="csr-cn">"Common name"</label>
                <input
                    id="csr-cn"
                    type="text"
                    required
                    prop:value=move || common_name.get()
                    on:input=move |ev| common_name.set(event_target_value(&ev))
                />
                <label for="csr-email">"Email"</label>
                <input
                    id="csr-email"
                    type="email"
                    required
                    prop:value=move || email.get()
                    on:input=move |ev| email.set(event_target_value(&ev))
                />
                <button
                    id="generate-csr"
                    class="button primary"
                    type="submit"
                    disabled=move || state.get() == Check::Running
                >
                    {move || {
                        if state.get() == Check::Running {
                            "Generating…"
                        } else {
                            "Generate key and CSR"
                        }
                    }}
                </button>
            </form>
            <div aria-live="polite">
                {move || match state.get() {
                    Check::Idle => ().into_any(),
                    Check::Running => {
                        view! {
                            <p class="status" id="csr-status">
                                <span class="spinner" aria-hidden="true"></span>
                                "Generating an RSA-2048 key in your browser…"
                            </p>
                        }
                            .into_any()
                    }
                    Check::Done { pem, millis } => {
                        view! {
                            <p class="status success" id="csr-status">
                                {format!("Key and CSR generated in {millis:.0} ms.")}
                            </p>
                            <pre class="pem" id="csr-pem">{pem}</pre>
                        }
                            .into_any()
                    }
                    Check::Failed(message) => {
                        view! {
                            <p class="status error-text" id="csr-status" role="alert">
                                {message}
                            </p>
                        }
                            .into_any()
                    }
                }}
            </div>
        </section>
    }
}
