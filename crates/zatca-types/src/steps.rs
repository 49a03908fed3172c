//! The compliance documents ZATCA requires before it issues a production CSID.

/// Which kinds of document a device issues (its TSXY's T and S).
pub trait DocumentKinds {
    /// Standard (B2B) documents.
    fn standard(&self) -> bool;
    /// Simplified (B2C) documents.
    fn simplified(&self) -> bool;
}

/// `(standard, simplified)`.
impl DocumentKinds for (bool, bool) {
    fn standard(&self) -> bool {
        self.0
    }
    fn simplified(&self) -> bool {
        self.1
    }
}

/// One compliance check: a document kind that must pass `POST /compliance/invoices`.
///
/// Step names are ZATCA's own, as they appear in `Missing-ComplianceSteps`
/// (the SDK's compliance steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComplianceStep {
    /// Standard (B2B) tax invoice, code 388, subtype `01…`.
    StandardInvoice,
    /// Standard credit note, code 381.
    StandardCreditNote,
    /// Standard debit note, code 383.
    StandardDebitNote,
    /// Simplified (B2C) tax invoice, code 388, subtype `02…`.
    SimplifiedInvoice,
    /// Simplified credit note, code 381.
    SimplifiedCreditNote,
    /// Simplified debit note, code 383.
    SimplifiedDebitNote,
}

impl ComplianceStep {
    /// Every step, standard first.
    pub const ALL: [Self; 6] = [
        Self::StandardInvoice,
        Self::StandardCreditNote,
        Self::StandardDebitNote,
        Self::SimplifiedInvoice,
        Self::SimplifiedCreditNote,
        Self::SimplifiedDebitNote,
    ];

    /// ZATCA's step name, e.g. `standard-credit-note-compliant`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::StandardInvoice => "standard-compliant",
            Self::StandardCreditNote => "standard-credit-note-compliant",
            Self::StandardDebitNote => "standard-debit-note-compliant",
            Self::SimplifiedInvoice => "simplified-compliant",
            Self::SimplifiedCreditNote => "simplified-credit-note-compliant",
            Self::SimplifiedDebitNote => "simplified-debit-note-compliant",
        }
    }

    /// The step with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether the step is a simplified (B2C) document.
    pub const fn simplified(self) -> bool {
        matches!(
            self,
            Self::SimplifiedInvoice | Self::SimplifiedCreditNote | Self::SimplifiedDebitNote
        )
    }

    /// The UBL `cbc:InvoiceTypeCode`: 388 invoice, 381 credit note, 383 debit note.
    pub const fn type_code(self) -> &'static str {
        match self {
            Self::StandardInvoice | Self::SimplifiedInvoice => "388",
            Self::StandardCreditNote | Self::SimplifiedCreditNote => "381",
            Self::StandardDebitNote | Self::SimplifiedDebitNote => "383",
        }
    }

    /// The step a document belongs to, from its type code and the KSA-2 subtype
    /// (`@name`, `01…` standard, `02…` simplified). Go by the code, never the
    /// file name: two SDK samples are misnamed.
    pub fn of_document(type_code: &str, subtype: &str) -> Option<Self> {
        let simplified = match subtype.get(..2) {
            Some("01") => false,
            Some("02") => true,
            _ => return None,
        };
        Self::ALL
            .into_iter()
            .find(|s| s.type_code() == type_code && s.simplified() == simplified)
    }

    /// The steps a device must pass for the documents it issues: three for
    /// TSXY `1000` or `0100`, six for `1100`.
    ///
    /// ```
    /// use zatca_types::ComplianceStep;
    /// assert_eq!(ComplianceStep::required_for((true, true)).len(), 6);
    /// assert!(ComplianceStep::required_for((false, true)).iter().all(|s| s.simplified()));
    /// ```
    pub fn required_for(types: impl DocumentKinds) -> Vec<Self> {
        Self::ALL
            .into_iter()
            .filter(|s| {
                if s.simplified() {
                    types.simplified()
                } else {
                    types.standard()
                }
            })
            .collect()
    }
}

/// Written as ZATCA's step name.
impl serde::Serialize for ComplianceStep {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for ComplianceStep {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <String as serde::Deserialize>::deserialize(d)?;
        Self::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown compliance step {name:?}")))
    }
}

impl std::fmt::Display for ComplianceStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_steps_follow_tsxy() {
        assert_eq!(ComplianceStep::required_for((true, true)).len(), 6);
        let standard = ComplianceStep::required_for((true, false));
        assert_eq!(
            standard.iter().map(|s| s.name()).collect::<Vec<_>>(),
            [
                "standard-compliant",
                "standard-credit-note-compliant",
                "standard-debit-note-compliant"
            ]
        );
        assert!(
            ComplianceStep::required_for((false, true))
                .iter()
                .all(|s| s.simplified())
        );
    }

    #[test]
    fn documents_map_to_steps_by_code_and_subtype() {
        assert_eq!(
            ComplianceStep::of_document("381", "0211010"),
            Some(ComplianceStep::SimplifiedCreditNote)
        );
        assert_eq!(
            ComplianceStep::of_document("388", "0100000"),
            Some(ComplianceStep::StandardInvoice)
        );
        assert_eq!(ComplianceStep::of_document("386", "0100000"), None);
        assert_eq!(ComplianceStep::of_document("388", "03"), None);
        for s in ComplianceStep::ALL {
            assert_eq!(ComplianceStep::from_name(s.name()), Some(s));
        }
    }
}
