// A library whose definitions agree with their prototypes: compiles.
include!("../../src/tie.rs");

mod abi {
    extern "C" {
        pub fn saXyzInitialize(handle: *mut u64, version: *mut u32) -> u32;
        pub fn saXyzFinalize(handle: u64) -> u32;
    }
}

#[no_mangle]
pub unsafe extern "C" fn saXyzInitialize(_handle: *mut u64, _version: *mut u32) -> u32 {
    0
}

#[no_mangle]
pub unsafe extern "C" fn saXyzFinalize(_handle: u64) -> u32 {
    0
}

abi_tie! {
    abi::saXyzInitialize => saXyzInitialize,
    abi::saXyzFinalize => saXyzFinalize,
}
