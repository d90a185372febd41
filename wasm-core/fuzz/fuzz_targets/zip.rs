//! libFuzzer target `zip`: the zip reader behind the dashboard's import, then the bundle in it.
//! The body is `signet_core::fuzzing::zip`, which `cargo xtask fuzz`'s stable smoke fuzzer
//! calls too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signet_core::fuzzing::zip(data));
