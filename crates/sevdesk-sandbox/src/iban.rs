//! IBANs with correct ISO 13616 check digits (and, for NL and FR, correct national check digits),
//! so that an IBAN validator in the application accepts the good ones and rejects the broken ones
//! for the right reason.

use rand::Rng;

/// A bank the generator picks from: country, bank code as it appears in the BBAN, and its BIC.
pub struct Bank {
    pub country: &'static str,
    pub code: &'static str,
    pub bic: &'static str,
}

pub const BANKS: &[Bank] = &[
    Bank {
        country: "DE",
        code: "37040044",
        bic: "COBADEFFXXX",
    },
    Bank {
        country: "DE",
        code: "50010517",
        bic: "INGDDEFFXXX",
    },
    Bank {
        country: "DE",
        code: "10020890",
        bic: "HYVEDEMM488",
    },
    Bank {
        country: "DE",
        code: "70150000",
        bic: "SSKMDEMMXXX",
    },
    Bank {
        country: "DE",
        code: "12030000",
        bic: "BYLADEM1001",
    },
    Bank {
        country: "AT",
        code: "12000",
        bic: "BKAUATWWXXX",
    },
    Bank {
        country: "AT",
        code: "20111",
        bic: "GIBAATWWXXX",
    },
    Bank {
        country: "AT",
        code: "32000",
        bic: "RLNWATWWXXX",
    },
    Bank {
        country: "NL",
        code: "ABNA",
        bic: "ABNANL2AXXX",
    },
    Bank {
        country: "NL",
        code: "INGB",
        bic: "INGBNL2AXXX",
    },
    Bank {
        country: "NL",
        code: "RABO",
        bic: "RABONL2UXXX",
    },
    Bank {
        country: "FR",
        code: "30004",
        bic: "BNPAFRPPXXX",
    },
    Bank {
        country: "FR",
        code: "30003",
        bic: "SOGEFRPPXXX",
    },
    Bank {
        country: "FR",
        code: "20041",
        bic: "PSSTFRPPXXX",
    },
    Bank {
        country: "CH",
        code: "00230",
        bic: "UBSWCHZH80A",
    },
    Bank {
        country: "CH",
        code: "09000",
        bic: "POFICHBEXXX",
    },
];

pub fn banks_of(country: &str) -> impl Iterator<Item = &'static Bank> + '_ {
    BANKS.iter().filter(move |b| b.country == country)
}

fn digits(rng: &mut impl Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// ISO 7064 MOD 97-10 over the IBAN's letters-as-numbers form, computed digit by digit.
fn mod97(s: &str) -> u32 {
    let mut r: u32 = 0;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            r = (r * 10 + d) % 97;
        } else if c.is_ascii_alphabetic() {
            let v = (c.to_ascii_uppercase() as u32) - ('A' as u32) + 10;
            r = (r * 100 + v) % 97;
        }
    }
    r
}

pub fn check_digits(country: &str, bban: &str) -> u32 {
    98 - mod97(&format!("{bban}{country}00"))
}

pub fn iban_is_valid(iban: &str) -> bool {
    let s: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() < 15 || s.len() > 34 || !s.is_ascii() {
        return false;
    }
    let (head, rest) = s.split_at(4);
    mod97(&format!("{rest}{head}")) == 1
}

/// Dutch account numbers pass the "elfproef": weights 10..1, sum divisible by 11.
fn nl_account(rng: &mut impl Rng) -> String {
    loop {
        let first: Vec<u32> = (0..9).map(|_| rng.random_range(0..10)).collect();
        let s: u32 = first
            .iter()
            .enumerate()
            .map(|(i, d)| d * (10 - i as u32))
            .sum();
        let last = (11 - s % 11) % 11;
        if last < 10 && first[0] != 0 {
            return first
                .iter()
                .chain(std::iter::once(&last))
                .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
                .collect();
        }
    }
}

/// French RIB key: 97 − ((89·bank + 15·branch + 3·account) mod 97).
fn rib_key(bank: &str, branch: &str, account: &str) -> u64 {
    let b: u64 = bank.parse().unwrap_or(0);
    let g: u64 = branch.parse().unwrap_or(0);
    let a: u64 = account.parse().unwrap_or(0);
    97 - ((89 * b + 15 * g + 3 * (a % 97)) % 97)
}

/// A valid IBAN (compact form) and the bank's BIC.
pub fn generate(rng: &mut impl Rng, country: &str) -> (String, &'static str) {
    let banks: Vec<&Bank> = banks_of(country).collect();
    let bank = banks[rng.random_range(0..banks.len())];
    let bban = match country {
        "DE" => format!("{}{}", bank.code, digits(rng, 10)),
        "AT" => format!("{}{}", bank.code, digits(rng, 11)),
        "NL" => format!("{}{}", bank.code, nl_account(rng)),
        "FR" => {
            let branch = digits(rng, 5);
            let account = digits(rng, 11);
            let key = rib_key(bank.code, &branch, &account);
            format!("{}{branch}{account}{key:02}", bank.code)
        }
        // CH and anything else: 5-digit clearing number + 12-digit account.
        _ => format!("{}{}", bank.code, digits(rng, 12)),
    };
    let cd = check_digits(country, &bban);
    (format!("{country}{cd:02}{bban}"), bank.bic)
}

/// Groups of four, as people type IBANs into sevdesk.
pub fn with_spaces(iban: &str) -> String {
    iban.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Breaks a valid IBAN in one of the ways people do: a typo (check digits then fail) or a
/// missing digit (length wrong).
pub fn break_iban(rng: &mut impl Rng, iban: &str) -> String {
    let mut b: Vec<u8> = iban.as_bytes().to_vec();
    let truncate = rng.random_bool(0.5);
    if truncate {
        b.pop();
    }
    // A dropped digit passes MOD 97-10 once in 97 times; then change a digit as well.
    let still_valid = mod97(&format!(
        "{}{}",
        String::from_utf8_lossy(&b[4..]),
        String::from_utf8_lossy(&b[..4])
    )) == 1;
    if !truncate || still_valid {
        // Change one BBAN digit; a single substitution always breaks MOD 97-10.
        let positions: Vec<usize> = (4..b.len()).filter(|&i| b[i].is_ascii_digit()).collect();
        let p = positions[rng.random_range(0..positions.len())];
        b[p] = if b[p] == b'9' { b'0' } else { b[p] + 1 };
    }
    String::from_utf8(b).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn known_iban_validates() {
        assert!(iban_is_valid("DE89 3704 0044 0532 0130 00"));
        assert!(iban_is_valid("FR1420041010050500013M02606"));
        assert!(!iban_is_valid("DE88370400440532013000"));
    }

    #[test]
    fn generated_ibans_validate_and_broken_ones_do_not() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for country in ["DE", "AT", "NL", "FR", "CH"] {
            for _ in 0..200 {
                let (iban, bic) = generate(&mut rng, country);
                assert!(iban_is_valid(&iban), "{iban}");
                assert!(iban.starts_with(country));
                assert_eq!(&bic[4..6], country);
                assert!(!iban_is_valid(&break_iban(&mut rng, &iban)));
            }
        }
    }

    #[test]
    fn lengths_match_the_registry() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for (country, len) in [("DE", 22), ("AT", 20), ("NL", 18), ("FR", 27), ("CH", 21)] {
            assert_eq!(generate(&mut rng, country).0.len(), len, "{country}");
        }
    }
}
