//! Service-account JSON parsing: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_core::keys::service_account::ServiceAccountKey;

fuzz_target!(|data: &[u8]| {
    let _ = ServiceAccountKey::from_json(data);
});
