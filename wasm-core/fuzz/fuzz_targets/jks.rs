//! libFuzzer target `jks`: JKS parsing (digest not checked) and key recovery. The body is
//! `signet_core::fuzzing::jks`, which `cargo xtask fuzz`'s stable smoke fuzzer calls too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signet_core::fuzzing::jks(data));
