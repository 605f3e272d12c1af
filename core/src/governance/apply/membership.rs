//! Membership: who belongs and with which devices. Judges applications to
//! join, the newcomer's charter signature, leaving, sanctions, exclusion
//! proposals (their decision is in `decisions.rs`), device certification and
//! revocation, and content attestations by a member's device.

use super::*;
use crate::record::{
    Apply, Attest, CertifyDevice, Exclude, Leave, RevokeDevice, Sanction, SignCharter,
};

impl Fold {
    /// `member.apply`: someone asks to join, which opens an admission proposal.
    pub(super) fn apply_application(&mut self, i: usize, record: &Record, apply: &Apply) -> Check {
        let id = record.id();
        let at = record.timestamp();
        let device = self.dag.order[i].author();
        require(device.is_sound(), || reason!(UnsoundDeviceKey))?;
        if let Some(author) = self.author(i) {
            require(
                !author.status.active_at(at)
                    && !matches!(author.status, MemberStatus::Suspended { .. }),
                || reason!(AlreadyMember),
            )?;
        }
        require(
            self.state.colleges.iter().any(|c| c.id == apply.college),
            || reason!(NoCollege, college = &apply.college),
        )?;
        require(!apply.name.trim().is_empty(), || {
            reason!(ApplicationNeedsName)
        })?;
        let pending = self.state.applications.values().any(|a| {
            a.applicant == device
                && matches!(
                    a.state,
                    ApplicationState::Pending | ApplicationState::Admitted
                )
        });
        require(!pending, || reason!(OpenApplication))?;
        if let Some(invited) = &apply.invitation {
            self.use_invitation(i, record, apply, invited)?;
        }
        self.state.applications.insert(
            id,
            Application {
                record: id,
                applicant: device,
                name: apply.name.clone(),
                college: apply.college.clone(),
                motivation: apply.motivation.clone(),
                state: ApplicationState::Pending,
                at,
            },
        );
        self.state.proposals.insert(
            id,
            ProposalState {
                record: id,
                by: device,
                kind: ProposalKind::Admission { applicant: device },
                reactions: Vec::new(),
                objections: Vec::new(),
                decision: None,
                at,
            },
        );
        Ok(())
    }

    /// `member.sign-charter`: an admitted applicant signs the version in force
    /// and becomes a member.
    pub(super) fn sign_charter(&mut self, i: usize, record: &Record, sign: &SignCharter) -> Check {
        let id = record.id();
        let at = record.timestamp();
        self.reference(i, &sign.application, "application")?;
        let in_force = self.in_force_seen(i);
        let application = self
            .state
            .applications
            .get(&sign.application)
            .ok_or_else(|| reason!(NotAnApplication))?;
        require(application.applicant == record.author(), || {
            reason!(SignNotApplicant)
        })?;
        require(application.state != ApplicationState::Joined, || {
            reason!(ApplicationSigned)
        })?;
        require(application.state == ApplicationState::Admitted, || {
            reason!(ApplicationNotAdmitted)
        })?;
        require(sign.version == self.state.versions[in_force].hash, || {
            reason!(SignNotInForce)
        })?;
        let (name, college) = (application.name.clone(), application.college.clone());
        let member = record.author();
        if let Some(a) = self.state.applications.get_mut(&sign.application) {
            a.state = ApplicationState::Joined;
        }
        let entry = self.state.members.entry(member).or_insert_with(|| Member {
            id: member,
            name: name.clone(),
            college: college.clone(),
            status: MemberStatus::Active,
            joined: id,
            application: Some(sign.application),
            left: None,
            devices: vec![member],
            sanctions: Vec::new(),
        });
        // Joining again: a member anew, with their history (sanctions, the
        // latest departure in `left`) kept.
        entry.status = MemberStatus::Active;
        entry.name = name;
        entry.college = college;
        entry.joined = id;
        entry.application = Some(sign.application);
        self.state.devices.insert(
            member,
            Device {
                member,
                label: "first device".into(),
                certified_by: id,
                certified_at: at,
                revoked: None,
            },
        );
        self.auth(i, vec![Effect::Join(member)]);
        Ok(())
    }

    /// `member.leave`: a member leaves, and their devices with them.
    pub(super) fn leave(&mut self, i: usize, record: &Record, leave: &Leave) -> Check {
        let author = self.author(i).ok_or_else(|| reason!(LeaveNotMember))?;
        require(
            matches!(
                author.status,
                MemberStatus::Active | MemberStatus::Suspended { .. }
            ),
            || reason!(NoLongerMember),
        )?;
        if let Some(m) = self.state.members.get_mut(&author.member) {
            m.status = MemberStatus::Left;
            m.left = Some((record.id(), record.timestamp(), leave.reason.clone()));
        }
        self.auth(i, vec![Effect::Leave(author.member)]);
        let devices = self.devices_of(&author.member);
        self.removals.push(Removal { at: i, devices });
        Ok(())
    }

    /// `member.sanction`: a correction, warning or suspension.
    pub(super) fn sanction(&mut self, i: usize, record: &Record, sanction: &Sanction) -> Check {
        let id = record.id();
        let at = record.timestamp();
        let author = self.active_member(i)?;
        self.is_facilitator_or_member(&author, &sanction.member)?;
        require(!sanction.reasons.trim().is_empty(), || {
            reason!(SanctionNeedsReasons)
        })?;
        self.still_member(&sanction.member)?;
        if sanction.level == SanctionLevel::Suspension {
            require(sanction.until > at, || reason!(SuspensionEnd))?;
        }
        let member = sanction.member;
        if let Some(m) = self.state.members.get_mut(&member) {
            m.sanctions.push(SanctionEntry {
                record: id,
                level: sanction.level.name().into(),
                reasons: sanction.reasons.clone(),
                by: author.member,
                at,
                until: if sanction.level == SanctionLevel::Suspension {
                    sanction.until
                } else {
                    0
                },
            });
            if sanction.level == SanctionLevel::Suspension {
                m.status = MemberStatus::Suspended {
                    until: sanction.until,
                };
            }
        }
        if sanction.level == SanctionLevel::Suspension {
            self.auth(
                i,
                vec![Effect::Suspend {
                    member,
                    until: sanction.until,
                }],
            );
        }
        Ok(())
    }

    /// `member.exclude`: a member proposes an exclusion, with notice and hearing
    /// dates.
    pub(super) fn exclude(&mut self, i: usize, record: &Record, exclude: &Exclude) -> Check {
        let id = record.id();
        let at = record.timestamp();
        let author = self.active_member(i)?;
        require(author.member != exclude.member, || reason!(OwnExclusion))?;
        require(!exclude.reasons.trim().is_empty(), || {
            reason!(ExclusionNeedsReasons)
        })?;
        self.still_member(&exclude.member)?;
        require(exclude.notice_at >= at, || reason!(NoticeBeforeProposal))?;
        let days = self.rules_seen(i).exclude.min_days;
        require(
            exclude.hearing_at >= exclude.notice_at.saturating_add(u64::from(days) * DAY_MS),
            || reason!(HearingTooSoon, days = days),
        )?;
        let open = self.state.proposals.values().any(|p| {
            p.decision.is_none()
                && matches!(&p.kind, ProposalKind::Exclusion { member, .. } if *member == exclude.member)
        });
        require(!open, || reason!(ExclusionOpen))?;
        self.state.proposals.insert(
            id,
            ProposalState {
                record: id,
                by: author.member,
                kind: ProposalKind::Exclusion {
                    member: exclude.member,
                    reasons: exclude.reasons.clone(),
                    notice_at: exclude.notice_at,
                    hearing_at: exclude.hearing_at,
                },
                reactions: Vec::new(),
                objections: Vec::new(),
                decision: None,
                at,
            },
        );
        Ok(())
    }

    /// `device.certify`: a member adds a device.
    pub(super) fn certify_device(
        &mut self,
        i: usize,
        record: &Record,
        cert: &CertifyDevice,
    ) -> Check {
        let author = self.active_member(i)?;
        require(cert.device.is_sound(), || reason!(UnsoundDeviceKey))?;
        require(!self.state.devices.contains_key(&cert.device), || {
            reason!(DeviceKnown)
        })?;
        self.state.devices.insert(
            cert.device,
            Device {
                member: author.member,
                label: cert.label.clone(),
                certified_by: record.id(),
                certified_at: record.timestamp(),
                revoked: None,
            },
        );
        if let Some(m) = self.state.members.get_mut(&author.member) {
            m.devices.push(cert.device);
        }
        self.auth(
            i,
            vec![Effect::Certify {
                device: cert.device,
                member: author.member,
            }],
        );
        Ok(())
    }

    /// `device.revoke`: a member revokes one of their devices.
    pub(super) fn revoke_device(
        &mut self,
        i: usize,
        record: &Record,
        revoke: &RevokeDevice,
    ) -> Check {
        let id = record.id();
        let author = self.author(i).ok_or_else(|| reason!(RevokeNotMember))?;
        let device = self
            .state
            .devices
            .get(&revoke.device)
            .ok_or_else(|| reason!(UnknownDevice))?;
        require(device.member == author.member, || reason!(RevokeNotOwn))?;
        require(device.revoked.is_none(), || reason!(AlreadyRevoked))?;
        if let Some(d) = self.state.devices.get_mut(&revoke.device) {
            d.revoked = Some(id);
        }
        self.auth(i, vec![Effect::Revoke(revoke.device)]);
        self.removals.push(Removal {
            at: i,
            devices: vec![revoke.device],
        });
        Ok(())
    }

    /// `content.attest`: a device vouches for its changes to a document; it must
    /// be the certified device of someone who is still a member.
    pub(super) fn attest(&mut self, i: usize, record: &Record, attest: &Attest) -> Check {
        let id = record.id();
        let author = self
            .author(i)
            .ok_or_else(|| reason!(NotCertifiedDevice, device = record.author().short()))?;
        require(
            !matches!(author.status, MemberStatus::Left | MemberStatus::Excluded),
            || reason!(MemberGone, member = author.member.short()),
        )?;
        require(!attest.changes.0.is_empty(), || reason!(AttestsNothing))?;
        self.state.attestations.push_back(AttestationEntry {
            record: id,
            doc: attest.doc,
            device: author.device,
            changes: attest.changes.0.as_slice().into(),
        });
        Ok(())
    }
}
