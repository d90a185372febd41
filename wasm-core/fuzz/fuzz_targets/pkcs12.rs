//! libFuzzer target `pkcs12`: PKCS#12 parsing (MAC not checked) and key decryption. The body is
//! `signet_core::fuzzing::pkcs12`, which `cargo xtask fuzz`'s stable smoke fuzzer calls too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signet_core::fuzzing::pkcs12(data));
