//! Calendar arithmetic for record times (milliseconds since the Unix epoch,
//! UTC): formatting them for people and reading the dates people type.
//! The proleptic Gregorian conversions are Howard Hinnant's
//! `civil_from_days` and `days_from_civil`.

/// Milliseconds in a day.
pub const DAY_MS: u64 = 86_400_000;

/// The date of a day count since 1970-01-01: (year, month 1–12, day 1–31).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are small and positive by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Days since 1970-01-01 of a date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a time in milliseconds (negative: before
/// 1970).
pub fn format_seconds(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// `YYYY-MM-DD HH:MM` (UTC) of a time in milliseconds.
pub fn format_minutes(ms: u64) -> String {
    let mut text = format_seconds(i64::try_from(ms).unwrap_or(i64::MAX));
    text.truncate(16);
    text
}

/// Read `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS][Z]` (UTC; a space may replace
/// the `T`) or a number of milliseconds. `None` if it is none of these.
pub fn parse(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<u64>() {
        return Some(ms);
    }
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((date, time)) => (date, Some(time.trim_end_matches('Z'))),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let (year, month, day): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1970..=9999).contains(&year) {
        return None;
    }
    let mut seconds = 0u64;
    if let Some(time) = time {
        let fields: Vec<&str> = time.split(':').collect();
        if !(2..=3).contains(&fields.len()) {
            return None;
        }
        let limits = [24, 60, 60];
        let mut factor = 3600;
        for (field, limit) in fields.iter().zip(limits) {
            let value: u64 = field.parse().ok()?;
            if value >= limit {
                return None;
            }
            seconds += value * factor;
            factor /= 60;
        }
    }
    let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
    Some((days * 86_400 + seconds) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format_in_utc() {
        assert_eq!(format_seconds(0), "1970-01-01 00:00:00");
        assert_eq!(format_seconds(1_795_949_739_000), "2026-11-29 10:55:39");
        assert_eq!(format_seconds(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(format_seconds(-1000), "1969-12-31 23:59:59");
        assert_eq!(format_minutes(1_795_949_739_000), "2026-11-29 10:55");
    }

    #[test]
    fn dates_read_back_what_is_written() {
        for days in [0i64, 59, 60, 10_957, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(parse("2000-02-29"), Some(951_782_400_000));
        assert_eq!(parse("2026-11-29T10:55:39Z"), Some(1_795_949_739_000));
        assert_eq!(parse("2026-11-29 10:55"), Some(1_795_949_700_000));
        assert_eq!(parse("42"), Some(42));
        for bad in [
            "",
            "2026-13-01",
            "2026-11",
            "1969-12-31",
            "2026-11-29T25:00",
            "tomorrow",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
