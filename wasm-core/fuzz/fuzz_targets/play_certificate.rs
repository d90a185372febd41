//! libFuzzer target `play_certificate`: the Google Play app-signing certificate upload (DER or
//! PEM, keystores and private keys refused), its PEM export and assetlinks.json. The body is
//! `signet_core::fuzzing::play_certificate`, which `cargo xtask fuzz`'s stable smoke fuzzer calls too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signet_core::fuzzing::play_certificate(data));
