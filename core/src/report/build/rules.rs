//! The report, the rules in force and the records.

use super::*;

impl Context<'_> {
    pub(super) fn rules(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t(self.tr("report-rules", &[]))]));
        let mut items: Vec<Item> = Act::ALL
            .iter()
            .map(|act| {
                Item::new(self.line(
                    "report-rule",
                    &[
                        ("act", txt(act_label(*act, self.lang))),
                        ("rule", txt(self.rule_text(state.rules.get(*act), *act))),
                    ],
                ))
            })
            .collect();
        items.push(Item::new(if state.facilitators.is_empty() {
            self.line("report-facilitators-none", &[])
        } else {
            self.line(
                "report-facilitators",
                &[
                    ("names", txt(self.names(&state.facilitators))),
                    ("count", num(state.facilitators.len())),
                ],
            )
        }));
        let colleges: Vec<String> = state
            .colleges
            .iter()
            .map(|c| {
                self.tr(
                    "report-college",
                    &[
                        ("name", c.name.as_str().into()),
                        ("id", c.id.as_str().into()),
                        ("weight", c.weight.to_string().into()),
                    ],
                )
            })
            .collect();
        items.push(Item::new(self.line(
            "report-colleges",
            &[("colleges", txt(colleges.join(", ")))],
        )));
        out.push(Block::List(items));

        out.push(Block::Heading(
            3,
            vec![t(self.tr("report-rule-changes", &[]))],
        ));
        let mut proposals: Vec<_> = state
            .proposals
            .values()
            .filter(|p| matches!(p.kind, ProposalKind::RuleChange { .. }))
            .collect();
        proposals.sort_by_key(|p| (p.at, p.record));
        if proposals.is_empty() {
            out.push(Block::Para(vec![t(
                self.tr("report-rule-changes-none", &[])
            )]));
            return;
        }
        let items = proposals
            .into_iter()
            .filter_map(|proposal| {
                let ProposalKind::RuleChange {
                    act,
                    rule,
                    rationale,
                } = &proposal.kind
                else {
                    return None;
                };
                let line = vec![t(self.tr(
                    "report-rule-change",
                    &[
                        ("date", self.date(proposal.at).into()),
                        ("name", self.name(&proposal.by).into()),
                        ("act", act_in_sentence(*act, self.lang).into()),
                        ("rule", self.rule_text(rule, *act).into()),
                    ],
                ))];
                let mut children = vec![Item::new(self.line(
                    "report-rationale",
                    &[("rationale", sp(t(rationale.clone())))],
                ))];
                children.extend(self.reactions(&proposal.reactions, &[]));
                children.extend(self.objections(&proposal.objections, &[]));
                children.push(match &proposal.decision {
                    Some(decision) => self.decision(decision),
                    None => Item::new(self.line("report-decision-none", &[])),
                });
                Some(Item::with(line, children))
            })
            .collect();
        out.push(Block::List(items));
    }

    pub(super) fn rule_text(&self, rule: &Rule, act: Act) -> String {
        let mut parts = vec![method_word(rule.method, self.lang)];
        parts.push(if rule.quorum > 0 {
            self.tr(
                "report-rule-quorum",
                &[("percent", rule.quorum.to_string().into())],
            )
        } else {
            self.tr("report-rule-no-quorum", &[])
        });
        if matches!(rule.method, Method::Qualified | Method::Weighted) {
            parts.push(self.tr(
                "report-rule-threshold",
                &[("percent", rule.threshold.to_string().into())],
            ));
        }
        parts.push(if rule.electorate.is_empty() {
            self.tr("report-rule-everyone-decides", &[])
        } else {
            let colleges: Vec<String> = rule.electorate.iter().map(|c| self.college(c)).collect();
            self.tr(
                "report-rule-decided-by",
                &[("colleges", colleges.join(", ").into())],
            )
        });
        if rule.min_days > 0 {
            parts.push(self.tr("report-rule-min-days", &[("count", rule.min_days.into())]));
        }
        if act == Act::Amend {
            parts.push(self.tr(
                "report-rule-signers",
                &[("count", rule.signers.max(1).into())],
            ));
        }
        parts.push(self.tr(
            if rule.block {
                "report-rule-blocks"
            } else {
                "report-rule-no-block"
            },
            &[],
        ));
        parts.join(", ")
    }

    // -- records ----------------------------------------------------------------

    pub(super) fn records_section(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t(self.tr("report-records", &[]))]));
        let (mut accepted, mut rejected, mut pending) = (0usize, 0usize, 0usize);
        for record in &state.records {
            match record.verdict {
                Verdict::Accepted => accepted += 1,
                Verdict::Rejected(_) => rejected += 1,
                Verdict::Pending(_) => pending += 1,
            }
        }
        out.push(Block::Para(vec![t(self.tr(
            "report-records-count",
            &[
                ("count", state.records.len().into()),
                ("accepted", accepted.into()),
                ("rejected", rejected.into()),
                ("pending", pending.into()),
            ],
        ))]));
        let items: Vec<Item> = state
            .problems()
            .map(|record| {
                let verdict = match &record.verdict {
                    Verdict::Rejected(_) => "rejected",
                    Verdict::Pending(_) => "pending",
                    Verdict::Accepted => "accepted",
                };
                let reason = record
                    .verdict
                    .reason()
                    .map(|r| r.render(self.lang))
                    .unwrap_or_default();
                Item::new(self.line(
                    "report-record",
                    &[
                        ("id", sp(c(record.id.short()))),
                        ("kind", txt(record.kind.said(self.lang))),
                        ("name", txt(self.name(&record.author))),
                        ("date", txt(self.date(record.at))),
                        ("verdict", key(verdict)),
                        ("reason", sp(t(reason))),
                    ],
                ))
            })
            .collect();
        if !items.is_empty() {
            out.push(Block::Heading(
                3,
                vec![t(self.tr("report-records-problems", &[]))],
            ));
            out.push(Block::List(items));
        }
    }
}
