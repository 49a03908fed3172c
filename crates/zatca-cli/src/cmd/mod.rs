//! One module per subcommand.

pub mod compliance_docs;
pub mod csr;
pub mod device;
pub mod fatoora;
pub mod inspect;
pub mod inspect_cert;
pub mod invoice;
pub mod keygen;
pub mod onboard;
pub mod qr;
#[cfg(feature = "http")]
pub mod serve;
pub mod sign_hash;
#[cfg(feature = "http")]
pub mod simulator;
pub mod validate;
pub mod validate_invoice;
