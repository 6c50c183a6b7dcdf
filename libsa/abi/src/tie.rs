// The compile-time tie between a prototype of this crate (an item of an
// `extern "C"` block, what the C header declares) and the function a
// service library defines and exports under that name. Kept free of
// crate paths and inner attributes so that the compile-fail test can
// include! it into a crate of its own.

/// Ties each prototype to its definition: `declared => defined` compiles
/// only when both have the same signature (argument and return types,
/// ABI), so a definition that drifts from its header fails the build.
///
/// Two distinct function items in one array literal must coerce to one
/// function pointer type; they can only when their signatures agree
/// (`unsafe` aside), and rustc then reports the mismatched argument or
/// return type. Nothing is called and nothing is emitted.
#[macro_export]
macro_rules! abi_tie {
    ($($declared:path => $defined:path),* $(,)?) => {
        const _: () = {
            $(
                let _ = [$declared, $defined];
            )*
        };
    };
}
