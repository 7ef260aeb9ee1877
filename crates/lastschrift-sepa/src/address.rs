//! Postal addresses in the structured or hybrid form (the unstructured form is not allowed for
//! collections due on or after 15 Nov 2026, so it cannot be built).

use crate::codes::CountryCode;
use crate::text::{AddressLine, BuildingNumber, PostCode, StreetName, TownName};

/// Why an address cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// More than two address lines.
    #[error("an address has at most 2 address lines, this one has {0}")]
    TooManyLines(usize),
}

impl AddressError {
    /// Stable code: `address_too_many_lines`.
    pub fn code(&self) -> &'static str {
        match self {
            AddressError::TooManyLines(_) => "address_too_many_lines",
        }
    }

    /// The message in German.
    pub fn german(&self) -> String {
        match self {
            AddressError::TooManyLines(n) => {
                format!("Eine Adresse hat höchstens 2 Adresszeilen, diese hat {n}")
            }
        }
    }
}

/// A postal address: town and country always; street, building number and post code in their own
/// fields (structured) and/or up to two address lines for the rest (hybrid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress(Box<Parts>);

// Boxed so a debit without an address costs one pointer, not the whole address.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parts {
    street: Option<StreetName>,
    building: Option<BuildingNumber>,
    postcode: Option<PostCode>,
    town: TownName,
    country: CountryCode,
    lines: Vec<AddressLine>,
}

impl PostalAddress {
    /// A structured address.
    pub fn structured(
        street: Option<StreetName>,
        building: Option<BuildingNumber>,
        postcode: Option<PostCode>,
        town: TownName,
        country: CountryCode,
    ) -> PostalAddress {
        PostalAddress(Box::new(Parts {
            street,
            building,
            postcode,
            town,
            country,
            lines: Vec::new(),
        }))
    }

    /// A hybrid address: structured parts plus at most two address lines.
    pub fn hybrid(
        street: Option<StreetName>,
        building: Option<BuildingNumber>,
        postcode: Option<PostCode>,
        town: TownName,
        country: CountryCode,
        lines: Vec<AddressLine>,
    ) -> Result<PostalAddress, AddressError> {
        if lines.len() > 2 {
            return Err(AddressError::TooManyLines(lines.len()));
        }
        Ok(PostalAddress(Box::new(Parts {
            street,
            building,
            postcode,
            town,
            country,
            lines,
        })))
    }

    /// Street name.
    pub fn street(&self) -> Option<&StreetName> {
        self.0.street.as_ref()
    }
    /// Building number.
    pub fn building(&self) -> Option<&BuildingNumber> {
        self.0.building.as_ref()
    }
    /// Post code.
    pub fn postcode(&self) -> Option<&PostCode> {
        self.0.postcode.as_ref()
    }
    /// Town.
    pub fn town(&self) -> &TownName {
        &self.0.town
    }
    /// Country.
    pub fn country(&self) -> CountryCode {
        self.0.country
    }
    /// Address lines of a hybrid address (0–2).
    pub fn lines(&self) -> &[AddressLine] {
        &self.0.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CharacterPolicy::German;

    #[test]
    fn every_error_has_a_code_and_a_german_sentence() {
        crate::explain::tests::assert_explained(&[AddressError::TooManyLines(3)]);
    }

    #[test]
    fn structured_and_hybrid() {
        let town = TownName::parse("Köln", German).unwrap().0;
        let de = CountryCode::parse("DE").unwrap();
        let line = |s: &str| AddressLine::parse(s, German).unwrap().0;
        let a = PostalAddress::structured(None, None, None, town.clone(), de);
        assert!(a.lines().is_empty());
        assert_eq!(a.town().as_str(), "Köln");
        let h = PostalAddress::hybrid(
            None,
            None,
            None,
            town.clone(),
            de,
            vec![line("Hauptstr. 1"), line("Hinterhaus")],
        )
        .unwrap();
        assert_eq!(h.lines().len(), 2);
        assert_eq!(
            PostalAddress::hybrid(
                None,
                None,
                None,
                town,
                de,
                vec![line("a"), line("b"), line("c")]
            ),
            Err(AddressError::TooManyLines(3))
        );
    }
}
