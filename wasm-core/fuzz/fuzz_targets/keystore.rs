//! Fuzzes `signet_core::android::fuzzing::keystore`: arbitrary bytes must give an error, never a
//! panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    signet_core::android::fuzzing::keystore(data);
});
