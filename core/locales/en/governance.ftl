# governance — en
#
# What the governance commands (cli/src/governance/) print for people:
# summaries of the acts recorded, tables, errors. Every message here exists
# in fr/governance.ftl with the same id and variables (a test checks).
# Words typed on the command line (`adopted`, `consent`) stay as they are
# where they are values to type; the selectors below name them.

## Acts recorded

# $summary: what the act did; $record: the record's short id.
gov-recorded = { $summary } (record { $record })
gov-not-a-date = `{ $text }` is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)

## Words for the engine's values

gov-method = { $method ->
    [consent] consent
    [consensus] consensus
    [majority] majority
    [qualified] qualified majority
    [unanimity] unanimity
    [weighted] weighted vote
    [lazy] lazy consensus
    [advice] advice process
   *[other] { $method }
}
gov-phase = { $phase ->
    [draft] draft
    [proposed] proposed
    [reactions] reactions
    [objection-round] objection round
    [integrating] integrating
    [stale] stale
    [adopted] adopted
    [merged] merged
    [withdrawn] withdrawn
    [rejected] rejected
   *[other] { $phase }
}
# As they are typed (`nous react … stand-aside`).
gov-stance = { $stance ->
    [question] question
    [consent] consent
    [concern] concern
    [objection] objection
    [abstain] abstain
    [stand-aside] stand-aside
    [block] block
    [yes] yes
    [no] no
    [resolved] resolved
   *[other] { $stance }
}
# As the records name them.
gov-tension-status = { $status ->
    [open] open
    [in-process] in-process
    [resolved] resolved
    [escalated] escalated
   *[other] { $status }
}
gov-tension-path = { $path ->
    [request] request
    [mediation] mediation
    [governance] governance
    [conduct] conduct
   *[other] { $path }
}
gov-sanction-level = { $level ->
    [correction] correction
    [warning] warning
    [suspension] suspension
   *[other] { $level }
}
gov-access = { $access ->
    [public] public
   *[members] members
}

## Decision rules

gov-rule-quorum = quorum { $percent }%
gov-rule-threshold = threshold { $percent }%
gov-rule-days = { $days ->
    [one] at least { $days } day
   *[other] at least { $days } days
}
gov-rule-signers = { $signers } signers
gov-rule-electorate = decided by { $colleges }
gov-rule-block = block allowed
gov-rule-proposed = Proposed: { $act } by { $rule }; it must pass under the rule for rule changes, the old rule and the new one

## Communities

gov-college-weight = `{ $spec }`: the weight is a whole number
gov-college-id = `{ $spec }`: a college needs an id
gov-founder-spec = `{ $spec }`: a founder is KEY:NAME:COLLEGE
gov-founded = Founded community "{ $name }" { $id }
gov-no-community = No community yet. Found one with `nous community create NAME --charter DOC`.
gov-community-line = { $id }  { $name }  { $members ->
    [one] { $members } member
   *[other] { $members } members
}
gov-community-unusable = { $id }  (unusable: { $reason })
gov-community-charter = Charter { $charter }: version { $version } in force ({ $hash })
gov-community-members = Members: { $count }
gov-community-college = { $name } ({ $id }, weight { $weight }): { $count }
gov-community-open = Open: { $applications ->
    [one] { $applications } application
   *[other] { $applications } applications
}, { $challenges ->
    [one] { $challenges } challenge
   *[other] { $challenges } challenges
}, { $amendments ->
    [one] { $amendments } amendment
   *[other] { $amendments } amendments
}, { $tensions ->
    [one] { $tensions } tension
   *[other] { $tensions } tensions
}
gov-community-documents = Shared documents: { $count }
gov-community-document = { $doc }  { $access }  "{ $title }"  shared by { $member }
gov-community-problems = { $count ->
    [one] { $count } record
   *[other] { $count } records
} rejected or pending (see `nous verify`)
gov-share-give-title = { $error } with --title
gov-shared-public = Shared "{ $title }" with "{ $community }": anyone reads it, members write
gov-shared-members = Shared "{ $title }" with "{ $community }": members read and write it

## Members

gov-applied = Applied to join "{ $community }" as { $college }
gov-admitted = Admitted { $name }: they join once they sign the charter in force (`nous member sign`)
gov-decline-needs-reason = a decline needs a reason: give --reason
gov-declined = Declined the application
gov-signed = Signed version { $version } of the charter ({ $hash }): welcome to "{ $community }"
gov-left = Left "{ $community }"
gov-suspension-needs-end = a suspension needs --until DATE or --days N
gov-sanctioned = { $level } for { $member }
gov-exclusion-proposed = Proposed to exclude { $member }; hearing on { $hearing }; decide after it with `nous decide`
gov-column-member = MEMBER
gov-column-name = NAME
gov-column-college = COLLEGE
gov-column-status = STATUS
gov-member-active = active
gov-member-suspended = suspended until { $until }
gov-member-left = left
gov-member-excluded = excluded
gov-applications = Applications:
gov-application-pending = pending
gov-application-admitted = admitted, waiting for the charter signature
gov-application-joined = joined
gov-application-declined = declined: { $reason }
gov-application-line = { $record }  { $name } for { $college }: { $state }
gov-device-certified = Certified device { $device }
gov-device-revoked = Revoked device { $device }

## Challenges and amendments

gov-challenged = Challenged "{ $heading }"
gov-challenged-inadmissible = Challenged "{ $heading }" — inadmissible: { $reason }
gov-amendment-proposed = Proposed amendment "{ $title }"; write it with `nous amendment edit { $record } SECTION --text …`
gov-give-text-or-file = give --text or --file
gov-draft-written = Wrote "{ $heading }" in the draft (change { $change })
gov-nothing-to-change = Nothing to change.
gov-submitted = Submitted "{ $title }" (changes { $sections ->
    [one] { $sections } section
   *[other] { $sections } sections
})
gov-integrated = Integrated { $objections ->
    [one] { $objections } objection
   *[other] { $objections } objections
} into "{ $title }"
gov-round-opened = Opened the objection round
gov-withdrawn = Withdrew the amendment
gov-promoted = Promoted "{ $title }" into a new challenge
gov-amendment-heading = { $record }  "{ $title }"  [{ $phase }]
gov-amendment-proposer = Proposed by { $proposer } — { $rationale }
gov-amendment-draft = Draft document { $draft }
gov-amendment-wording = Wording { $number } ({ $record }): { $sections ->
    [one] { $sections } section
   *[other] { $sections } sections
}
# $reaction: the member and their stance (and criteria).
gov-reaction-argued = { $reaction }: { $argument }
gov-amendment-objection = Objection { $record } by { $member }: { $test ->
    [valid] valid
    [invalid] invalid
   *[untested] untested
}, { $status ->
    [open] open
   *[closed] closed
}
gov-amendment-decision = decision: { $outcome ->
    [adopted] adopted
   *[rejected] rejected
} — { $explanation }
gov-no-amendments = No amendments.
gov-amendment-line = { $record }  { $phase }  { $title }  by { $proposer }

## Reactions and decisions

gov-reacted = recorded { $stance }
gov-objection-is-valid = The objection is valid
gov-objection-is-not-valid = The objection is not valid
gov-decided = Decided: { $outcome ->
    [adopted] adopted
   *[rejected] rejected
} ({ $tally })
gov-ratified = Ratified: version { $version } of the charter is in force
gov-ratification-signed = Signed the ratification ({ $signatures } of { $needed ->
    [one] { $needed } signature
   *[other] { $needed } signatures
})

## Tensions

gov-tension-opened = Opened a tension
gov-tension-started = The tension is in process
gov-tension-resolved = The tension is resolved
gov-tension-escalated = Escalated the tension
gov-tension-escalated-challenge = Escalated the tension into a challenge of "{ $heading }"
gov-not-a-tension = record { $record } is not a tension
gov-tension-show-head = Tension "{ $summary }" ({ $record })
gov-tension-show-state = { $status }, { $path }, raised by { $author }
gov-tension-show-section = Section: { $section }
gov-tension-show-step = {"  "}{ $at }  { $status }  ({ $record })
gov-tension-show-challenge = {"  "}Became the challenge { $record }
gov-no-tensions = No tensions.
gov-tension-line = { $record }  { $status } { $path } { $summary }  by { $author }

## Lint and verify

gov-lint-clean = No warnings: the charter says how one joins, leaves, regulates tensions and amends it.
gov-lint-missing = warning: no section is tagged `{ $tag }` ({ $what })
gov-lint-what-membership-entry = who the stakeholders are and how one joins
gov-lint-what-membership-exit = how one leaves or is excluded
gov-lint-what-tensions = how tensions are regulated
gov-lint-what-amendment = how the charter is challenged and amended
gov-lint-fix = {"  "}fix: tag the section that says it, `{ $command }`, or in Markdown put `{ $annotation }` under its heading
gov-verifying = Verifying { $file } ({ $bytes } bytes)…
gov-cannot-verify = cannot verify { $file }
gov-verify-community = Community "{ $name }" { $id }: { $accepted ->
    [one] { $accepted } record
   *[other] { $accepted } records
} accepted, { $rejected } rejected, { $pending } pending
gov-verify-counts = { $members ->
    [one] { $members } member
   *[other] { $members } members
}, { $amendments ->
    [one] { $amendments } amendment
   *[other] { $amendments } amendments
}, version { $version } in force
gov-verify-version = v{ $number }  { $hash }  text sha256 { $sha }
gov-verify-content-missing = (content missing)
gov-verify-document = Document { $id }: { $changes ->
    [one] { $changes } change
   *[other] { $changes } changes
}, { $attested } attested
gov-verify-rejected = REJECTED { $what } { $id }: { $reason }
gov-verify-fail = FAIL { $what } { $id }: { $reason }
gov-verify-intact = Intact: every signature, cited record, attestation and version holds ({ $rejected ->
    [one] { $rejected } act
   *[other] { $rejected } acts
} rejected under the rules).
gov-verify-not-intact = NOT INTACT: { $problems ->
    [one] { $problems } problem
   *[other] { $problems } problems
}.
gov-verify-hash = Report hash: { $hash }
gov-verify-failed = verification failed: the history is not intact ({ $problems ->
    [one] { $problems } problem
   *[other] { $problems } problems
})

## Closing and listing challenges
gov-challenge-needs-section-and-tension = a challenge needs a section and --tension
gov-challenge-closed = Challenge { $challenge } { $outcome ->
    [withdrawn] withdrawn
   *[declined] declined
}
gov-no-challenges = No challenges.
gov-challenge-standing = { $standing ->
    [open] open
    [answered] answered
    [withdrawn] withdrawn
    [declined] declined
   *[inadmissible] inadmissible
}
gov-challenge-line = { $record }  { $standing }  { $heading }  by { $author }: { $tension }
gov-default-college = Members
gov-community-application-waiting = Your application awaits the members' decision: you will see the community's records once admitted (`nous sync`, or `nous join … --wait`).
