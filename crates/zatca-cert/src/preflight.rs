//! Pre-flight checks of a returned certificate against what was asked for.
//!
//! ZATCA's AD CS CA rebuilds the subject (as PrintableStrings, in a new order,
//! sometimes with new values) but copies the CSR's subjectAltName verbatim, as
//! the SDK R3.3.3 and R3.2.7 sample certificates show, so the VAT number (UID)
//! and the invoice types (TSXY, title) are read from the SAN. The expected
//! values are plain inputs here (the profile crate wraps them in its own
//! types); the time is injected, never read from the clock.

use zatca_keys::PublicKey;

use crate::{CertError, Certificate, UnixTime};

/// What the certificate must match.
#[derive(Debug, Clone, Copy)]
pub struct Expectations<'a> {
    /// The public key of the private key the CSR was signed with.
    pub public_key: &'a PublicKey,
    /// The VAT number asked for (15 digits), compared as text.
    pub vat: &'a str,
    /// The invoice types asked for (TSXY, four `0`/`1` characters): every
    /// `1` must also be `1` in the certificate.
    pub invoice_types: &'a str,
    /// The time at which the certificate must be valid.
    pub at: UnixTime,
    /// Whether the SDK / sandbox certificate that everyone receives from the
    /// developer portal is acceptable (true only when onboarding against
    /// the developer portal on purpose).
    pub allow_shared_sandbox_certificate: bool,
}

impl Certificate {
    /// Runs every check, in this order: key, VAT, invoice types, validity,
    /// shared sandbox certificate. Returns the first failure.
    pub fn preflight(&self, expected: &Expectations<'_>) -> Result<(), CertError> {
        self.check_public_key(expected.public_key)?;
        self.check_vat(expected.vat)?;
        self.check_invoice_types(expected.invoice_types)?;
        self.check_validity(expected.at)?;
        if !expected.allow_shared_sandbox_certificate {
            self.check_not_shared_sandbox()?;
        }
        Ok(())
    }

    /// The certificate's key is `key` ([`CertError::KeyMismatch`] otherwise).
    pub fn check_public_key(&self, key: &PublicKey) -> Result<(), CertError> {
        if self.public_key() == key {
            Ok(())
        } else {
            Err(CertError::KeyMismatch)
        }
    }

    /// The SAN's VAT number (UID) is `vat`.
    pub fn check_vat(&self, vat: &str) -> Result<(), CertError> {
        let found = self
            .san()
            .vat
            .as_deref()
            .ok_or(CertError::MissingSanField {
                field: "VAT number (UID 0.9.2342.19200300.100.1.1)",
            })?;
        if found == vat {
            Ok(())
        } else {
            Err(CertError::VatMismatch {
                expected: vat.to_owned(),
                found: found.to_owned(),
            })
        }
    }

    /// The SAN's TSXY covers `invoice_types`: each position that is `1` in
    /// `invoice_types` is `1` in the certificate too.
    pub fn check_invoice_types(&self, invoice_types: &str) -> Result<(), CertError> {
        let wanted = tsxy_bits(invoice_types).ok_or_else(|| CertError::InvalidExpectation {
            field: "invoice types (TSXY)",
            reason: format!("{invoice_types:?} is not four characters each 0 or 1"),
        })?;
        let found_text = self
            .san()
            .invoice_types
            .as_deref()
            .ok_or(CertError::MissingSanField {
                field: "invoice types (title 2.5.4.12)",
            })?;
        let not_covered = || CertError::InvoiceTypesNotCovered {
            expected: invoice_types.to_owned(),
            found: found_text.to_owned(),
        };
        let found = tsxy_bits(found_text).ok_or_else(not_covered)?;
        if wanted & !found == 0 {
            Ok(())
        } else {
            Err(not_covered())
        }
    }

    /// The certificate is valid at `at` (bounds inclusive).
    pub fn check_validity(&self, at: UnixTime) -> Result<(), CertError> {
        if at < self.not_before() {
            Err(CertError::NotYetValid {
                at,
                not_before: self.not_before(),
            })
        } else if at > self.not_after() {
            Err(CertError::Expired {
                at,
                not_after: self.not_after(),
            })
        } else {
            Ok(())
        }
    }

    /// The certificate is not the shared SDK / sandbox certificate.
    pub fn check_not_shared_sandbox(&self) -> Result<(), CertError> {
        if self.is_shared_sandbox_certificate() {
            Err(CertError::SharedSandboxCertificate)
        } else {
            Ok(())
        }
    }
}

/// `TSXY` as four bits, or `None` if it is not four `0`/`1` characters.
fn tsxy_bits(text: &str) -> Option<u8> {
    if text.len() != 4 {
        return None;
    }
    text.bytes().try_fold(0u8, |acc, b| match b {
        b'0' => Some(acc << 1),
        b'1' => Some((acc << 1) | 1),
        _ => None,
    })
}
