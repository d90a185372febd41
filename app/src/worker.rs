//! Slow key generation off the page's thread. RSA-2048 key generation in wasm takes a few
//! hundred milliseconds (sometimes seconds): run on the page, it would freeze scrolling, typing
//! and the progress spinner. In the worker, the key itself comes from WebCrypto when the
//! browser offers it (see `WORKER_JS` in `xtask/src/dist.rs`); wasm builds the certificate and
//! keystore around it. `dist/worker.js` (written by `cargo xtask dist`) instantiates this
//! same module in a Web Worker and calls [`worker_generate_upload_keystore`]; the page talks to
//! it with one message each way. If the browser cannot start the worker, the key is generated
//! on the page instead (slower to feel, same result).

use signet_core::{
    android::{EncodedKeystore, KeystoreFormat, UploadKeystore, UploadKeystoreParams},
    credential::{Payload, SecretText},
    wire::credential::CredentialKind,
};
use wasm_bindgen::{JsCast, JsValue, closure::Closure, prelude::wasm_bindgen};

use crate::components::ui::now_unix;

/// Generates an upload keystore (JKS, EAS's defaults for `package`) and returns its payload.
fn generate(package: &str, now_unix: u64) -> Result<Payload, String> {
    let encoded = UploadKeystore::generate(&UploadKeystoreParams::for_package(package), now_unix)
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
pub fn worker_generate_upload_keystore(package: &str, now_unix: f64) -> Result<Vec<u8>, JsValue> {
    let payload = generate(package, now_unix as u64).map_err(|e| JsValue::from_str(&e))?;
    let bytes = payload
        .to_bytes()
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(bytes.to_vec())
}

/// Runs inside the Web Worker: the upload keystore around a key WebCrypto generated there
/// (`pkcs8` is its `exportKey("pkcs8")`; the worker zeroes it afterwards). Returns the
/// payload's JSON bytes like [`worker_generate_upload_keystore`].
#[wasm_bindgen]
pub fn worker_upload_keystore_with_key(
    package: &str,
    now_unix: f64,
    pkcs8: &[u8],
) -> Result<Vec<u8>, JsValue> {
    let encoded = UploadKeystore::with_key(
        &UploadKeystoreParams::for_package(package),
        pkcs8,
        now_unix as u64,
    )
    .and_then(|ks| ks.encode(KeystoreFormat::Jks))
    .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let bytes = payload_of(&encoded)
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
    match in_worker(package).await {
        Ok(done) => Ok(done),
        Err(WorkerError::Unavailable) => {
            let started = js_sys::Date::now();
            let payload = generate(package, now_unix() as u64)?;
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

async fn in_worker(package: &str) -> Result<(Payload, f64), WorkerError> {
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
    let _ = js_sys::Reflect::set(&message, &"package".into(), &package.into());
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
    let payload = Payload::from_bytes(&bytes, CredentialKind::AndroidKeystore)
        .map_err(|e| WorkerError::Failed(e.to_string()))?;
    let ms = field(&answer, "ms").as_f64().unwrap_or(total);
    Ok((payload, ms))
}
