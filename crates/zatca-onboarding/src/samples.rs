//! The real compliance sample documents: [`SampleDocuments`] over `zatca-ubl`.

use zatca_fatoora::{ComplianceStep, InvoiceSubmission};

use crate::{SampleContext, SampleDocuments};

/// The signed sample documents of the compliance checks, made by
/// [`zatca_ubl::ComplianceSamples`]: one document per required step, seller
/// details from the profile, ICV/PIH chained from the context, signed with the
/// compliance CSID's key and certificate at the context's signing time.
#[derive(Debug, Clone, Copy, Default)]
pub struct UblSamples;

impl SampleDocuments for UblSamples {
    fn documents(
        &self,
        ctx: &SampleContext<'_>,
    ) -> Result<Vec<(ComplianceStep, InvoiceSubmission)>, String> {
        let time = zatca_ubl::SigningTime::at(ctx.signing_time);
        let samples =
            zatca_ubl::ComplianceSamples::new(ctx.profile, ctx.key, ctx.csid.certificate())
                .map_err(|e| e.to_string())?;
        let documents = samples
            .generate(ctx.steps, &time, ctx.first_icv, ctx.first_pih)
            .map_err(|e| e.to_string())?;
        Ok(documents
            .iter()
            .map(|d| (d.step(), d.submission()))
            .collect())
    }
}
