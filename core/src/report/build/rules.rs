//! The report, the rules in force and the records.

use super::*;

impl Context<'_> {
    pub(super) fn rules(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t("Rules")]));
        let mut items: Vec<Item> = Act::ALL
            .iter()
            .map(|act| {
                Item::new(vec![
                    b(format!("{}:", act_label(*act))),
                    t(format!(" {}", self.rule_text(state.rules.get(*act), *act))),
                ])
            })
            .collect();
        items.push(Item::new(vec![
            b("Facilitators:"),
            t(if state.facilitators.is_empty() {
                " none; any member other than the one concerned tests objections and issues sanctions".to_owned()
            } else {
                format!(" {}", self.names(&state.facilitators))
            }),
        ]));
        let colleges: Vec<String> = state
            .colleges
            .iter()
            .map(|c| format!("{} ({}, weight {})", c.name, c.id, c.weight))
            .collect();
        items.push(Item::new(vec![
            b("Colleges:"),
            t(format!(" {}", colleges.join(", "))),
        ]));
        out.push(Block::List(items));

        out.push(Block::Heading(3, vec![t("Rule changes")]));
        let mut proposals: Vec<_> = state
            .proposals
            .values()
            .filter(|p| matches!(p.kind, ProposalKind::RuleChange { .. }))
            .collect();
        proposals.sort_by_key(|p| (p.at, p.record));
        if proposals.is_empty() {
            out.push(Block::Para(vec![t("No rule change was proposed.")]));
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
                let line = vec![t(format!(
                    "{} — {} proposed for {}: {}",
                    date(proposal.at),
                    self.name(&proposal.by),
                    act_label(*act).to_lowercase(),
                    self.rule_text(rule, *act)
                ))];
                let mut children = vec![Item::new(vec![
                    b("Rationale:"),
                    t(" "),
                    t(rationale.clone()),
                ])];
                children.extend(self.reactions(&proposal.reactions, &[]));
                children.extend(self.objections(&proposal.objections, &[]));
                children.push(match &proposal.decision {
                    Some(decision) => self.decision(decision),
                    None => Item::new(vec![b("Decision:"), t(" none yet")]),
                });
                Some(Item::with(line, children))
            })
            .collect();
        out.push(Block::List(items));
    }

    pub(super) fn rule_text(&self, rule: &Rule, act: Act) -> String {
        let mut parts = vec![method_name(rule.method).to_owned()];
        parts.push(if rule.quorum > 0 {
            format!("quorum {}%", rule.quorum)
        } else {
            "no quorum".to_owned()
        });
        if matches!(rule.method, Method::Qualified | Method::Weighted) {
            parts.push(format!("{}% needed", rule.threshold));
        }
        parts.push(if rule.electorate.is_empty() {
            "every member decides".to_owned()
        } else {
            let colleges: Vec<String> = rule.electorate.iter().map(|c| self.college(c)).collect();
            format!("decided by {}", colleges.join(", "))
        });
        if rule.min_days > 0 {
            parts.push(format!(
                "at least {} day(s) after the proposal",
                rule.min_days
            ));
        }
        if act == Act::Amend {
            parts.push(format!("{} signature(s) to ratify", rule.signers.max(1)));
        }
        parts.push(
            if rule.block {
                "blocks allowed"
            } else {
                "no block"
            }
            .to_owned(),
        );
        parts.join(", ")
    }

    // -- records ----------------------------------------------------------------

    pub(super) fn records_section(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t("Records")]));
        let (mut accepted, mut rejected, mut pending) = (0usize, 0usize, 0usize);
        for record in &state.records {
            match record.verdict {
                Verdict::Accepted => accepted += 1,
                Verdict::Rejected(_) => rejected += 1,
                Verdict::Pending(_) => pending += 1,
            }
        }
        out.push(Block::Para(vec![t(format!(
            "{} record(s): {accepted} accepted, {rejected} rejected, {pending} pending.",
            state.records.len()
        ))]));
        let items: Vec<Item> = state
            .problems()
            .map(|record| {
                let (verdict, reason) = match &record.verdict {
                    Verdict::Rejected(reason) => ("rejected", reason.as_str()),
                    Verdict::Pending(reason) => ("pending", reason.as_str()),
                    Verdict::Accepted => ("accepted", ""),
                };
                Item::new(vec![
                    c(record.id.short()),
                    t(format!(
                        " {} by {}, {} — ",
                        record.kind.name(),
                        self.name(&record.author),
                        date(record.at)
                    )),
                    b(verdict),
                    t(": "),
                    t(reason.to_owned()),
                ])
            })
            .collect();
        if !items.is_empty() {
            out.push(Block::Heading(3, vec![t("Rejected and pending records")]));
            out.push(Block::List(items));
        }
    }
}
