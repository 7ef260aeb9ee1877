//! TARGET2 calendar and the earliest collection date.

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::Serialize;

/// Why a day is not a TARGET2 business day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosingDay {
    /// Saturday or Sunday.
    Weekend,
    /// 1 January.
    NewYear,
    /// Good Friday.
    GoodFriday,
    /// Easter Monday.
    EasterMonday,
    /// 1 May.
    LabourDay,
    /// 25 December.
    ChristmasDay,
    /// 26 December.
    BoxingDay,
}

impl std::fmt::Display for ClosingDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClosingDay::Weekend => "a weekend day",
            ClosingDay::NewYear => "New Year's Day",
            ClosingDay::GoodFriday => "Good Friday",
            ClosingDay::EasterMonday => "Easter Monday",
            ClosingDay::LabourDay => "1 May",
            ClosingDay::ChristmasDay => "Christmas Day",
            ClosingDay::BoxingDay => "26 December",
        })
    }
}

impl ClosingDay {
    /// The day in German, as in "Der 25.12.2026 ist der 1. Weihnachtstag".
    pub fn german(&self) -> &'static str {
        match self {
            ClosingDay::Weekend => "ein Wochenendtag",
            ClosingDay::NewYear => "Neujahr",
            ClosingDay::GoodFriday => "Karfreitag",
            ClosingDay::EasterMonday => "Ostermontag",
            ClosingDay::LabourDay => "der 1. Mai",
            ClosingDay::ChristmasDay => "der 1. Weihnachtstag",
            ClosingDay::BoxingDay => "der 2. Weihnachtstag",
        }
    }
}

/// Easter Sunday of `year` (Gregorian calendar, anonymous algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or(NaiveDate::MIN)
}

/// Why `date` is a TARGET2 closing day, or `None` on a business day.
pub fn closing_day(date: NaiveDate) -> Option<ClosingDay> {
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return Some(ClosingDay::Weekend);
    }
    match (date.month(), date.day()) {
        (1, 1) => return Some(ClosingDay::NewYear),
        (5, 1) => return Some(ClosingDay::LabourDay),
        (12, 25) => return Some(ClosingDay::ChristmasDay),
        (12, 26) => return Some(ClosingDay::BoxingDay),
        _ => {}
    }
    let easter = easter_sunday(date.year());
    if Some(date) == easter.checked_sub_days(Days::new(2)) {
        return Some(ClosingDay::GoodFriday);
    }
    if Some(date) == easter.checked_add_days(Days::new(1)) {
        return Some(ClosingDay::EasterMonday);
    }
    None
}

/// True when SEPA settles on `date`.
pub fn is_business_day(date: NaiveDate) -> bool {
    closing_day(date).is_none()
}

fn succ(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

/// The first business day on or after `date`.
pub fn next_business_day_from(date: NaiveDate) -> NaiveDate {
    let mut d = date;
    while !is_business_day(d) {
        d = succ(d);
    }
    d
}

/// The business day `n` business days after `date` (`date` itself need not be one).
pub fn add_business_days(date: NaiveDate, n: u32) -> NaiveDate {
    let mut d = date;
    let mut left = n;
    while left > 0 {
        d = succ(d);
        if is_business_day(d) {
            left -= 1;
        }
    }
    d
}

/// The creditor's bank conditions for submitting a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankTiming {
    /// Files received after this time count as received on the next business day.
    pub cut_off: NaiveTime,
    /// Business days the bank needs between receiving the file and the collection date
    /// (1 = the file must be there on D-1, the minimum the scheme allows).
    pub lead_days: u32,
    /// Calendar days between the pre-notification and the collection date (usually 14).
    pub pre_notification_days: u32,
}

impl Default for BankTiming {
    /// Cut-off 12:00, D-1, 14 days pre-notification.
    fn default() -> Self {
        BankTiming {
            cut_off: NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN),
            lead_days: 1,
            pre_notification_days: 14,
        }
    }
}

/// Why a requested collection date was moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DateMove {
    /// The requested date is before the earliest allowed date.
    TooEarly {
        /// What set the earliest date.
        limit: EarliestLimit,
        /// The earliest allowed date.
        earliest: NaiveDate,
    },
    /// The requested date is a TARGET2 closing day.
    ClosingDay {
        /// Which kind of closing day.
        day: ClosingDay,
    },
}

impl std::fmt::Display for DateMove {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DateMove::TooEarly { limit, earliest } => {
                write!(
                    f,
                    "too early: {limit}; the earliest possible collection date is {earliest}"
                )
            }
            DateMove::ClosingDay { day } => {
                write!(f, "the requested date is {day}, when SEPA does not settle")
            }
        }
    }
}

/// What limits the earliest collection date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EarliestLimit {
    /// The bank's lead time (with the cut-off already applied).
    BankLeadTime,
    /// The bank's lead time, counted from the next business day because today's cut-off has passed.
    CutOffPassed,
    /// The pre-notification period to the debtor.
    PreNotification,
}

impl std::fmt::Display for EarliestLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EarliestLimit::BankLeadTime => {
                "the bank needs the file a number of business days before the collection date"
            }
            EarliestLimit::CutOffPassed => "today's cut-off time at the bank has passed",
            EarliestLimit::PreNotification => "the debtors must be notified in advance",
        })
    }
}

/// A collection date decided by [`collection_date`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CollectionDate {
    /// The date to use.
    pub date: NaiveDate,
    /// Why it differs from the requested date (`None` when the requested date was kept).
    pub moved: Option<DateMove>,
}

/// The earliest allowed collection date when the file is submitted at `now` and the debtors are
/// notified at the same time. Returns the date and what limits it.
pub fn earliest_collection_date(
    timing: &BankTiming,
    now: NaiveDateTime,
) -> (NaiveDate, EarliestLimit) {
    let today = now.date();
    let cut_off_passed = now.time() >= timing.cut_off;
    // The day the bank counts the file as received.
    let received = if is_business_day(today) && !cut_off_passed {
        today
    } else {
        add_business_days(today, 1)
    };
    let by_bank = add_business_days(received, timing.lead_days.max(1));
    let by_notice = next_business_day_from(
        today
            .checked_add_days(Days::new(u64::from(timing.pre_notification_days)))
            .unwrap_or(today),
    );
    if by_notice > by_bank {
        (by_notice, EarliestLimit::PreNotification)
    } else if cut_off_passed && is_business_day(today) {
        (by_bank, EarliestLimit::CutOffPassed)
    } else {
        (by_bank, EarliestLimit::BankLeadTime)
    }
}

/// The collection date to use for `requested`: kept when allowed, otherwise the next allowed
/// date with the reason.
pub fn collection_date(
    timing: &BankTiming,
    now: NaiveDateTime,
    requested: NaiveDate,
) -> CollectionDate {
    let (earliest, limit) = earliest_collection_date(timing, now);
    if requested < earliest {
        return CollectionDate {
            date: earliest,
            moved: Some(DateMove::TooEarly { limit, earliest }),
        };
    }
    match closing_day(requested) {
        Some(day) => CollectionDate {
            date: next_business_day_from(requested),
            moved: Some(DateMove::ClosingDay { day }),
        },
        None => CollectionDate {
            date: requested,
            moved: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
        assert_eq!(easter_sunday(2028), d(2028, 4, 16));
        assert_eq!(easter_sunday(2038), d(2038, 4, 25));
        assert_eq!(easter_sunday(2285), d(2285, 3, 22));
    }

    #[test]
    fn closing_days() {
        assert_eq!(closing_day(d(2026, 4, 3)), Some(ClosingDay::GoodFriday));
        assert_eq!(closing_day(d(2026, 4, 6)), Some(ClosingDay::EasterMonday));
        assert_eq!(closing_day(d(2027, 3, 26)), Some(ClosingDay::GoodFriday));
        assert_eq!(closing_day(d(2027, 1, 1)), Some(ClosingDay::NewYear));
        assert_eq!(closing_day(d(2029, 5, 1)), Some(ClosingDay::LabourDay));
        assert_eq!(closing_day(d(2026, 12, 25)), Some(ClosingDay::ChristmasDay));
        assert_eq!(closing_day(d(2026, 12, 26)), Some(ClosingDay::Weekend));
        assert_eq!(closing_day(d(2028, 12, 26)), Some(ClosingDay::BoxingDay));
        assert_eq!(closing_day(d(2026, 11, 28)), Some(ClosingDay::Weekend));
        assert_eq!(closing_day(d(2026, 10, 3)), Some(ClosingDay::Weekend));
        assert_eq!(
            closing_day(d(2025, 10, 3)),
            None,
            "German unity day is not a TARGET holiday"
        );
        assert_eq!(closing_day(d(2026, 12, 24)), None);
        assert_eq!(closing_day(d(2026, 12, 31)), None);
    }

    #[test]
    fn business_day_arithmetic() {
        // Due date Mon 28 Dec 2026 → D-1 is Thu 24 Dec 2026.
        assert_eq!(add_business_days(d(2026, 12, 24), 1), d(2026, 12, 28));
        assert_eq!(next_business_day_from(d(2026, 12, 25)), d(2026, 12, 28));
        assert_eq!(add_business_days(d(2026, 4, 2), 1), d(2026, 4, 7));
    }

    fn at(date: NaiveDate, h: u32) -> NaiveDateTime {
        date.and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn earliest_dates() {
        let no_notice = BankTiming {
            pre_notification_days: 0,
            ..BankTiming::default()
        };
        // Thu 24 Dec 2026 before cut-off, D-1: Mon 28 Dec.
        assert_eq!(
            earliest_collection_date(&no_notice, at(d(2026, 12, 24), 9)),
            (d(2026, 12, 28), EarliestLimit::BankLeadTime)
        );
        // After cut-off the file counts from Mon 28 Dec → Tue 29 Dec.
        assert_eq!(
            earliest_collection_date(&no_notice, at(d(2026, 12, 24), 13)),
            (d(2026, 12, 29), EarliestLimit::CutOffPassed)
        );
        // Saturday: received Monday, collected Tuesday.
        assert_eq!(
            earliest_collection_date(&no_notice, at(d(2026, 11, 28), 9)).0,
            d(2026, 12, 1)
        );
        let two = BankTiming {
            lead_days: 2,
            ..no_notice
        };
        assert_eq!(
            earliest_collection_date(&two, at(d(2026, 11, 26), 9)).0,
            d(2026, 11, 30)
        );
        // Pre-notification dominates: Sat 28 Nov + 14 = Sat 12 Dec → Mon 14 Dec.
        assert_eq!(
            earliest_collection_date(&BankTiming::default(), at(d(2026, 11, 28), 9)),
            (d(2026, 12, 14), EarliestLimit::PreNotification)
        );
    }

    #[test]
    fn moves_requested_dates() {
        let t = BankTiming {
            pre_notification_days: 0,
            ..BankTiming::default()
        };
        let now = at(d(2026, 12, 21), 9);
        assert_eq!(
            collection_date(&t, now, d(2026, 12, 23)),
            CollectionDate {
                date: d(2026, 12, 23),
                moved: None
            }
        );
        assert_eq!(
            collection_date(&t, now, d(2026, 12, 25)),
            CollectionDate {
                date: d(2026, 12, 28),
                moved: Some(DateMove::ClosingDay {
                    day: ClosingDay::ChristmasDay
                })
            }
        );
        assert_eq!(
            collection_date(&t, now, d(2026, 12, 21)),
            CollectionDate {
                date: d(2026, 12, 22),
                moved: Some(DateMove::TooEarly {
                    limit: EarliestLimit::BankLeadTime,
                    earliest: d(2026, 12, 22)
                })
            }
        );
    }
}
