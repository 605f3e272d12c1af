//! `nous community invite`, `nous community uninvite` and `nous join`.

use std::time::{Duration, Instant};

use nous_core::governance::ApplicationState;

use anyhow::{anyhow, bail};
use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

use crate::args::{CommunityInviteArgs, CommunityUninviteArgs, JoinArgs};
use crate::commands::{Context, open, save_and_close};
use crate::lang::tr;
use crate::output;

/// `30m`, `12h`, `7d` (a number alone counts days).
pub fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let trimmed = text.trim();
    let (number, unit) = match trimmed.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => trimmed.split_at(at),
        None => (trimmed, "d"),
    };
    let seconds = match unit {
        "m" | "min" => 60,
        "h" => 3600,
        "d" | "j" => 86_400,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 && seconds > 0 && n <= 3650 * 86_400 / seconds => {
            Ok(Duration::from_secs(n * seconds))
        }
        _ => bail!(tr!("invite-bad-duration", text = trimmed)),
    }
}

/// The invitation as a QR code, in half blocks (two rows of modules per
/// line of text), with its quiet zone.
pub fn qr(link: &str) -> Option<String> {
    let code = QrCode::new(link.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .build(),
    )
}

pub fn invite(cx: &Context, args: &CommunityInviteArgs) -> anyhow::Result<()> {
    let valid_for = parse_duration(&args.expires)?;
    let relay = match &args.relay {
        Some(relay) => relay.clone(),
        None => {
            let known = nous_api::relays::known(&cx.home)?;
            match known.as_slice() {
                [only] => only.clone(),
                _ => bail!(tr!(
                    "invite-no-relay",
                    count = known.len(),
                    relays = known.join(", ")
                )),
            }
        }
    };
    let mut home = open(cx)?;
    let issued = home.invite(
        args.community.community.as_deref(),
        &relay,
        args.college.as_deref(),
        valid_for,
        Some(args.uses),
    )?;
    save_and_close(home)?;
    if cx.json {
        return output::json(&issued);
    }
    let details = &issued.details;
    let mut lines = vec![
        tr!(
            "invite-made",
            community = &details.name,
            college = details.college.as_deref().unwrap_or("any"),
            until = output::time(i64::try_from(details.expires_ms).unwrap_or(i64::MAX)),
            uses = args.uses,
        ),
        tr!("invite-secret"),
        String::new(),
        format!("  {}", details.link),
        String::new(),
    ];
    if !args.no_qr
        && let Some(code) = qr(&details.link)
    {
        lines.push(code);
        lines.push(String::new());
    }
    lines.push(tr!("invite-how"));
    if !details.published {
        lines.push(tr!("invite-unpublished", relay = &details.relay));
    }
    output::text(&lines.join("\n"))
}

pub fn uninvite(cx: &Context, args: &CommunityUninviteArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let revoked = home.revoke_invitation(args.community.community.as_deref(), &args.invitation)?;
    save_and_close(home)?;
    if cx.json {
        return output::json(&revoked);
    }
    output::text(&tr!(
        "gov-recorded",
        summary = tr!("invite-revoked"),
        record = revoked.record.short()
    ))
}

pub fn join(cx: &Context, args: &JoinArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let joined = home.join(
        &args.invitation,
        &args.name,
        args.college.as_deref(),
        &args.motivation,
    )?;
    save_and_close(home)?;
    let link: nous_core::invitation::Invitation =
        args.invitation.parse().map_err(|e| anyhow!("{e}"))?;
    let application = &joined.application[..12];
    if args.wait {
        if !cx.json {
            output::text(&tr!("joined-waiting", community = &joined.name))?;
        }
        let decided = wait_for_decision(cx, &link.relay_url, &joined, args.for_secs)?;
        if cx.json {
            let mut value = serde_json::to_value(&joined)?;
            value["decision"] = serde_json::to_value(&decided)?;
            return output::json(&value);
        }
        return output::text(&match decided {
            ApplicationState::Admitted | ApplicationState::Joined => tr!(
                "joined-admitted",
                community = &joined.name,
                application = application
            ),
            ApplicationState::Declined { reason } => {
                tr!("joined-declined", community = &joined.name, reason = reason)
            }
            ApplicationState::Pending => tr!("joined-still-pending"),
        });
    }
    if cx.json {
        return output::json(&joined);
    }
    output::text(
        &[
            tr!(
                "joined",
                community = &joined.name,
                college = &joined.college,
                application = application
            ),
            tr!(
                "joined-colleges",
                colleges = joined
                    .colleges
                    .iter()
                    .map(|c| format!("{} ({})", c.name, c.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            tr!(
                "joined-rules",
                rules = nous_core::record::Act::ALL
                    .iter()
                    .map(|act| format!(
                        "{} : {}",
                        act.name(),
                        crate::governance::describe_rule(joined.rules.get(*act))
                    ))
                    .collect::<Vec<_>>()
                    .join(" ; ")
            ),
            tr!(
                "joined-charter",
                title = &joined.title,
                version = joined.version,
                charter = &joined.charter[..8.min(joined.charter.len())]
            ),
            tr!(
                "joined-next",
                relay = &link.relay_url,
                application = application
            ),
        ]
        .join("\n"),
    )
}

/// Sync with the relay every few seconds until the application is
/// decided (once members admit the applicant, its device may read the
/// records, and the sync brings the decision) or `for_secs` pass.
fn wait_for_decision(
    cx: &Context,
    relay: &str,
    joined: &nous_api::invitations::Joined,
    for_secs: Option<u64>,
) -> anyhow::Result<ApplicationState> {
    let deadline = for_secs.map(|secs| Instant::now() + Duration::from_secs(secs));
    loop {
        let mut home = open(cx)?;
        let mut quiet = |_: usize, _: usize| {};
        // A relay that cannot be reached now may be reached next time.
        let _ = home.sync(relay, &[], &mut quiet);
        let state = home
            .application_status(relay, &joined.community, &joined.application)
            .ok()
            .flatten()
            .unwrap_or(ApplicationState::Pending);
        save_and_close(home)?;
        if state != ApplicationState::Pending {
            return Ok(state);
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return Ok(ApplicationState::Pending);
        }
        std::thread::sleep(WAIT_STEP);
    }
}

/// How often `join --wait` asks the relay.
const WAIT_STEP: Duration = Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("30m").ok(), Some(Duration::from_secs(1800)));
        assert_eq!(
            parse_duration("12h").ok(),
            Some(Duration::from_secs(43_200))
        );
        assert_eq!(
            parse_duration("7d").ok(),
            Some(Duration::from_secs(604_800))
        );
        assert_eq!(parse_duration("7").ok(), Some(Duration::from_secs(604_800)));
        for bad in ["", "0d", "d", "7w", "-1d", "99999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_qr_code_is_drawn_in_half_blocks() {
        let code = qr("nous:invite/1/abc").expect("a code");
        assert!(code.lines().count() > 10);
        assert!(code.contains('█') || code.contains('▀') || code.contains('▄'));
    }
}
