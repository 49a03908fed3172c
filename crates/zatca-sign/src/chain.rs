//! The invoice chain: ICV (invoice counter value) and PIH (previous invoice
//! hash), advanced only when an invoice went through.
//!
//! As in every SDK sample: the ICV is an integer counter per
//! EGS; the PIH is the previous document's invoice hash (base64), and for
//! the first document [`FIRST_PIH`], base64 of the ASCII hex of SHA-256("0")
//! (SDK `Data/PIH/pih.txt`, every SDK sample). This toolkit numbers the
//! first invoice 1; [`InvoiceChain::resume`] continues any existing chain.

use crate::{InvoiceHash, SignError};

/// The PIH of the first invoice of an EGS: base64 of the lowercase hex of
/// SHA-256("0") (`5feceb66…57e9`). Not `MA==` (base64 of "0").
pub const FIRST_PIH: &str =
    "NWZlY2ViNjZmZmM4NmYzOGQ5NTI3ODZjNmQ2OTZjNzljMmRiYzIzOWRkNGU5MWI0NjcyOWQ3M2EyN2ZiNTdlOQ==";

/// The values the next invoice carries: its ICV and its PIH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSlot {
    icv: u64,
    pih: String,
}

impl ChainSlot {
    /// The invoice counter value (`cac:AdditionalDocumentReference[cbc:ID='ICV']/cbc:UUID`).
    pub fn icv(&self) -> u64 {
        self.icv
    }

    /// The previous invoice hash (`…[cbc:ID='PIH']/…/cbc:EmbeddedDocumentBinaryObject`).
    pub fn pih(&self) -> &str {
        &self.pih
    }
}

/// An EGS's chain position: the last ICV issued and the hash it had.
///
/// The chain moves only through [`InvoiceChain::commit`] or
/// [`InvoiceChain::issue`], i.e. once an invoice has been produced (and, if
/// the caller wants, accepted); a failed attempt leaves it where it was, so
/// the next attempt reuses the same ICV and PIH.
///
/// ```
/// use zatca_sign::{InvoiceChain, InvoiceHash, FIRST_PIH};
/// let mut chain = InvoiceChain::new();
/// let slot = chain.next_slot()?;
/// assert_eq!((slot.icv(), slot.pih()), (1, FIRST_PIH));
/// // A failed attempt: nothing committed, the chain has not moved.
/// let failed: Result<(), Box<dyn std::error::Error>> =
///     chain.issue(|_slot| Err("clearance refused".into()));
/// assert!(failed.is_err());
/// assert_eq!(chain.next_slot()?, slot);
/// // Success: commit the invoice's hash.
/// let hash = InvoiceHash::from_bytes([7; 32]);
/// chain.commit(&slot, hash)?;
/// assert_eq!(chain.next_slot()?.icv(), 2);
/// assert_eq!(chain.next_slot()?.pih(), hash.to_base64());
/// # Ok::<(), zatca_sign::SignError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvoiceChain {
    last_icv: u64,
    last_hash: Option<InvoiceHash>,
}

impl InvoiceChain {
    /// A chain with no invoice yet: the next is ICV 1 with [`FIRST_PIH`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Continues a chain whose last invoice had `last_icv` and `last_hash`.
    pub fn resume(last_icv: u64, last_hash: InvoiceHash) -> Self {
        Self {
            last_icv,
            last_hash: Some(last_hash),
        }
    }

    /// The last ICV committed (0 before the first invoice).
    pub fn last_icv(&self) -> u64 {
        self.last_icv
    }

    /// The hash of the last invoice committed, if any.
    pub fn last_hash(&self) -> Option<&InvoiceHash> {
        self.last_hash.as_ref()
    }

    /// The ICV and PIH of the next invoice. Does not move the chain.
    pub fn next_slot(&self) -> Result<ChainSlot, SignError> {
        let icv = self
            .last_icv
            .checked_add(1)
            .ok_or(SignError::CounterOverflow)?;
        let pih = match &self.last_hash {
            Some(hash) => hash.to_base64(),
            None => FIRST_PIH.to_owned(),
        };
        Ok(ChainSlot { icv, pih })
    }

    /// Records that the invoice of `slot` went through with `invoice_hash`.
    /// A slot that is not the chain's next one is refused (no double use).
    pub fn commit(&mut self, slot: &ChainSlot, invoice_hash: InvoiceHash) -> Result<(), SignError> {
        let next = self.next_slot()?;
        if next != *slot {
            return Err(SignError::StaleChainSlot {
                expected: next.icv,
                found: slot.icv,
            });
        }
        self.last_icv = slot.icv;
        self.last_hash = Some(invoice_hash);
        Ok(())
    }

    /// Runs `produce` with the next slot and advances only if it succeeds;
    /// `produce` returns its result and the new invoice's hash.
    pub fn issue<T, E>(
        &mut self,
        produce: impl FnOnce(&ChainSlot) -> Result<(T, InvoiceHash), E>,
    ) -> Result<T, E>
    where
        E: From<SignError>,
    {
        let slot = self.next_slot()?;
        let (result, hash) = produce(&slot)?;
        self.commit(&slot, hash)?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_can_be_committed_once() {
        let mut chain = InvoiceChain::new();
        let slot = chain.next_slot().unwrap();
        chain
            .commit(&slot, InvoiceHash::from_bytes([1; 32]))
            .unwrap();
        assert_eq!(
            chain.commit(&slot, InvoiceHash::from_bytes([2; 32])),
            Err(SignError::StaleChainSlot {
                expected: 2,
                found: 1
            })
        );
        assert_eq!(chain.last_icv(), 1);
        assert_eq!(chain.last_hash(), Some(&InvoiceHash::from_bytes([1; 32])));
    }

    #[test]
    fn resume_and_overflow() {
        let hash = InvoiceHash::from_bytes([9; 32]);
        let chain = InvoiceChain::resume(41, hash);
        let slot = chain.next_slot().unwrap();
        assert_eq!(slot.icv(), 42);
        assert_eq!(slot.pih(), hash.to_base64());
        let mut full = InvoiceChain::resume(u64::MAX, hash);
        assert_eq!(full.next_slot(), Err(SignError::CounterOverflow));
        let result: Result<(), SignError> = full.issue(|_| Ok(((), hash)));
        assert_eq!(result, Err(SignError::CounterOverflow));
        assert_eq!(full.last_icv(), u64::MAX);
    }

    #[test]
    fn issue_advances_only_on_success() {
        let mut chain = InvoiceChain::new();
        let r: Result<u64, SignError> = chain.issue(|slot| {
            Err(SignError::StaleChainSlot {
                expected: slot.icv(),
                found: 0,
            })
        });
        assert!(r.is_err());
        assert_eq!(chain, InvoiceChain::new());
        let icv: Result<u64, SignError> =
            chain.issue(|slot| Ok((slot.icv(), InvoiceHash::from_bytes([3; 32]))));
        assert_eq!(icv, Ok(1));
        assert_eq!(chain.next_slot().unwrap().icv(), 2);
    }
}
