//! libFuzzer target `profile`: `.mobileprovision` (BER CMS walker + plist) and bare plist parsing. The body is
//! `signet_core::fuzzing::profile`, which `cargo xtask fuzz`'s stable smoke fuzzer calls too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signet_core::fuzzing::profile(data));
