//! The object identifiers of ZATCA's CSR and certificates, and the layout of
//! the subjectAltName `directoryName` that carries the device's fields.

use const_oid::ObjectIdentifier as Oid;

/// countryName (C).
pub const COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
/// organizationalUnitName (OU).
pub const ORGANIZATIONAL_UNIT: Oid = Oid::new_unwrap("2.5.4.11");
/// organizationName (O).
pub const ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
/// commonName (CN).
pub const COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
/// surname (SN): the EGS serial. Not serialNumber (2.5.4.5).
pub const SURNAME: Oid = Oid::new_unwrap("2.5.4.4");
/// userId (UID): the VAT number.
pub const USER_ID: Oid = Oid::new_unwrap("0.9.2342.19200300.100.1.1");
/// title: TSXY.
pub const TITLE: Oid = Oid::new_unwrap("2.5.4.12");
/// registeredAddress: the location.
pub const REGISTERED_ADDRESS: Oid = Oid::new_unwrap("2.5.4.26");
/// businessCategory: the industry.
pub const BUSINESS_CATEGORY: Oid = Oid::new_unwrap("2.5.4.15");
/// Microsoft certificate template name (the environment's template).
pub const CERTIFICATE_TEMPLATE_NAME: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.20.2");
/// subjectAltName.
pub const SUBJECT_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.17");
/// PKCS#9 extensionRequest.
pub const EXTENSION_REQUEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.14");
/// ecdsa-with-SHA256.
pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");

/// One field of the device that ZATCA's CSR carries in its subjectAltName.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SanField {
    /// The EGS serial `1-…|2-…|3-…` (surname).
    EgsSerial,
    /// The VAT number (userId).
    Vat,
    /// TSXY (title).
    InvoiceTypes,
    /// The branch location (registeredAddress).
    Location,
    /// The industry (businessCategory).
    Industry,
}

impl SanField {
    /// The attribute's OID.
    pub const fn oid(self) -> Oid {
        match self {
            Self::EgsSerial => SURNAME,
            Self::Vat => USER_ID,
            Self::InvoiceTypes => TITLE,
            Self::Location => REGISTERED_ADDRESS,
            Self::Industry => BUSINESS_CATEGORY,
        }
    }
}

/// The subjectAltName `directoryName` of a ZATCA CSR: one attribute per RDN,
/// in this order (the SDK's). ZATCA's CA copies it into the certificate.
///
/// ```
/// use zatca_types::oid::{SAN_LAYOUT, SanField};
/// assert_eq!(SAN_LAYOUT[0], SanField::EgsSerial);
/// assert_eq!(SAN_LAYOUT[1].oid().to_string(), "0.9.2342.19200300.100.1.1");
/// ```
pub const SAN_LAYOUT: [SanField; 5] = [
    SanField::EgsSerial,
    SanField::Vat,
    SanField::InvoiceTypes,
    SanField::Location,
    SanField::Industry,
];
