//! Building the report's document model from the state and the charter.

use super::*;

pub(super) struct Context<'a> {
    state: &'a State,
    records: BTreeMap<RecordId, &'a RecordOutcome>,
    /// The charter at each version, or why it cannot be read.
    contents: Vec<Result<Charter, String>>,
    /// For each version, its changes by section id (empty for the first),
    /// or why they cannot be computed.
    changes: Vec<Result<BTreeMap<String, SectionDiff>, String>>,
    sections: Vec<SectionEntry>,
    /// Concurrent rewrites of the same words in the charter's history.
    conflicts: Vec<crate::conflicts::Conflict>,
}

impl<'a> Context<'a> {
    pub(super) fn new(state: &'a State, doc: &Automerge) -> Self {
        let records = state.records.iter().map(|r| (r.id, r)).collect();
        let contents: Vec<Result<Charter, String>> = state
            .versions
            .iter()
            .map(|v| read_version(doc, v))
            .collect();
        let mut changes = Vec::with_capacity(contents.len());
        for (i, content) in contents.iter().enumerate() {
            let Some(previous) = i.checked_sub(1).and_then(|p| contents.get(p)) else {
                changes.push(Ok(BTreeMap::new()));
                continue;
            };
            changes.push(match (previous, content) {
                (Ok(before), Ok(after)) => Ok(diff::diff(before, after)
                    .sections
                    .into_iter()
                    .map(|change| (section_id_of(&change), change))
                    .collect()),
                (Err(why), _) => Err(format!(
                    "v{} cannot be read: {why}",
                    state.versions[i - 1].number
                )),
                (_, Err(why)) => Err(format!(
                    "v{} cannot be read: {why}",
                    state.versions[i].number
                )),
            });
        }
        let mut cx = Context {
            state,
            records,
            contents,
            changes,
            sections: Vec::new(),
            conflicts: crate::conflicts::conflicts(doc),
        };
        cx.sections = cx.catalogue();
        cx
    }

    /// Every section the report tells about, in order: the sections in
    /// force, those of earlier versions, then ids found only in records.
    fn catalogue(&self) -> Vec<SectionEntry> {
        let mut seen = BTreeSet::new();
        let mut entries = Vec::new();
        let last = self.contents.len().saturating_sub(1);
        let in_force_readable = matches!(self.contents.get(last), Some(Ok(_)));
        if let Some(Ok(charter)) = self.contents.get(last) {
            for section in &charter.sections {
                if seen.insert(section.id.to_string()) {
                    entries.push(SectionEntry {
                        id: section.id.to_string(),
                        heading: section.heading.clone(),
                        standing: Standing::InForce,
                    });
                }
            }
        }
        // Newest version first, so each section gets its last heading.
        let mut earlier = Vec::new();
        for (i, content) in self.contents.iter().enumerate().rev() {
            let Ok(charter) = content else { continue };
            for (position, section) in charter.sections.iter().enumerate() {
                if seen.insert(section.id.to_string()) {
                    let standing = if in_force_readable {
                        Standing::Removed(i)
                    } else {
                        Standing::Earlier(i)
                    };
                    earlier.push((
                        i,
                        position,
                        SectionEntry {
                            id: section.id.to_string(),
                            heading: section.heading.clone(),
                            standing,
                        },
                    ));
                }
            }
        }
        earlier.sort_by_key(|(i, position, _)| (*i, *position));
        entries.extend(earlier.into_iter().map(|(_, _, entry)| entry));
        let mut unknown = BTreeSet::new();
        for challenge in self.state.challenges.values() {
            unknown.insert(challenge.section.clone());
        }
        for version in &self.state.versions {
            unknown.extend(version.sections.iter().cloned());
        }
        for id in unknown {
            if !seen.contains(&id) {
                entries.push(SectionEntry {
                    heading: id.clone(),
                    id,
                    standing: Standing::Unknown,
                });
            }
        }
        entries
    }

    pub(super) fn report(&self) -> Report {
        let state = self.state;
        let mut body = Vec::new();
        body.push(Block::Heading(2, vec![t("Sections")]));
        if let Some(Err(why)) = self.contents.last() {
            body.push(Block::Para(vec![t(format!(
                "The charter in force cannot be read ({why}): sections are listed as earlier versions and records name them."
            ))]));
        }
        if self.sections.is_empty() {
            body.push(Block::Para(vec![t("No section is known.")]));
        }
        for entry in &self.sections {
            self.section(entry, &mut body);
        }
        self.membership(&mut body);
        self.tensions(&mut body);
        self.conflicts(&mut body);
        self.documents(&mut body);
        self.rules(&mut body);
        self.records_section(&mut body);
        let events = self.events();
        let genesis = state.versions.first().map_or(0, |v| v.at);
        let first = events
            .iter()
            .map(|e| e.at)
            .min()
            .unwrap_or(genesis)
            .min(genesis);
        let last = state
            .records
            .iter()
            .filter(|r| r.verdict == Verdict::Accepted)
            .map(|r| r.at)
            .chain(events.iter().map(|e| e.at))
            .max()
            .unwrap_or(first)
            .max(first);
        Report {
            title: format!("Governance history of {}", state.name),
            header: self.header(),
            body,
            events,
            span: (first, last),
        }
    }

    // -- names and lookups ---------------------------------------------------

    /// A member's name, from a member id or a device key; an applicant's
    /// name; or the short key.
    fn name(&self, key: &PublicKey) -> String {
        let member = self
            .state
            .members
            .get(key)
            .or_else(|| self.state.member_of(key));
        if let Some(member) = member
            && !member.name.trim().is_empty()
        {
            return member.name.clone();
        }
        if let Some(application) = self
            .state
            .applications
            .values()
            .find(|a| a.applicant == *key && !a.name.trim().is_empty())
        {
            return application.name.clone();
        }
        key.short()
    }

    fn names(&self, keys: &[PublicKey]) -> String {
        keys.iter()
            .map(|k| self.name(k))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn at(&self, id: &RecordId) -> Option<u64> {
        self.records.get(id).map(|r| r.at)
    }

    fn when(&self, id: &RecordId) -> String {
        self.at(id)
            .map_or_else(|| "at an unknown time".to_owned(), date)
    }

    fn author(&self, id: &RecordId) -> Option<String> {
        self.records.get(id).map(|r| self.name(&r.author))
    }

    /// When a member joined last: their first device was let in by the
    /// same record.
    fn joined_at(&self, member: &Member) -> Option<u64> {
        match self.state.devices.get(&member.id) {
            Some(device) if device.certified_by == member.joined => Some(device.certified_at),
            _ => self.at(&member.joined),
        }
    }

    fn heading(&self, id: &str) -> String {
        self.sections
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| id.to_owned(), |s| s.heading.clone())
    }

    fn college(&self, id: &str) -> String {
        self.state
            .colleges
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_owned(), |c| c.name.clone())
    }

    /// The version whose heads are these, by number.
    fn version_with_heads(&self, heads: &[String]) -> Option<usize> {
        let mut wanted = heads.to_vec();
        wanted.sort();
        self.state.versions.iter().find_map(|v| {
            let mut have = v.heads.clone();
            have.sort();
            (have == wanted).then_some(v.number)
        })
    }

    fn first_seen(&self, id: &str) -> Option<usize> {
        self.contents.iter().position(|content| {
            content
                .as_ref()
                .is_ok_and(|c| c.sections.iter().any(|s| s.id.as_str() == id))
        })
    }

    // -- header ----------------------------------------------------------------

    fn header(&self) -> Vec<Block> {
        let state = self.state;
        let version = state.in_force();
        let mut items = vec![
            Item::new(vec![t("Community: "), c(state.community.short())]),
            Item::new(vec![t("Charter document: "), c(state.charter.to_string())]),
        ];
        if let Some(Ok(charter)) = self.contents.last()
            && !charter.title.trim().is_empty()
        {
            items.push(Item::new(vec![
                t("Charter title: "),
                t(charter.title.clone()),
            ]));
        }
        items.push(Item::new(vec![
            t("Version in force: "),
            b(format!("v{}", version.number)),
            t(" ("),
            c(short_hex(&version.hash)),
            t(format!("), ratified {}", date(version.at))),
        ]));
        let mut by_college: BTreeMap<&str, usize> = BTreeMap::new();
        let (mut active, mut left, mut excluded) = (0usize, 0usize, 0usize);
        for member in state.members.values() {
            match member.status {
                MemberStatus::Active | MemberStatus::Suspended { .. } => {
                    active += 1;
                    *by_college.entry(member.college.as_str()).or_default() += 1;
                }
                MemberStatus::Left => left += 1,
                MemberStatus::Excluded => excluded += 1,
            }
        }
        let mut counts: Vec<String> = state
            .colleges
            .iter()
            .map(|college| {
                let n = by_college.remove(college.id.as_str()).unwrap_or(0);
                format!("{} {n}", college.name)
            })
            .collect();
        counts.extend(by_college.iter().map(|(id, n)| format!("{id} {n}")));
        let mut line = format!("Members: {active}");
        if !counts.is_empty() {
            line.push_str(&format!(" ({})", counts.join(", ")));
        }
        if left > 0 || excluded > 0 {
            line.push_str(&format!("; {left} left, {excluded} excluded"));
        }
        items.push(Item::new(vec![t(line)]));
        vec![
            Block::Heading(1, vec![t(format!("Governance history of {}", state.name))]),
            Block::List(items),
            Block::Para(vec![t("Times are UTC.")]),
        ]
    }

    // -- sections ----------------------------------------------------------------

    fn section(&self, entry: &SectionEntry, out: &mut Vec<Block>) {
        let state = self.state;
        let mut heading = vec![
            t(entry.heading.clone()),
            t(" ("),
            c(entry.id.clone()),
            t(")"),
        ];
        let standing = match entry.standing {
            Standing::InForce => match self.first_seen(&entry.id) {
                Some(0) => "In the charter since the founding version, v1.".to_owned(),
                Some(i) => format!(
                    "Added in v{}, {}.",
                    state.versions[i].number,
                    date(state.versions[i].at)
                ),
                None => "In the charter in force.".to_owned(),
            },
            Standing::Removed(i) => {
                heading.push(t(" — removed"));
                match state.versions.get(i + 1) {
                    Some(next) => format!(
                        "Removed in v{}, {}; last in v{}.",
                        next.number,
                        date(next.at),
                        state.versions[i].number
                    ),
                    None => format!("Last in v{}.", state.versions[i].number),
                }
            }
            Standing::Earlier(i) => format!("Last seen in v{}.", state.versions[i].number),
            Standing::Unknown => {
                heading.push(t(" — not found"));
                "Named by records, but found in no readable version of the charter.".to_owned()
            }
        };
        out.push(Block::Heading(3, heading));
        out.push(Block::Para(vec![t(standing)]));

        // The section's story: its challenges (with their amendments) and
        // the versions that changed it, in time order.
        let mut story: Vec<(u64, u8, String, StoryItem<'_>)> = Vec::new();
        for challenge in state.challenges.values() {
            if challenge.section == entry.id {
                story.push((
                    challenge.at,
                    0,
                    challenge.record.to_string(),
                    StoryItem::Challenge(challenge),
                ));
            }
        }
        for (i, version) in state.versions.iter().enumerate().skip(1) {
            let declared = version.sections.contains(&entry.id);
            let found = self
                .changes
                .get(i)
                .is_some_and(|c| c.as_ref().is_ok_and(|c| c.contains_key(&entry.id)));
            if declared || found {
                story.push((
                    version.at,
                    1,
                    format!("{:020}", version.number),
                    StoryItem::Version(i),
                ));
            }
        }
        story.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        if story.is_empty() {
            out.push(Block::Para(vec![t("Never challenged or changed.")]));
        }
        for (_, _, _, item) in story {
            match item {
                StoryItem::Challenge(challenge) => self.challenge(challenge, out),
                StoryItem::Version(i) => self.version_change(i, &entry.id, out),
            }
        }
    }

    fn challenge(&self, challenge: &ChallengeState, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(
            4,
            vec![t(format!(
                "Challenge by {}, {}",
                self.name(&challenge.author),
                date(challenge.at)
            ))],
        ));
        let mut items = vec![
            Item::new(vec![b("Tension:"), t(" "), t(challenge.tension.clone())]),
            Item::new(vec![b("Example:"), t(" "), t(challenge.example.clone())]),
        ];
        items.push(match &challenge.admissibility {
            Admissibility::Admissible => Item::new(vec![b("Admissible")]),
            Admissibility::Inadmissible { reason } => {
                Item::new(vec![b("Inadmissible:"), t(" "), t(reason.clone())])
            }
        });
        if let Some(tension) = &challenge.from_tension {
            let line = match state.tensions.get(tension) {
                Some(found) => vec![
                    t("Escalates the tension “"),
                    t(found.summary.clone()),
                    t(format!(
                        "” raised by {}, {}",
                        self.name(&found.author),
                        date(opened_at(found))
                    )),
                ],
                None => vec![t("Escalates the tension "), c(tension.short())],
            };
            items.push(Item::new(line));
        }
        if let Some(promoted) = &challenge.promoted_from {
            let line = match state.amendments.get(promoted) {
                Some(found) => vec![
                    t("Promotes the rejected amendment “"),
                    t(found.title.clone()),
                    t("”"),
                ],
                None => vec![t("Promotes the rejected amendment "), c(promoted.short())],
            };
            items.push(Item::new(line));
        }
        items.push(Item::new(vec![t("Record "), c(challenge.record.short())]));
        if challenge.amendments.is_empty() {
            items.push(Item::new(vec![t("No amendment answers it yet.")]));
        }
        out.push(Block::List(items));
        for id in &challenge.amendments {
            if let Some(amendment) = state.amendments.get(id) {
                self.amendment(amendment, out);
            }
        }
    }

    fn amendment(&self, amendment: &AmendmentState, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(
            5,
            vec![
                t("Amendment “"),
                t(amendment.title.clone()),
                t(format!("” — {}", phase_name(amendment.phase))),
            ],
        ));
        let mut items = Vec::new();
        let coauthors = if amendment.coauthors.is_empty() {
            "no co-author".to_owned()
        } else {
            format!("co-authors: {}", self.names(&amendment.coauthors))
        };
        items.push(Item::new(vec![t(format!(
            "Proposed by {}, {}; {coauthors}",
            self.name(&amendment.proposer),
            date(amendment.at)
        ))]));
        items.push(Item::new(vec![
            b("Rationale:"),
            t(" "),
            t(amendment.rationale.clone()),
        ]));
        items.push(Item::new(match self.version_with_heads(&amendment.base) {
            Some(n) => vec![t(format!("Forked from v{n}"))],
            None => vec![t("Forked from heads that are no ratified version")],
        }));

        let wordings: Vec<Item> = amendment
            .submissions
            .iter()
            .enumerate()
            .map(|(k, s)| self.wording(amendment, k, s))
            .collect();
        if wordings.is_empty() {
            items.push(Item::new(vec![t("No wording submitted yet.")]));
        } else {
            items.push(Item::with(vec![b("Wordings")], wordings));
        }
        match amendment.round {
            Some(round) => items.push(Item::new(vec![t(format!(
                "The objection round was opened by {}, {}.",
                self.name(&amendment.proposer),
                self.when(&round)
            ))])),
            None if amendment.round_open => {
                items.push(Item::new(vec![t("The objection round was opened.")]));
            }
            None => {}
        }
        let reactions = self.reactions(&amendment.reactions, &amendment.submissions);
        if !reactions.is_empty() {
            items.push(Item::with(vec![b("Reactions")], reactions));
        }
        let objections = self.objections(&amendment.objections, &amendment.submissions);
        if !objections.is_empty() {
            items.push(Item::with(vec![b("Objections")], objections));
        }
        items.push(match &amendment.decision {
            Some(decision) => self.decision(decision),
            None => Item::new(vec![b("Decision:"), t(" none yet")]),
        });
        if !amendment.ratifications.is_empty() {
            let signers: Vec<String> = amendment
                .ratifications
                .iter()
                .map(|r| self.author(r).unwrap_or_else(|| r.short()))
                .collect();
            let mut line = vec![
                b("Ratification:"),
                t(format!(" signed by {}", signers.join(", "))),
            ];
            match amendment.version.and_then(|v| state.versions.get(v)) {
                Some(version) => {
                    line.push(t("; became "));
                    line.push(b(format!("v{}", version.number)));
                    line.push(t(" ("));
                    line.push(c(short_hex(&version.hash)));
                    line.push(t(format!("), {}", date(version.at))));
                }
                None => line.push(t(format!(
                    "; {} of {} signature(s) needed so far",
                    signers.len(),
                    state.rules.amend.signers.max(1)
                ))),
            }
            items.push(Item::new(line));
        }
        if !amendment.rebased_onto.is_empty() {
            let versions: Vec<String> = amendment
                .rebased_onto
                .iter()
                .filter_map(|v| state.versions.get(*v))
                .map(|v| format!("v{}", v.number))
                .collect();
            items.push(Item::new(vec![t(format!(
                "Rebased onto {}, which changed other sections",
                versions.join(", ")
            ))]));
        }
        if let Some(version) = amendment.stale_because.and_then(|v| state.versions.get(v)) {
            items.push(Item::new(vec![t(format!(
                "Stale: v{} changed the same sections; consents are void until a new wording",
                version.number
            ))]));
        }
        if let Some(reason) = &amendment.withdrawn {
            let mut line = vec![b("Withdrawn")];
            if let Some(by) = &amendment.withdrawn_by {
                line.push(t(format!(
                    " by {}, {}",
                    self.name(&amendment.proposer),
                    self.when(by)
                )));
            }
            if !reason.trim().is_empty() {
                line.push(t(": "));
                line.push(t(reason.clone()));
            }
            items.push(Item::new(line));
        }
        out.push(Block::List(items));
    }

    fn wording(&self, amendment: &AmendmentState, k: usize, submission: &Submission) -> Item {
        let mut line = vec![t(format!(
            "Wording {}, {}, by {}",
            k + 1,
            date(submission.at),
            self.name(&submission.by)
        ))];
        if !submission.note.trim().is_empty() {
            line.push(t(": "));
            line.push(t(submission.note.clone()));
        }
        let mut children = Vec::new();
        let sections: Vec<String> = submission
            .sections
            .iter()
            .map(|s| format!("“{}”", self.heading(s)))
            .collect();
        children.push(Item::new(vec![t(format!(
            "Changes {}",
            sections.join(", ")
        ))]));
        for integrated in &submission.integrates {
            let whose = amendment
                .objections
                .iter()
                .find(|o| o.record == *integrated)
                .map(|o| self.name(&o.member));
            children.push(Item::new(match whose {
                Some(name) => vec![t(format!(
                    "Integrates the objection of {name} ({})",
                    self.when(integrated)
                ))],
                None => vec![t("Integrates the objection "), c(integrated.short())],
            }));
        }
        Item::with(line, children)
    }

    fn reactions(&self, reactions: &[ReactionEntry], submissions: &[Submission]) -> Vec<Item> {
        reactions
            .iter()
            .map(|reaction| {
                let mut line = vec![t(format!(
                    "{} — {}: ",
                    date(reaction.at),
                    self.name(&reaction.member)
                ))];
                line.push(b(stance_name(reaction.stance)));
                if let Some(n) = wording_number(submissions, reaction.submission) {
                    line.push(t(format!(" on wording {n}")));
                }
                if !reaction.criteria.is_empty() {
                    line.push(t(format!(", criteria {}", criteria(&reaction.criteria))));
                }
                if let Some(objection) = &reaction.objection {
                    line.push(t(format!(
                        ", confirming the objection of {} resolved",
                        self.when(objection)
                    )));
                }
                if !reaction.argument.trim().is_empty() {
                    line.push(t(": "));
                    line.push(t(reaction.argument.clone()));
                }
                Item::new(line)
            })
            .collect()
    }

    fn objections(&self, objections: &[ObjectionState], submissions: &[Submission]) -> Vec<Item> {
        objections
            .iter()
            .map(|objection| {
                let status = if objection.test.as_ref().is_some_and(|t| !t.valid) {
                    "found invalid"
                } else if objection.integrated_by.is_some() && objection.confirmed_by.is_some() {
                    "resolved"
                } else if objection.withdrawn_by.is_some() {
                    "withdrawn"
                } else {
                    "open"
                };
                let line = vec![
                    t(format!(
                        "{} objected, {}, claiming criteria {}: ",
                        self.name(&objection.member),
                        self.when(&objection.record),
                        criteria(&objection.criteria)
                    )),
                    t(objection.argument.clone()),
                    t(" — "),
                    b(status),
                ];
                let mut children = Vec::new();
                if let Some(test) = &objection.test {
                    let passed = if test.passed.is_empty() {
                        "none".to_owned()
                    } else {
                        criteria(&test.passed)
                    };
                    let mut line = vec![
                        t(format!(
                            "Tested by {}, {}: passes {passed}, ",
                            self.name(&test.by),
                            date(test.at)
                        )),
                        b(if test.valid { "valid" } else { "invalid" }),
                    ];
                    if !test.note.trim().is_empty() {
                        line.push(t(": "));
                        line.push(t(test.note.clone()));
                    }
                    children.push(Item::new(line));
                }
                if let Some(by) = &objection.integrated_by {
                    let which = wording_number(submissions, Some(*by))
                        .map_or_else(|| by.short(), |n| format!("wording {n}"));
                    children.push(Item::new(vec![t(format!(
                        "Integrated by {which}, {}",
                        self.when(by)
                    ))]));
                }
                if let Some(by) = &objection.confirmed_by {
                    children.push(Item::new(vec![t(format!(
                        "Confirmed resolved by {}, {}",
                        self.name(&objection.member),
                        self.when(by)
                    ))]));
                }
                if let Some(by) = &objection.withdrawn_by {
                    children.push(Item::new(vec![t(format!(
                        "Withdrawn by a later reaction, {}",
                        self.when(by)
                    ))]));
                }
                Item::with(line, children)
            })
            .collect()
    }

    fn decision(&self, decision: &DecisionEntry) -> Item {
        let mut line = vec![
            b("Decision:"),
            t(" "),
            b(outcome_name(decision.outcome)),
            t(format!(
                " by {}, {}",
                self.name(&decision.by),
                date(decision.at)
            )),
        ];
        if !decision.reason.trim().is_empty() {
            line.push(t(": "));
            line.push(t(decision.reason.clone()));
        }
        Item::with(
            line,
            vec![Item::new(vec![t(format!(
                "Count: {}",
                decision.tally.explanation
            ))])],
        )
    }

    fn version_change(&self, i: usize, section: &str, out: &mut Vec<Block>) {
        let state = self.state;
        let version = &state.versions[i];
        out.push(Block::Heading(
            4,
            vec![t(format!(
                "Version v{} ratified, {}",
                version.number,
                date(version.at)
            ))],
        ));
        let mut items = Vec::new();
        if let Some(amendment) = version.amendment.and_then(|a| state.amendments.get(&a)) {
            let mut line = vec![
                t("Ratifies the amendment “"),
                t(amendment.title.clone()),
                t(format!("” by {}", self.name(&amendment.proposer))),
            ];
            if let Some(challenge) = state.challenges.get(&amendment.challenge)
                && challenge.section != section
            {
                line.push(t(format!(
                    ", answering a challenge of “{}”",
                    self.heading(&challenge.section)
                )));
            }
            items.push(Item::new(line));
        }
        items.push(Item::new(vec![t(format!(
            "Signed by {}",
            self.names(&version.signers)
        ))]));
        items.push(Item::new(vec![
            t("Version hash "),
            c(short_hex(&version.hash)),
        ]));
        let mut unified = None;
        match self.changes.get(i) {
            Some(Ok(changes)) => match changes.get(section) {
                Some(change) => {
                    let (lines, text) = describe_change(change);
                    items.extend(lines.into_iter().map(|l| Item::new(vec![t(l)])));
                    unified = text;
                }
                None => items.push(Item::new(vec![t(
                    "Declared as changed, but this section is the same in both versions",
                )])),
            },
            Some(Err(why)) => items.push(Item::new(vec![t(format!(
                "The change cannot be shown: the content is missing ({why})"
            ))])),
            None => {}
        }
        out.push(Block::List(items));
        if let Some(text) = unified {
            out.push(Block::Diff(text));
        }
    }

    // -- membership ----------------------------------------------------------------

    fn membership(&self, out: &mut Vec<Block>) {
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

    // -- tensions ----------------------------------------------------------------

    fn tensions(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t("Tensions")]));
        let mut tensions: Vec<_> = state.tensions.values().collect();
        tensions.sort_by_key(|tension| (opened_at(tension), tension.record));
        if tensions.is_empty() {
            out.push(Block::Para(vec![t("No tension was raised.")]));
        }
        for tension in tensions {
            out.push(Block::Heading(
                3,
                vec![
                    t("“"),
                    t(tension.summary.clone()),
                    t(format!("” — {}", tension_status_name(tension.status))),
                ],
            ));
            let mut raised = format!(
                "Raised by {}, {}, on the {} path",
                self.name(&tension.author),
                date(opened_at(tension)),
                path_name(tension.path)
            );
            if let Some(section) = &tension.section {
                raised.push_str(&format!(", about “{}”", self.heading(section)));
            }
            let mut items = vec![Item::new(vec![t(raised)])];
            let history = tension
                .history
                .iter()
                .map(|(record, status, note, at)| {
                    let mut line = vec![
                        t(format!("{} — ", date(*at))),
                        b(tension_status_name(*status)),
                    ];
                    if let Some(by) = self.author(record) {
                        line.push(t(format!(" ({by})")));
                    }
                    if !note.trim().is_empty() {
                        line.push(t(": "));
                        line.push(t(note.clone()));
                    }
                    Item::new(line)
                })
                .collect();
            items.push(Item::with(vec![b("History")], history));
            if tension.challenges.is_empty() {
                items.push(Item::new(vec![t("Became no challenge")]));
            } else {
                let challenges = tension
                    .challenges
                    .iter()
                    .map(|id| match state.challenges.get(id) {
                        Some(challenge) => Item::new(vec![t(format!(
                            "Challenge by {}, {}, of “{}”",
                            self.name(&challenge.author),
                            date(challenge.at),
                            self.heading(&challenge.section)
                        ))]),
                        None => Item::new(vec![t("Challenge "), c(id.short())]),
                    })
                    .collect();
                items.push(Item::with(vec![b("Became")], challenges));
            }
            out.push(Block::List(items));
        }
    }

    // -- documents ------------------------------------------------------------

    /// The documents shared with the community (`document.share`), if any.
    /// Concurrent rewrites of the same words, and whether they were
    /// resolved.
    fn conflicts(&self, out: &mut Vec<Block>) {
        out.push(Block::Heading(2, vec![t("Conflicts")]));
        if self.conflicts.is_empty() {
            out.push(Block::Para(vec![t(
                "No two members rewrote the same words at the same time.",
            )]));
            return;
        }
        let mut items = Vec::new();
        for conflict in &self.conflicts {
            let part = match &conflict.part {
                charter::TextPart::Title => "the title".to_owned(),
                charter::TextPart::Preamble => "the preamble".to_owned(),
                charter::TextPart::Heading { section } => {
                    format!("the heading of “{}”", self.heading(section.as_str()))
                }
                charter::TextPart::SectionText { section } => {
                    format!("“{}”", self.heading(section.as_str()))
                }
                charter::TextPart::Article { section, number } => {
                    format!("article {number} of “{}”", self.heading(section.as_str()))
                }
            };
            let status = if conflict.open { "open" } else { "resolved" };
            let mut children = Vec::new();
            children.push(Item::new(vec![
                t("Before: “"),
                t(conflict.ancestor.clone()),
                t("”"),
            ]));
            for side in &conflict.sides {
                let who: Vec<String> = side
                    .changes
                    .iter()
                    .filter_map(|c| c.device)
                    .map(|d| self.name(&d))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let when = side
                    .changes
                    .last()
                    .map(|c| date(u64::try_from(c.time_ms).unwrap_or(0)))
                    .unwrap_or_default();
                let who = if who.is_empty() {
                    "another peer".to_owned()
                } else {
                    who.join(", ")
                };
                children.push(Item::new(vec![
                    t(format!("{who} ({when}) wrote “")),
                    t(side.text.clone()),
                    t("”"),
                ]));
            }
            children.push(Item::new(vec![
                t("Merged: “"),
                t(conflict.merged.clone()),
                t("”"),
            ]));
            items.push(Item::with(
                vec![
                    t(format!("Conflict {} in {part} — ", conflict.id)),
                    b(status),
                ],
                children,
            ));
        }
        out.push(Block::List(items));
    }

    fn documents(&self, out: &mut Vec<Block>) {
        let state = self.state;
        if state.documents.is_empty() {
            return;
        }
        out.push(Block::Heading(2, vec![t("Documents")]));
        let items = state
            .documents
            .iter()
            .map(|(doc, shared)| {
                Item::new(vec![
                    t("Shared document “"),
                    t(shared.title.clone()),
                    t("” ("),
                    b(shared.access.name()),
                    t(") "),
                    c(doc.to_string()),
                    t(format!(
                        ", by {}, {}",
                        self.name(&shared.shared_by),
                        self.when(&shared.record)
                    )),
                ])
            })
            .collect();
        out.push(Block::List(items));
    }

    // -- rules ----------------------------------------------------------------

    fn rules(&self, out: &mut Vec<Block>) {
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

    fn rule_text(&self, rule: &Rule, act: Act) -> String {
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

    fn records_section(&self, out: &mut Vec<Block>) {
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

    // -- timeline ----------------------------------------------------------------

    fn events(&self) -> Vec<Event> {
        let state = self.state;
        let mut events = Vec::new();
        let mut push = |lane: Lane, at: u64, label: String, tick: Option<String>| {
            events.push(Event {
                lane,
                at,
                label: format!("{} — {}", date(at), clip(&label)),
                tick,
            });
        };
        for challenge in state.challenges.values() {
            push(
                Lane::Challenges,
                challenge.at,
                format!(
                    "Challenge by {} of “{}”: {}",
                    self.name(&challenge.author),
                    self.heading(&challenge.section),
                    challenge.tension
                ),
                None,
            );
        }
        for amendment in state.amendments.values() {
            let title = clip(&amendment.title);
            push(
                Lane::Amendments,
                amendment.at,
                format!("“{title}” proposed by {}", self.name(&amendment.proposer)),
                None,
            );
            for (k, submission) in amendment.submissions.iter().enumerate() {
                push(
                    Lane::Amendments,
                    submission.at,
                    format!("Wording {} of “{title}”", k + 1),
                    None,
                );
            }
            for reaction in &amendment.reactions {
                push(
                    Lane::Amendments,
                    reaction.at,
                    format!(
                        "{}: {} on “{title}”",
                        self.name(&reaction.member),
                        stance_name(reaction.stance)
                    ),
                    None,
                );
            }
            for objection in &amendment.objections {
                if let Some(test) = &objection.test {
                    push(
                        Lane::Amendments,
                        test.at,
                        format!(
                            "Objection of {} to “{title}” tested by {}: {}",
                            self.name(&objection.member),
                            self.name(&test.by),
                            if test.valid { "valid" } else { "invalid" }
                        ),
                        None,
                    );
                }
            }
            if let Some(decision) = &amendment.decision {
                push(
                    Lane::Decisions,
                    decision.at,
                    format!(
                        "“{title}” {}: {}",
                        outcome_name(decision.outcome),
                        decision.reason
                    ),
                    None,
                );
            }
        }
        for proposal in state.proposals.values() {
            if let Some(decision) = &proposal.decision {
                let what = match &proposal.kind {
                    ProposalKind::Admission { applicant } => {
                        format!("admission of {}", self.name(applicant))
                    }
                    ProposalKind::Exclusion { member, .. } => {
                        format!("exclusion of {}", self.name(member))
                    }
                    ProposalKind::RuleChange { act, .. } => {
                        format!("rule for {}", act_label(*act).to_lowercase())
                    }
                };
                push(
                    Lane::Decisions,
                    decision.at,
                    format!(
                        "{what} {}: {}",
                        outcome_name(decision.outcome),
                        decision.reason
                    ),
                    None,
                );
            }
        }
        for version in &state.versions {
            let what = match version.amendment.and_then(|a| state.amendments.get(&a)) {
                Some(amendment) => format!("ratifies “{}”", amendment.title),
                None => "the founding version".to_owned(),
            };
            push(
                Lane::Versions,
                version.at,
                format!("v{}: {what}", version.number),
                Some(format!("v{}", version.number)),
            );
        }
        for member in state.members.values() {
            if let Some(at) = self.joined_at(member) {
                push(
                    Lane::Membership,
                    at,
                    format!("{} joined", member.name),
                    None,
                );
            }
            for sanction in &member.sanctions {
                if sanction.level != "exclusion" {
                    let mut label = format!("{}: {}", member.name, sanction.level);
                    if sanction.until > 0 {
                        label.push_str(&format!(" until {}", date(sanction.until)));
                    }
                    push(Lane::Membership, sanction.at, label, None);
                }
            }
            if let Some((_, at, _)) = &member.left {
                push(
                    Lane::Membership,
                    *at,
                    format!("{} left", self.name(&member.id)),
                    None,
                );
            }
        }
        for application in state.applications.values() {
            push(
                Lane::Membership,
                application.at,
                format!("{} applied", application.name),
                None,
            );
        }
        for proposal in state.proposals.values() {
            if let ProposalKind::Exclusion { member, .. } = &proposal.kind {
                push(
                    Lane::Membership,
                    proposal.at,
                    format!("exclusion of {} proposed", self.name(member)),
                    None,
                );
            }
        }
        for tension in state.tensions.values() {
            for (_, status, _, at) in &tension.history {
                push(
                    Lane::Tensions,
                    *at,
                    format!(
                        "“{}”: {}",
                        clip(&tension.summary),
                        tension_status_name(*status)
                    ),
                    None,
                );
            }
        }
        events.sort();
        events
    }
}

enum StoryItem<'s> {
    Challenge(&'s ChallengeState),
    Version(usize),
}

/// When a tension was raised: its first history entry is its opening.
fn opened_at(tension: &TensionState) -> u64 {
    tension.history.first().map_or(0, |(_, _, _, at)| *at)
}
