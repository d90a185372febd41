//! libFuzzer target `credentials_json`: EAS `credentials.json` parsing, round trip and doctor. The body is
//! `signet_core::fuzzing::credentials_json`, which `cargo xtask fuzz`'s stable smoke fuzzer calls too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signet_core::fuzzing::credentials_json(data));
