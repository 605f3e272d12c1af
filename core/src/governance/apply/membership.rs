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
        require(device.is_sound(), || {
            "the device key is not a sound ed25519 key".into()
        })?;
        if let Some(author) = self.author(i) {
            require(
                !author.status.active_at(at)
                    && !matches!(author.status, MemberStatus::Suspended { .. }),
                || "is already a member".into(),
            )?;
        }
        require(
            self.state.colleges.iter().any(|c| c.id == apply.college),
            || format!("there is no college `{}`", apply.college),
        )?;
        require(!apply.name.trim().is_empty(), || {
            "an application needs a name".into()
        })?;
        let pending = self.state.applications.values().any(|a| {
            a.applicant == device
                && matches!(
                    a.state,
                    ApplicationState::Pending | ApplicationState::Admitted
                )
        });
        require(!pending, || {
            "this device already has an open application".into()
        })?;
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
            .ok_or("refers to a record that is not an application")?;
        require(application.applicant == record.author(), || {
            "only the applicant signs the charter for their application".into()
        })?;
        require(application.state != ApplicationState::Joined, || {
            "already a member: this application was signed".into()
        })?;
        require(application.state == ApplicationState::Admitted, || {
            "the application is not admitted".into()
        })?;
        require(sign.version == self.state.versions[in_force].hash, || {
            "signs a version that is not the one in force".into()
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
        let author = self.author(i).ok_or("only a member can leave")?;
        require(
            matches!(
                author.status,
                MemberStatus::Active | MemberStatus::Suspended { .. }
            ),
            || "is no longer a member".into(),
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
            "a sanction needs its reasons".into()
        })?;
        self.still_member(&sanction.member)?;
        if sanction.level == SanctionLevel::Suspension {
            require(sanction.until > at, || {
                "a suspension must end after it starts".into()
            })?;
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
        require(author.member != exclude.member, || {
            "cannot propose one's own exclusion".into()
        })?;
        require(!exclude.reasons.trim().is_empty(), || {
            "an exclusion needs its reasons".into()
        })?;
        self.still_member(&exclude.member)?;
        require(exclude.notice_at >= at, || {
            "the notice date is before the proposal".into()
        })?;
        let days = self.rules_seen(i).exclude.min_days;
        require(
            exclude.hearing_at >= exclude.notice_at.saturating_add(u64::from(days) * DAY_MS),
            || format!("the hearing must come at least {days} days after the notice"),
        )?;
        let open = self.state.proposals.values().any(|p| {
            p.decision.is_none()
                && matches!(&p.kind, ProposalKind::Exclusion { member, .. } if *member == exclude.member)
        });
        require(!open, || {
            "an exclusion of this member is already open".into()
        })?;
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
        require(cert.device.is_sound(), || {
            "the device key is not a sound ed25519 key".into()
        })?;
        require(!self.state.devices.contains_key(&cert.device), || {
            "this device is already known to the community".into()
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
        let author = self
            .author(i)
            .ok_or("only a member's device can revoke a device")?;
        let device = self
            .state
            .devices
            .get(&revoke.device)
            .ok_or("unknown device")?;
        require(device.member == author.member, || {
            "can only revoke one's own devices".into()
        })?;
        require(device.revoked.is_none(), || "already revoked".into())?;
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
        let author = self.author(i).ok_or_else(|| {
            format!(
                "device {} is not a member's certified device at this point",
                record.author().short()
            )
        })?;
        require(
            !matches!(author.status, MemberStatus::Left | MemberStatus::Excluded),
            || format!("member {} is no longer a member", author.member.short()),
        )?;
        require(!attest.changes.0.is_empty(), || "attests no change".into())?;
        self.state.attestations.push_back(AttestationEntry {
            record: id,
            doc: attest.doc,
            device: author.device,
            changes: attest.changes.0.as_slice().into(),
        });
        Ok(())
    }
}
