//! The report, who joined, left, was sanctioned or excluded.

use super::*;

impl Context<'_> {
    pub(super) fn membership(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t("Membership")]));
        let mut events: Vec<(u64, RecordId, Item)> = Vec::new();
        for member in state.members.values() {
            let how = if member.joined == state.community {
                "as a founder".to_owned()
            } else {
                match member.application.and_then(|a| state.applications.get(&a)) {
                    Some(application) => format!(
                        "by signing the charter, having applied {}",
                        date(application.at)
                    ),
                    None => "by signing the charter".to_owned(),
                }
            };
            let at = self.joined_at(member).unwrap_or(0);
            events.push((
                at,
                member.joined,
                Item::new(vec![t(format!(
                    "{} — {} joined {} ({how})",
                    date(at),
                    member.name,
                    self.college(&member.college)
                ))]),
            ));
            for sanction in &member.sanctions {
                if sanction.level == "exclusion" {
                    continue;
                }
                let mut by = format!(" by {}", self.name(&sanction.by));
                if sanction.until > 0 {
                    by.push_str(&format!(", until {}", date(sanction.until)));
                }
                events.push((
                    sanction.at,
                    sanction.record,
                    Item::new(vec![
                        t(format!("{} — {}: ", date(sanction.at), member.name)),
                        b(sanction.level.clone()),
                        t(format!("{by}: ")),
                        t(sanction.reasons.clone()),
                    ]),
                ));
            }
            if let Some((record, at, reason)) = &member.left {
                let mut line = vec![t(format!("{} — {} left", date(*at), self.name(&member.id)))];
                if !reason.trim().is_empty() {
                    line.push(t(": "));
                    line.push(t(reason.clone()));
                }
                events.push((*at, *record, Item::new(line)));
            }
        }
        // Devices beyond a member's first one (whose certificate is their
        // joining, told above).
        for (key, device) in &state.devices {
            if *key == device.member {
                continue;
            }
            let mut children = Vec::new();
            if let Some(revoked) = &device.revoked {
                children.push(Item::new(vec![t(format!(
                    "Revoked {}",
                    self.when(revoked)
                ))]));
            }
            events.push((
                device.certified_at,
                device.certified_by,
                Item::with(
                    vec![
                        t(format!(
                            "{} — {} certified the device “",
                            date(device.certified_at),
                            self.name(&device.member)
                        )),
                        t(device.label.clone()),
                        t("” ("),
                        c(key.short()),
                        t(")"),
                    ],
                    children,
                ),
            ));
        }
        for application in state.applications.values() {
            let standing = match &application.state {
                ApplicationState::Pending => "pending".to_owned(),
                ApplicationState::Admitted => "admitted, waiting for their signature".to_owned(),
                ApplicationState::Joined => "admitted and joined".to_owned(),
                ApplicationState::Declined { reason } => format!("declined: {reason}"),
            };
            let mut line = vec![t(format!(
                "{} — {} applied to join {}",
                date(application.at),
                application.name,
                self.college(&application.college)
            ))];
            if !application.motivation.trim().is_empty() {
                line.push(t(": "));
                line.push(t(application.motivation.clone()));
            }
            line.push(t(" — "));
            line.push(b(standing));
            let mut children = Vec::new();
            if let Some(proposal) = state.proposals.get(&application.record) {
                children.extend(self.reactions(&proposal.reactions, &[]));
                if let Some(decision) = &proposal.decision {
                    children.push(self.decision(decision));
                }
            }
            events.push((
                application.at,
                application.record,
                Item::with(line, children),
            ));
        }
        for proposal in state.proposals.values() {
            let ProposalKind::Exclusion {
                member,
                reasons,
                notice_at,
                hearing_at,
            } = &proposal.kind
            else {
                continue;
            };
            let line = vec![
                t(format!(
                    "{} — exclusion of {} proposed by {}: ",
                    date(proposal.at),
                    self.name(member),
                    self.name(&proposal.by)
                )),
                t(reasons.clone()),
            ];
            let mut children = vec![Item::new(vec![t(format!(
                "Notice {}, hearing {}",
                date(*notice_at),
                date(*hearing_at)
            ))])];
            children.extend(self.reactions(&proposal.reactions, &[]));
            children.extend(self.objections(&proposal.objections, &[]));
            children.push(match &proposal.decision {
                Some(decision) => self.decision(decision),
                None => Item::new(vec![b("Decision:"), t(" none yet")]),
            });
            events.push((proposal.at, proposal.record, Item::with(line, children)));
        }
        events.sort_by_key(|a| (a.0, a.1));
        out.push(Block::List(
            events.into_iter().map(|(_, _, item)| item).collect(),
        ));

        out.push(Block::Heading(3, vec![t("Members now")]));
        let mut members: Vec<_> = state.members.values().collect();
        members.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        let items = members
            .into_iter()
            .map(|member| {
                let status = match member.status {
                    MemberStatus::Active => "active".to_owned(),
                    MemberStatus::Suspended { until } => format!("suspended until {}", date(until)),
                    MemberStatus::Left => "left".to_owned(),
                    MemberStatus::Excluded => "excluded".to_owned(),
                };
                Item::new(vec![
                    t(format!("{} (", member.name)),
                    c(member.id.short()),
                    t(format!("), {}: {status}", self.college(&member.college))),
                ])
            })
            .collect();
        out.push(Block::List(items));
    }
}
