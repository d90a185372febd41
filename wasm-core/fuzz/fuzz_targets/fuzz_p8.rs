//! Apple `.p8` parsing: never a panic; a key that parses can sign.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_core::keys::apns::ApplePushKey;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = ApplePushKey::from_p8(data, "ABC123DEFG", "A1B2C3D4E5") {
        let _ = key.provider_token(1_700_000_000);
    }
});
