//! The report, who joined, left, was sanctioned or excluded.

use super::*;

impl Context<'_> {
    pub(super) fn membership(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(
            2,
            vec![t(self.tr("report-membership", &[]))],
        ));
        let mut events: Vec<(u64, RecordId, Item)> = Vec::new();
        for member in state.members.values() {
            let how = if member.joined == state.community {
                self.tr("report-joined-as-founder", &[])
            } else {
                match member.application.and_then(|a| state.applications.get(&a)) {
                    Some(application) => self.tr(
                        "report-joined-by-signing-applied",
                        &[("date", self.date(application.at).into())],
                    ),
                    None => self.tr("report-joined-by-signing", &[]),
                }
            };
            let at = self.joined_at(member).unwrap_or(0);
            events.push((
                at,
                member.joined,
                Item::new(vec![t(self.tr(
                    "report-joined",
                    &[
                        ("date", self.date(at).into()),
                        ("name", member.name.as_str().into()),
                        ("college", self.college(&member.college).into()),
                        ("how", how.into()),
                    ],
                ))]),
            ));
            for sanction in &member.sanctions {
                if sanction.level == "exclusion" {
                    continue;
                }
                let mut args = vec![
                    ("date", txt(self.date(sanction.at))),
                    ("member", txt(member.name.clone())),
                    ("level", sp(b(sanction_word(&sanction.level, self.lang)))),
                    ("name", txt(self.name(&sanction.by))),
                    ("reasons", sp(t(sanction.reasons.clone()))),
                ];
                let id = if sanction.until > 0 {
                    args.push(("until", txt(self.date(sanction.until))));
                    "report-sanction-until"
                } else {
                    "report-sanction"
                };
                events.push((
                    sanction.at,
                    sanction.record,
                    Item::new(self.line(id, &args)),
                ));
            }
            if let Some((record, at, reason)) = &member.left {
                let mut line = vec![t(self.tr(
                    "report-left",
                    &[
                        ("date", self.date(*at).into()),
                        ("name", self.name(&member.id).into()),
                    ],
                ))];
                if !reason.trim().is_empty() {
                    line.extend(self.line("report-then-text", &[("text", sp(t(reason.clone())))]));
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
                children.push(Item::new(vec![t(self.tr(
                    "report-device-revoked",
                    &[("date", self.when(revoked).into())],
                ))]));
            }
            events.push((
                device.certified_at,
                device.certified_by,
                Item::with(
                    self.line(
                        "report-device",
                        &[
                            ("date", txt(self.date(device.certified_at))),
                            ("name", txt(self.name(&device.member))),
                            ("label", sp(t(device.label.clone()))),
                            ("key", sp(c(key.short()))),
                        ],
                    ),
                    children,
                ),
            ));
        }
        for application in state.applications.values() {
            let standing = match &application.state {
                ApplicationState::Pending => self.tr("report-application-pending", &[]),
                ApplicationState::Admitted => self.tr("report-application-admitted", &[]),
                ApplicationState::Joined => self.tr("report-application-joined", &[]),
                ApplicationState::Declined { reason } => self.tr(
                    "report-application-declined",
                    &[("reason", reason.as_str().into())],
                ),
            };
            let mut line = vec![t(self.tr(
                "report-application",
                &[
                    ("date", self.date(application.at).into()),
                    ("name", application.name.as_str().into()),
                    ("college", self.college(&application.college).into()),
                ],
            ))];
            if !application.motivation.trim().is_empty() {
                line.extend(self.line(
                    "report-then-text",
                    &[("text", sp(t(application.motivation.clone())))],
                ));
            }
            line.extend(self.line("report-then-status", &[("status", sp(b(standing)))]));
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
            let line = self.line(
                "report-exclusion",
                &[
                    ("date", txt(self.date(proposal.at))),
                    ("member", txt(self.name(member))),
                    ("name", txt(self.name(&proposal.by))),
                    ("reasons", sp(t(reasons.clone()))),
                ],
            );
            let mut children = vec![Item::new(vec![t(self.tr(
                "report-exclusion-notice",
                &[
                    ("notice", self.date(*notice_at).into()),
                    ("hearing", self.date(*hearing_at).into()),
                ],
            ))])];
            children.extend(self.reactions(&proposal.reactions, &[]));
            children.extend(self.objections(&proposal.objections, &[]));
            children.push(match &proposal.decision {
                Some(decision) => self.decision(decision),
                None => Item::new(self.line("report-decision-none", &[])),
            });
            events.push((proposal.at, proposal.record, Item::with(line, children)));
        }
        events.sort_by_key(|a| (a.0, a.1));
        out.push(Block::List(
            events.into_iter().map(|(_, _, item)| item).collect(),
        ));

        out.push(Block::Heading(
            3,
            vec![t(self.tr("report-members-now", &[]))],
        ));
        let mut members: Vec<_> = state.members.values().collect();
        members.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        let items = members
            .into_iter()
            .map(|member| {
                let status = match member.status {
                    MemberStatus::Active => self.tr("report-member-active", &[]),
                    MemberStatus::Suspended { until } => self.tr(
                        "report-member-suspended",
                        &[("date", self.date(until).into())],
                    ),
                    MemberStatus::Left => self.tr("report-member-left", &[]),
                    MemberStatus::Excluded => self.tr("report-member-excluded", &[]),
                };
                Item::new(self.line(
                    "report-member",
                    &[
                        ("name", txt(member.name.clone())),
                        ("id", sp(c(member.id.short()))),
                        ("college", txt(self.college(&member.college))),
                        ("status", txt(status)),
                    ],
                ))
            })
            .collect();
        out.push(Block::List(items));
    }
}
