//! `store_test!`: one test per backend from one test body, like ripgrep's `rgtest!`.

/// `store_test!(name, |store: &Arc<dyn Store>| { ... })` defines the module `name` holding the
/// tests `memory` and `sled`, each running the body against a fresh store of that backend.
macro_rules! store_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn memory() {
                let fixture = crate::fixture::TempStore::memory();
                ($body)(fixture.store());
            }

            #[test]
            fn sled() {
                let fixture = crate::fixture::TempStore::sled();
                ($body)(fixture.store());
            }
        }
    };
}
