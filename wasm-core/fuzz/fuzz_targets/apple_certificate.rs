//! libFuzzer target `apple_certificate`: Apple `.cer` parsing (DER or PEM). The body is
//! `signet_core::fuzzing::apple_certificate`, which `cargo xtask fuzz`'s stable smoke fuzzer calls too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signet_core::fuzzing::apple_certificate(data));
