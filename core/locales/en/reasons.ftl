# reasons — en
#
# Why governance judged as it did (core/src/governance/reason.rs): one
# message `reason-<code>` per code, with the code's arguments as variables.
# The English text is the one the JSON output (`reason`), the verify report
# and its hash carry: change it only with care. Every message also exists
# in fr/reasons.ftl (a test checks that each code has both).

# $what: the kind of record a reference names.
reason-what = { $what }

reason-other-community = belongs to another community ({ $community })
reason-signature-fails = signature does not verify
reason-concurrent-with-removal = concurrent with the removal of its author (record { $record })
reason-waits-for-record = waits for record { $record }
reason-builds-on-invalid = builds on invalid record { $record }
reason-timestamp-before-parent = its timestamp is earlier than a record it builds on
reason-second-genesis = a community has one genesis
reason-not-certified-device = device { $device } is not a member's certified device at this point
reason-member-left = member { $member } had left
reason-member-excluded = member { $member } was excluded
reason-member-suspended = member { $member } is suspended
reason-member-gone = member { $member } is no longer a member
reason-no-such-member = no such member
reason-no-longer-member = is no longer a member
reason-refers-to-unknown = refers to unknown { $what } { $record }
reason-refers-without-building = refers to { $what } { $record } without building on it
reason-refers-to-rejected = refers to rejected { $what } { $record }
reason-own-case = cannot act on one's own case
reason-facilitator-only = only a facilitator may do this
reason-not-a-tension = refers to a record that is not a tension
reason-not-an-amendment = refers to a record that is not an amendment
reason-not-a-challenge = refers to a record that is not a challenge
reason-not-an-application = refers to a record that is not an application
reason-tension-not-escalated = only an escalated tension becomes a challenge
reason-promote-not-rejected = only a rejected amendment can be promoted
reason-promote-not-proposer = only its proposer promotes an amendment
reason-no-section = names no section
reason-no-tension = states no tension
reason-no-example = gives no concrete example
reason-challenge-inadmissible = answers an inadmissible challenge ({ $reason })
reason-amendment-needs-title = an amendment needs a title
reason-amendment-needs-rationale = an amendment needs a rationale
reason-not-from-version-in-force = does not fork from the version in force
reason-submit-not-author = only the proposer and co-authors submit wordings
reason-amendment-phase = the amendment is { $phase }
reason-wording-no-heads = a wording names the draft's heads
reason-wording-no-section = a wording changes at least one section
reason-integrates-non-objection = integrates { $record } which is not an objection to this amendment
reason-integrates-unconfirmed = integrating objections, the proposer must confirm the tension is still addressed
reason-unknown-amendment = unknown amendment
reason-round-not-proposer = only the proposer opens the objection round
reason-withdraw-not-proposer = only the proposer withdraws an amendment
reason-ratify-not-adopted = only an adopted amendment is ratified; this one is { $phase }
reason-version-no-heads = a version names heads
reason-already-signed = this member already signed
reason-other-heads = names other heads than ratification { $record } it builds on
reason-rule-change-needs-rationale = a rule change needs a rationale
reason-questions-members-applicants = only members and applicants ask questions
reason-objection-needs-criteria = an objection claims the criteria it meets
reason-criteria-a-to-e = criteria are a to e
reason-objection-needs-argument = an objection needs its argument
reason-names-objection-resolved = names the objection resolved
reason-amendment-not-submitted = the amendment is not submitted yet
reason-amendment-stale = the amendment is stale: wait for the proposer to submit it again
reason-not-current-wording = reacts to a wording that is not the current one
reason-amend-no-block = the rule for amendments allows no block
reason-react-not-a-proposal = reacts to a record that is not a proposal
reason-decision-closed = the decision is closed
reason-rule-no-block = this rule allows no block
reason-folded-again = concurrent with a younger record on the same subject (folded again)
reason-test-not-an-objection = tests a record that is not an objection
reason-unknown-objection = unknown objection
reason-objector-unknown = the objector is unknown
reason-objection-subject-unknown = the objection's subject is unknown
reason-objection-not-counted = the objection was not counted
reason-wording-not-built-on = refers to wording { $record } without building on it
reason-cannot-adopt = cannot adopt: the amendment is { $phase }
reason-cannot-adopt-open = cannot adopt: the amendment is { $phase } ({ $open } open { $open ->
    [one] objection
   *[other] objections
})
reason-rule-not-met = the rule is not met ({ $tally })
reason-cannot-reject = cannot reject: the amendment is { $phase }
reason-rejection-needs-reason = a rejection needs a reason
reason-delay-not-passed = the { $days }-day delay has not passed (it ends { $ends } UTC)
reason-rule-met = the rule is met: it cannot be rejected
reason-decided-concurrently = an older, concurrent act on this amendment stands (a decision, its withdrawal or a new wording)
reason-decide-not-a-proposal = decides on a record that is not a proposal
reason-already-decided = this was already decided
reason-own-exclusion-decision = cannot decide on one's own exclusion
reason-decision-before-hearing = the decision comes after the hearing
reason-decline-needs-reason = a decline or rejection needs a reason
reason-confirms-unraised = confirms an objection that was not raised here
reason-confirm-not-objector = only the objector confirms their objection resolved
reason-percentages-max = percentages are at most 100
reason-rule-needs-signer = a rule needs at least one signer
reason-no-college = there is no college `{ $college }`
reason-threshold-needed = a threshold is needed
reason-closed-by-withdrawal = this was already closed, concurrently, by an older withdrawal (record { $record })
reason-new-wording-concurrently = a new wording was submitted concurrently, before it (record { $record })
reason-signature-concurrently = an older, concurrent signature of this amendment holds: sign again once it is known
reason-tension-update-concurrently = an older, concurrent update of this tension holds
reason-decided-by-older = this was already decided, concurrently, by an older decision (record { $record })
reason-share-needs-title = a shared document needs a title
reason-unsound-device-key = the device key is not a sound ed25519 key
reason-already-member = is already a member
reason-application-needs-name = an application needs a name
reason-open-application = this device already has an open application
reason-sign-not-applicant = only the applicant signs the charter for their application
reason-application-signed = already a member: this application was signed
reason-application-not-admitted = the application is not admitted
reason-sign-not-in-force = signs a version that is not the one in force
reason-leave-not-member = only a member can leave
reason-sanction-needs-reasons = a sanction needs its reasons
reason-suspension-end = a suspension must end after it starts
reason-own-exclusion = cannot propose one's own exclusion
reason-exclusion-needs-reasons = an exclusion needs its reasons
reason-notice-before-proposal = the notice date is before the proposal
reason-hearing-too-soon = the hearing must come at least { $days } days after the notice
reason-exclusion-open = an exclusion of this member is already open
reason-device-known = this device is already known to the community
reason-revoke-not-member = only a member's device can revoke a device
reason-unknown-device = unknown device
reason-revoke-not-own = can only revoke one's own devices
reason-already-revoked = already revoked
reason-attests-nothing = attests no change
reason-tension-needs-summary = a tension needs a summary
reason-tension-transition = a tension cannot go from { $from } to { $to }
reason-not-resolved = not resolved
reason-draft-changes-nothing = the draft changes nothing yet
reason-no-wording = the amendment has no wording
reason-record-invalid = { $detail }
reason-tally = { $method }: { $detail }; { $participants }/{ $electorate } took part (quorum { $quorum }%{ $met ->
    [true] , met
   *[other] , not met
}){ $waiting ->
    [true] ; { $delay }
   *[other] {""}
}{ $blocked ->
    [true] ; blocked
   *[other] {""}
}
reason-tally-consent = { $open } open objection(s), { $blocks } block(s)
reason-tally-consensus = { $participants } taking part, { $open } open objection(s), { $no } against
reason-tally-majority = { $yes } for, { $no } against
reason-tally-qualified = { $yes } for, { $no } against, { $threshold }% needed
reason-tally-unanimity = { $yes } of { $electorate } for
reason-tally-lazy = silence consents; { $open } open objection(s), { $no } against
reason-tally-advice = the proposer decides; advice { $given ->
    [true] given
   *[other] not sought
}
reason-tally-advice-others = only the proposer decides under the advice process
reason-tally-rule-change = rule for rule changes: { $change } | old rule: { $old } | new rule: { $new }

## Around reasons

# `nous verify`: a record rejected or pending, as the report says it.
# $kind: the kind in words (kind-… in errors.ftl); $gender: its gender.
verify-record-rejected = { $kind } rejected{ $gender ->
   *[other] {""}
}: { $reason }
verify-record-pending = { $kind } pending: { $reason }

# Closing challenges.
reason-withdraw-only-author = only its author withdraws a challenge
reason-challenge-decline-needs-reason = declining a challenge needs a reason
reason-challenge-answered = the challenge was answered by a ratified amendment
reason-challenge-already-closed = the challenge is already closed
reason-answers-closed-challenge = answers a closed challenge

# Invitations.
reason-unsound-invitation-key = the invitation key is not a sound ed25519 key
reason-invitation-expires-too-soon = an invitation must expire after it is issued
reason-invitation-no-uses = an invitation must admit at least one application
reason-not-an-invitation = { $record } is not an invitation
reason-invitation-already-revoked = the invitation is already revoked
reason-invitation-proof-fails = the invitation proof does not hold for this device
reason-invitation-expired = the invitation has expired
reason-invitation-revoked = the invitation was revoked
reason-invitation-used-up = the invitation has been used as many times as it allows
reason-invitation-for-college = the invitation is for college `{ $college }`
reason-revoke-only-issuer = only the device that issued an invitation revokes it

# Public participation.
reason-not-in-role = the author holds no role in this participation that allows it
reason-not-a-participation = { $record } is not a participation
reason-not-a-contribution = { $record } is not a contribution
reason-participation-members-only = only members may take part in this phase
reason-participation-needs-invitation = this phase asks for an invitation code
reason-participation-needs-title = a participation needs a title
reason-participation-needs-category = a participation needs at least one contribution category
reason-participation-categories-unique = category ids must be unique and not empty
reason-answer-due-in-past = the answer deadline must come after the opening
reason-participation-closed = the participation is closed
reason-commitment-removed = commitment { $commitment } cannot be taken away once contributions have opened
reason-commitments-malformed = each commitment needs a unique id and a text
reason-phase-out-of-order = phase { $phase } cannot come after phase { $before }
reason-phase-dates = a phase must open after the participation and close after it opens
reason-no-category = there is no category { $category }
reason-no-commitment = there is no commitment { $commitment }
reason-commitment-not-manual = commitment { $commitment } is checked from the records, not settled by hand
reason-evidence-needed = settling a commitment needs evidence
reason-commitment-settled = the commitment was already settled
reason-contributions-unanswered = { $count ->
    [one] one contribution still has no answer
   *[other] { $count } contributions still have no answer
}
reason-contributions-closed = the participation takes no contributions at this time
reason-channel-not-taken = this phase takes no contributions by { $channel }
reason-category-not-taken = this phase takes no contributions in category { $category }
reason-contribution-needs-title = a contribution needs a title
reason-contribution-needs-text = a contribution needs a text
reason-text-too-long = a text may have at most { $max } characters
reason-on-behalf-needs-transcription = only a transcription speaks on someone's behalf
reason-agent-members-only = only members of the organiser contribute as its agents
reason-transcription-needs-whom = a transcription says whom it speaks for
reason-contribution-not-own = only the device that submitted a contribution may change or withdraw it
reason-contribution-withdrawn = the contribution was withdrawn
reason-contribution-answered = the contribution already has its answer
reason-support-own = one does not support one's own contribution
reason-link-other-participation = a link joins two different contributions of one participation
reason-moderation-needs-reason = a moderation act needs a reason
reason-moderation-needs-clause = a moderation act names the clause of the contract it applies
reason-not-hidden = the contribution is not hidden
reason-answer-needs-argument = an answer needs an argument, whatever its state
reason-answer-must-revise = the contribution already has an answer: a new one revises it
reason-revises-unknown-answer = { $record } is not an answer to this contribution
reason-synthesis-other-text = a synthesis measures the participation's own text
reason-synthesis-method = unknown synthesis method { $method }
reason-synthesis-hash = a synthesis's hash is 64 lowercase hex digits
