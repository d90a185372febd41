//! libFuzzer target `service_account`: service-account JSON parsing and OAuth assertion signing. The body is
//! `signet_core::fuzzing::service_account`, which `cargo xtask fuzz`'s stable smoke fuzzer calls too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signet_core::fuzzing::service_account(data));
