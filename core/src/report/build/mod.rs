//! Building the report's document model from the state and the charter.

use super::*;

pub(super) struct Context<'a> {
    state: &'a State,
    /// The language the report is written in.
    lang: Lang,
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
    pub(super) fn new(state: &'a State, doc: &Automerge, lang: Lang) -> Self {
        let records = state.records.iter().map(|r| (r.id, r)).collect();
        let contents: Vec<Result<Charter, String>> = state
            .versions
            .iter()
            .map(|v| read_version(doc, v, lang))
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
                (Err(why), _) => Err(unreadable(lang, state.versions[i - 1].number, why)),
                (_, Err(why)) => Err(unreadable(lang, state.versions[i].number, why)),
            });
        }
        let mut cx = Context {
            state,
            lang,
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
        body.push(Block::Heading(2, vec![t(self.tr("report-sections", &[]))]));
        if let Some(Err(why)) = self.contents.last() {
            body.push(Block::Para(vec![t(
                self.tr("report-sections-unreadable", &[("why", why.into())])
            )]));
        }
        if self.sections.is_empty() {
            body.push(Block::Para(vec![t(self.tr("report-sections-none", &[]))]));
        }
        for entry in &self.sections {
            self.section(entry, &mut body);
        }
        self.membership(&mut body);
        self.tensions(&mut body);
        self.conflicts(&mut body);
        self.documents(&mut body);
        self.participations(&mut body);
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
            lang: self.lang,
            title: self.tr("report-title", &[("community", state.name.as_str().into())]),
            header: self.header(),
            body,
            events,
            span: (first, last),
        }
    }

    // -- words, names and lookups ----------------------------------------------

    /// Message `id` in the report's language.
    fn tr(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.lang.tr(id, args)
    }

    /// Message `id` as a line (see [`message_line`]).
    fn line(&self, id: &str, args: &[(&str, Piece)]) -> Line {
        message_line(self.lang, id, args)
    }

    /// A moment, to the minute, in the report's language.
    fn date(&self, ms: u64) -> String {
        date(self.lang, ms)
    }

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
            .map_or_else(|| self.tr("report-unknown-time", &[]), |at| self.date(at))
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
            Item::new(self.line(
                "report-header-community",
                &[("id", sp(c(state.community.short())))],
            )),
            Item::new(self.line(
                "report-header-charter",
                &[("doc", sp(c(state.charter.to_string())))],
            )),
        ];
        if let Some(Ok(charter)) = self.contents.last()
            && !charter.title.trim().is_empty()
        {
            items.push(Item::new(self.line(
                "report-header-title",
                &[("title", sp(t(charter.title.clone())))],
            )));
        }
        items.push(Item::new(self.line(
            "report-header-version",
            &[
                ("number", txt(version.number.to_string())),
                ("hash", sp(c(short_hex(&version.hash)))),
                ("date", txt(self.date(version.at))),
            ],
        )));
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
        let mut line = self.tr("report-header-members", &[("count", active.into())]);
        if !counts.is_empty() {
            line = self.tr(
                "report-header-members-by-college",
                &[
                    ("members", line.into()),
                    ("colleges", counts.join(", ").into()),
                ],
            );
        }
        if left > 0 || excluded > 0 {
            line = self.tr(
                "report-header-members-gone",
                &[
                    ("members", line.into()),
                    ("left", left.into()),
                    ("excluded", excluded.into()),
                ],
            );
        }
        items.push(Item::new(vec![t(line)]));
        vec![
            Block::Heading(
                1,
                vec![t(self.tr(
                    "report-title",
                    &[("community", state.name.as_str().into())],
                ))],
            ),
            Block::List(items),
            Block::Para(vec![t(self.tr("report-times-utc", &[]))]),
        ]
    }
}

enum StoryItem<'s> {
    Challenge(&'s ChallengeState),
    Version(usize),
}

/// Why the changes a version made cannot be computed.
fn unreadable(lang: Lang, number: usize, why: &str) -> String {
    lang.tr(
        "report-version-unreadable",
        &[("number", number.to_string().into()), ("why", why.into())],
    )
}

/// When a tension was raised: its first history entry is its opening.
fn opened_at(tension: &TensionState) -> u64 {
    tension.history.first().map_or(0, |(_, _, _, at)| *at)
}

mod documents;
mod membership;
mod participation;
mod rules;
mod sections;
mod tensions;
mod timeline;
