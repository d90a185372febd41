//! Slow key generation off the page's thread. RSA-2048 key generation in wasm takes a few
//! hundred milliseconds (sometimes seconds): run on the page, it would freeze scrolling, typing
//! and the progress spinner. In the worker, the key itself comes from WebCrypto when the
//! browser offers it (see `WORKER_JS` in `xtask/src/dist.rs`); wasm builds the certificate and
//! keystore around it. `dist/worker.js` (written by `cargo xtask dist`) instantiates this
//! same module in a Web Worker and calls [`worker_generate_upload_keystore`] (or, for an iOS
//! certificate signing request, [`worker_generate_csr`] / [`worker_csr_with_key`]); the page
//! talks to it with one message each way. If the browser cannot start the worker, the key is generated
//! on the page instead (slower to feel, same result).

use serde::{Deserialize, Serialize};
use signet_core::{
    android::{EncodedKeystore, KeystoreFormat, UploadKeystore, UploadKeystoreParams},
    credential::{Payload, SecretText},
    ios::csr::{CsrSubject, PendingCsr},
    wire::credential::CredentialKind,
};
use wasm_bindgen::{JsCast, JsValue, closure::Closure, prelude::wasm_bindgen};

use crate::components::ui::now_unix;

/// Generates an upload keystore (JKS, EAS's defaults for `package`) and returns its payload.
/// Lazy, so that RSA key generation and the keystore encoders are not in the main module that
/// the worker and every page load (a chunk fetched on first use, in the worker or the page).
#[leptos::lazy]
fn generate(package: String, now_unix: u64) -> Result<Payload, String> {
    let encoded = UploadKeystore::generate(&UploadKeystoreParams::for_package(&package), now_unix)
        .and_then(|ks| ks.encode(KeystoreFormat::Jks))
        .map_err(|e| e.to_string())?;
    Ok(payload_of(&encoded))
}

fn payload_of(encoded: &EncodedKeystore) -> Payload {
    Payload::AndroidKeystore {
        keystore: SecretText::from_bytes(&encoded.bytes),
        keystore_password: SecretText::new(encoded.store_password.expose()),
        key_alias: encoded.alias.clone(),
        key_password: SecretText::new(encoded.key_password.expose()),
    }
}

/// Runs inside the Web Worker: the payload's JSON bytes (they go straight back to the page
/// that asked, by `postMessage`, never to the network).
#[wasm_bindgen]
pub async fn worker_generate_upload_keystore(
    package: String,
    now_unix: f64,
) -> Result<Vec<u8>, JsValue> {
    let payload = generate(package, now_unix as u64)
        .await
        .map_err(|e| JsValue::from_str(&e))?;
    let bytes = payload
        .to_bytes()
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(bytes.to_vec())
}

/// The upload keystore around a key WebCrypto generated (PKCS#8 DER). Lazy, like
/// [`generate`]: the certificate and JKS encoders stay out of the main module.
#[leptos::lazy]
fn with_key(package: String, now_unix: u64, mut pkcs8: Vec<u8>) -> Result<Payload, String> {
    let encoded = UploadKeystore::with_key(
        &UploadKeystoreParams::for_package(&package),
        &pkcs8,
        now_unix,
    )
    .and_then(|ks| ks.encode(KeystoreFormat::Jks));
    pkcs8.fill(0);
    Ok(payload_of(&encoded.map_err(|e| e.to_string())?))
}

/// Runs inside the Web Worker: the upload keystore around a key WebCrypto generated there
/// (`pkcs8` is its `exportKey("pkcs8")`; the worker zeroes it afterwards, this copy is zeroed
/// here). Returns the payload's JSON bytes like [`worker_generate_upload_keystore`].
#[wasm_bindgen]
pub async fn worker_upload_keystore_with_key(
    package: String,
    now_unix: f64,
    pkcs8: Vec<u8>,
) -> Result<Vec<u8>, JsValue> {
    let payload = with_key(package, now_unix as u64, pkcs8)
        .await
        .map_err(|e| JsValue::from_str(&e))?;
    let bytes = payload
        .to_bytes()
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(bytes.to_vec())
}

/// Who an iOS certificate signing request is for (sent to the worker as JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CsrRequest {
    /// The requester's name or company.
    pub common_name: String,
    /// The Apple developer account's email address.
    pub email: String,
    /// Two-letter country code, if given.
    pub country: Option<String>,
}

impl CsrRequest {
    fn subject(&self) -> CsrSubject {
        CsrSubject {
            common_name: self.common_name.clone(),
            email: self.email.clone(),
            country: self.country.clone(),
        }
    }
}

/// The pending-CSR payload: the request and its private key (sealed before it leaves).
fn csr_payload(csr: &PendingCsr) -> Result<Payload, String> {
    let key = csr.private_key_pkcs8_pem().map_err(|e| e.to_string())?;
    Ok(Payload::PendingCsr {
        private_key_pem: SecretText::new(key.as_str()),
        csr_pem: csr.csr_pem().map_err(|e| e.to_string())?,
    })
}

/// A CSR (`request` is a [`CsrRequest`] as JSON) with a fresh RSA-2048 key made in wasm, or
/// around `pkcs8` (a WebCrypto key, zeroed here after use); the payload's JSON bytes. Lazy,
/// like the keystore paths: the CSR builder stays out of the main module.
#[leptos::lazy]
fn csr_bytes(request: String, pkcs8: Option<Vec<u8>>) -> Result<Vec<u8>, String> {
    let request: CsrRequest = serde_json::from_str(&request).map_err(|e| e.to_string())?;
    let subject = request.subject();
    let csr = match pkcs8 {
        Some(mut der) => {
            let key = signet_core::android::PrivateKey::from_pkcs8_der(der.clone())
                .and_then(|key| key.to_rsa());
            der.fill(0);
            key.and_then(|key| PendingCsr::for_key(key, &subject))
        }
        None => PendingCsr::generate(&subject),
    }
    .map_err(|e| e.to_string())?;
    let bytes = csr_payload(&csr)?.to_bytes().map_err(|e| e.to_string())?;
    Ok(bytes.to_vec())
}

/// Runs inside the Web Worker: a certificate signing request (`request` is a [`CsrRequest`]
/// as JSON) with a key made in wasm; returns the pending-CSR payload's JSON bytes.
#[wasm_bindgen]
pub async fn worker_generate_csr(request: String) -> Result<Vec<u8>, JsValue> {
    csr_bytes(request, None)
        .await
        .map_err(|e| JsValue::from_str(&e))
}

/// Runs inside the Web Worker: like [`worker_generate_csr`], around a key WebCrypto generated
/// (`pkcs8`; the worker zeroes its copy afterwards, this one is zeroed in [`csr_bytes`]).
#[wasm_bindgen]
pub async fn worker_csr_with_key(request: String, pkcs8: Vec<u8>) -> Result<Vec<u8>, JsValue> {
    csr_bytes(request, Some(pkcs8))
        .await
        .map_err(|e| JsValue::from_str(&e))
}

/// Makes a certificate signing request in a Web Worker (on the page if no worker starts);
/// returns the pending-CSR payload and the milliseconds it took.
pub async fn generate_csr(request: &CsrRequest) -> Result<(Payload, f64), String> {
    let json = serde_json::to_string(request).map_err(|e| e.to_string())?;
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"csr".into(), &json.as_str().into());
    match in_worker(&message, CredentialKind::PendingCsr).await {
        Ok(done) => Ok(done),
        Err(WorkerError::Unavailable) => {
            let started = js_sys::Date::now();
            let bytes = csr_bytes(json, None).await?;
            let payload = Payload::from_bytes(&bytes, CredentialKind::PendingCsr)
                .map_err(|e| e.to_string())?;
            Ok((payload, js_sys::Date::now() - started))
        }
        Err(WorkerError::Failed(e)) => Err(e),
    }
}

fn field(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Generates an upload keystore in a Web Worker; returns the payload and the milliseconds the
/// generation took.
pub async fn generate_upload_keystore(package: &str) -> Result<(Payload, f64), String> {
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"package".into(), &package.into());
    let _ = js_sys::Reflect::set(&message, &"now".into(), &(now_unix() as f64).into());
    match in_worker(&message, CredentialKind::AndroidKeystore).await {
        Ok(done) => Ok(done),
        Err(WorkerError::Unavailable) => {
            let started = js_sys::Date::now();
            let payload = generate(package.to_owned(), now_unix() as u64).await?;
            Ok((payload, js_sys::Date::now() - started))
        }
        Err(WorkerError::Failed(e)) => Err(e),
    }
}

enum WorkerError {
    /// The worker could not be started: fall back to the page.
    Unavailable,
    /// The generation itself failed.
    Failed(String),
}

/// Posts `message` to a fresh worker and opens the payload of `kind` it answers with.
async fn in_worker(
    message: &js_sys::Object,
    kind: CredentialKind,
) -> Result<(Payload, f64), WorkerError> {
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options("/worker.js", &options)
        .map_err(|_| WorkerError::Unavailable)?;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let on_message = Closure::once_into_js(move |event: web_sys::MessageEvent| {
            let _ = resolve.call1(&JsValue::NULL, &event.data());
        });
        worker.set_onmessage(Some(on_message.unchecked_ref()));
        let on_error = Closure::once_into_js(move |event: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &event);
        });
        worker.set_onerror(Some(on_error.unchecked_ref()));
    });
    let started = js_sys::Date::now();
    worker
        .post_message(message)
        .map_err(|_| WorkerError::Unavailable)?;
    let answer = wasm_bindgen_futures::JsFuture::from(promise).await;
    let total = js_sys::Date::now() - started;
    worker.terminate();
    let answer = answer.map_err(|_| WorkerError::Unavailable)?;
    if let Some(error) = field(&answer, "error").as_string() {
        return Err(WorkerError::Failed(error));
    }
    let bytes = js_sys::Uint8Array::new(&field(&answer, "ok")).to_vec();
    let payload =
        Payload::from_bytes(&bytes, kind).map_err(|e| WorkerError::Failed(e.to_string()))?;
    let ms = field(&answer, "ms").as_f64().unwrap_or(total);
    Ok((payload, ms))
}
