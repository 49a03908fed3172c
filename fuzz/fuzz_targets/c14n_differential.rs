#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    zatca_fuzz_oracles::c14n_differential(data);
});
