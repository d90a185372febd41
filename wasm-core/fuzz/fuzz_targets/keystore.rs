//! libFuzzer target `keystore`: format detection and `Keystore::open`, as a user's upload is opened. The body is
//! `signet_core::fuzzing::keystore`, which `cargo xtask fuzz`'s stable smoke fuzzer calls too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signet_core::fuzzing::keystore(data));
