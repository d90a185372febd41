//! Slow key generation off the page's thread. RSA-2048 key generation in wasm takes a few
//! hundred milliseconds (sometimes seconds): run on the page, it would freeze scrolling, typing
//! and the progress spinner. `dist/worker.js` (written by `cargo xtask dist`) instantiates this
//! same module in a Web Worker and calls [`worker_generate`] with a [`Job`]; the page talks to
//! it with one message each way. If the browser cannot start the worker, the key is generated
//! on the page instead (slower to feel, same result).

use serde::{Deserialize, Serialize};
use signet_core::{
    android::{KeystoreFormat, UploadKeystore, UploadKeystoreParams},
    credential::{Payload, SecretText},
    ios::csr::{CsrSubject, PendingCsr},
};
use wasm_bindgen::{JsCast, JsValue, closure::Closure, prelude::wasm_bindgen};

use crate::components::ui::now_unix;

/// What the worker is asked to make.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    /// An Android upload keystore (JKS, EAS's defaults) for this package.
    UploadKeystore {
        /// The application id the certificate is issued for.
        package: String,
    },
    /// An RSA-2048 key and the certificate signing request Apple's portal wants.
    Csr {
        /// The requester's name.
        common_name: String,
        /// The requester's email address.
        email: String,
        /// Two-letter country code, if given.
        country: Option<String>,
    },
}

impl Job {
    /// Does the job; the result is a payload ready to seal.
    fn run(&self, now_unix: u64) -> Result<Payload, String> {
        match self {
            Job::UploadKeystore { package } => {
                let encoded =
                    UploadKeystore::generate(&UploadKeystoreParams::for_package(package), now_unix)
                        .and_then(|ks| ks.encode(KeystoreFormat::Jks))
                        .map_err(|e| e.to_string())?;
                Ok(Payload::AndroidKeystore {
                    keystore: SecretText::from_bytes(&encoded.bytes),
                    keystore_password: SecretText::new(encoded.store_password.expose()),
                    key_alias: encoded.alias.clone(),
                    key_password: SecretText::new(encoded.key_password.expose()),
                })
            }
            Job::Csr {
                common_name,
                email,
                country,
            } => {
                let csr = PendingCsr::generate(&CsrSubject {
                    common_name: common_name.clone(),
                    email: email.clone(),
                    country: country.clone(),
                })
                .map_err(|e| e.to_string())?;
                let key = csr.private_key_pkcs8_pem().map_err(|e| e.to_string())?;
                Ok(Payload::PendingCsr {
                    private_key_pem: SecretText::new(key.as_str()),
                    csr_pem: csr.csr_pem().map_err(|e| e.to_string())?,
                })
            }
        }
    }

    fn kind(&self) -> signet_core::wire::credential::CredentialKind {
        use signet_core::wire::credential::CredentialKind;
        match self {
            Job::UploadKeystore { .. } => CredentialKind::AndroidKeystore,
            Job::Csr { .. } => CredentialKind::PendingCsr,
        }
    }
}

/// Runs inside the Web Worker: `job` is a [`Job`] as JSON; returns the payload's JSON bytes
/// (they go straight back to the page that asked, by `postMessage`, never to the network).
#[wasm_bindgen]
pub fn worker_generate(job: &str, now_unix: f64) -> Result<Vec<u8>, JsValue> {
    let job: Job = serde_json::from_str(job).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let payload = job
        .run(now_unix as u64)
        .map_err(|e| JsValue::from_str(&e))?;
    let bytes = payload
        .to_bytes()
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(bytes.to_vec())
}

fn field(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Generates an upload keystore in a Web Worker; returns the payload and the milliseconds the
/// generation took.
pub async fn generate_upload_keystore(package: &str) -> Result<(Payload, f64), String> {
    generate(&Job::UploadKeystore {
        package: package.to_owned(),
    })
    .await
}

/// Does `job` in a Web Worker (on the page if no worker starts); returns the payload and the
/// milliseconds it took.
pub async fn generate(job: &Job) -> Result<(Payload, f64), String> {
    match in_worker(job).await {
        Ok(done) => Ok(done),
        Err(WorkerError::Unavailable) => {
            let started = js_sys::Date::now();
            let payload = job.run(now_unix() as u64)?;
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

async fn in_worker(job: &Job) -> Result<(Payload, f64), WorkerError> {
    let text = serde_json::to_string(job).map_err(|e| WorkerError::Failed(e.to_string()))?;
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
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"job".into(), &text.into());
    let _ = js_sys::Reflect::set(&message, &"now".into(), &(now_unix() as f64).into());
    let started = js_sys::Date::now();
    worker
        .post_message(&message)
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
        Payload::from_bytes(&bytes, job.kind()).map_err(|e| WorkerError::Failed(e.to_string()))?;
    let ms = field(&answer, "ms").as_f64().unwrap_or(total);
    Ok((payload, ms))
}
