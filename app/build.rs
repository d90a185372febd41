//! Links the wasm32 module with its relocations (`--emit-relocs`): `cargo xtask dist` splits it
//! at the `#[lazy]` points with `wasm_split_cli_support`, which reads them. Only the linker's
//! output changes, so no dependency is rebuilt for it (a `RUSTFLAGS` change would).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg=--emit-relocs");
    }
}
