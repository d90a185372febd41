//! libFuzzer target `p8`: Apple `.p8` parsing and provider-token signing. The body is
//! `signet_core::fuzzing::p8`, which `cargo xtask fuzz`'s stable smoke fuzzer calls too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signet_core::fuzzing::p8(data));
