# report — en
#
# The governance history report (`nous history`), Markdown and HTML.
# In a message that becomes a line of the report, **…** is strong text;
# names, titles and what members wrote come in through the variables and
# are never read as markup. Dates come already written ($date…).

## Title and header

report-title = Governance history of { $community }
report-header-community = Community: { $id }
report-header-charter = Charter document: { $doc }
report-header-title = Charter title: { $title }
report-header-version = Version in force: **v{ $number }** ({ $hash }), ratified { $date }
report-header-members = Members: { $count }
# $members: the line so far; $colleges: "Staff 2, Users 1".
report-header-members-by-college = { $members } ({ $colleges })
report-header-members-gone = { $members }; { $left } left, { $excluded } excluded
report-times-utc = Times are UTC.
report-unknown-time = at an unknown time
report-quoted = “{ $text }”
# After a line: what a member wrote, or a status.
report-then-text = : { $text }
report-then-status = {" "}— { $status }

## Words

report-stance-question = question
report-stance-consent = consent
report-stance-concern = concern
report-stance-objection = objection
report-stance-abstain = abstain
report-stance-stand-aside = stand aside
report-stance-block = block
report-stance-yes = yes
report-stance-no = no
report-stance-resolved = resolved
report-outcome-adopted = adopted
report-outcome-rejected = rejected
report-tension-status-open = open
report-tension-status-in-process = in process
report-tension-status-resolved = resolved
report-tension-status-escalated = escalated
report-path-request = request
report-path-mediation = mediation
report-path-governance = governance
report-path-conduct = conduct
report-phase-draft = draft
report-phase-proposed = proposed
report-phase-reactions = reactions
report-phase-objection-round = objection round
report-phase-integrating = integrating
report-phase-stale = stale
report-phase-adopted = adopted
report-phase-merged = merged
report-phase-withdrawn = withdrawn
report-phase-rejected = rejected
report-method-consent = consent
report-method-consensus = consensus
report-method-majority = majority
report-method-qualified = qualified majority
report-method-unanimity = unanimity
report-method-weighted = weighted vote
report-method-lazy = lazy consensus
report-method-advice = advice process
report-act-amend = Amendments
report-act-admit = Admissions
report-act-exclude = Exclusions
report-act-rules = Rule changes
report-act-amend-in-sentence = amendments
report-act-admit-in-sentence = admissions
report-act-exclude-in-sentence = exclusions
report-act-rules-in-sentence = rule changes
report-sanction-correction = correction
report-sanction-warning = warning
report-sanction-suspension = suspension
report-sanction-exclusion = exclusion

## Sections

report-sections = Sections
report-sections-unreadable = The charter in force cannot be read ({ $why }): sections are listed as earlier versions and records name them.
report-sections-none = No section is known.
report-version-unreadable = v{ $number } cannot be read: { $why }
report-error-not-a-hash = `{ $text }` is not a change hash
report-error-change-missing = change { $hash } is not in the charter document
report-section-since-founding = In the charter since the founding version, v1.
report-section-added-in = Added in v{ $number }, { $date }.
report-section-in-force = In the charter in force.
report-section-removed-mark = {" "}— removed
report-section-removed-in = Removed in v{ $number }, { $date }; last in v{ $last }.
report-section-last-in = Last in v{ $number }.
report-section-last-seen = Last seen in v{ $number }.
report-section-not-found-mark = {" "}— not found
report-section-not-found = Named by records, but found in no readable version of the charter.
report-section-untouched = Never challenged or changed.

## Challenges

report-challenge-heading = Challenge by { $name }, { $date }
report-challenge-tension = **Tension:** { $tension }
report-challenge-example = **Example:** { $example }
report-challenge-admissible = **Admissible**
report-challenge-inadmissible = **Inadmissible:** { $reason }
report-challenge-escalates = Escalates the tension “{ $summary }” raised by { $name }, { $date }
report-challenge-escalates-unknown = Escalates the tension { $id }
report-challenge-promotes = Promotes the rejected amendment “{ $title }”
report-challenge-promotes-unknown = Promotes the rejected amendment { $id }
report-challenge-record = Record { $id }
report-challenge-unanswered = No amendment answers it yet.

## Amendments

report-amendment-heading = Amendment “{ $title }” — { $phase }
report-amendment-proposed = Proposed by { $name }, { $date }; no co-author
report-amendment-proposed-with = Proposed by { $name }, { $date }; { $count ->
   *[other] co-authors
    }: { $coauthors }
report-rationale = **Rationale:** { $rationale }
report-amendment-forked = Forked from v{ $number }
report-amendment-forked-elsewhere = Forked from heads that are no ratified version
report-wordings-none = No wording submitted yet.
report-wordings = **Wordings**
report-round-opened-by = The objection round was opened by { $name }, { $date }.
report-round-opened = The objection round was opened.
report-reactions = **Reactions**
report-objections = **Objections**
report-ratification-done = **Ratification:** signed by { $signers }; became **v{ $number }** ({ $hash }), { $date }
report-ratification-pending = **Ratification:** signed by { $signers }; { $count } of { $needed ->
    [one] { $needed } signature needed so far
   *[other] { $needed } signatures needed so far
}
report-amendment-rebased = Rebased onto { $versions }, which { $count ->
   *[other] changed
    } other sections
report-amendment-stale = Stale: v{ $number } changed the same sections; consents are void until a new wording
report-withdrawn = **Withdrawn**
report-withdrawn-because = **Withdrawn**: { $reason }
report-withdrawn-by = **Withdrawn** by { $name }, { $date }
report-withdrawn-by-because = **Withdrawn** by { $name }, { $date }: { $reason }

## Wordings, reactions, objections, decisions

report-wording = Wording { $number }, { $date }, by { $name }
report-wording-note = Wording { $number }, { $date }, by { $name }: { $note }
report-wording-changes = Changes { $count ->
   *[other] { $sections }
    }
report-wording-integrates = Integrates the objection of { $name } ({ $date })
report-wording-integrates-unknown = Integrates the objection { $id }
report-wording-number = wording { $number }
report-reaction = { $date } — { $name }: { $stance }
report-reaction-on-wording = {" "}on wording { $number }
report-reaction-criteria = , criteria { $count ->
   *[other] { $criteria }
    }
report-reaction-confirms = , confirming the objection of { $date } resolved
report-objection = { $name } objected, { $date }, claiming criteria { $count ->
   *[other] { $criteria }
    }: { $argument } — **{ $status ->
        [found-invalid] found invalid
        [resolved] resolved
        [withdrawn] withdrawn
       *[open] open
    }**
report-test = Tested by { $name }, { $date }: passes { $passed }, **{ $valid ->
        [valid] valid
       *[invalid] invalid
    }**
report-test-passes-none = none
report-objection-integrated = Integrated by { $which }, { $date }
report-objection-confirmed = Confirmed resolved by { $name }, { $date }
report-objection-withdrawn = Withdrawn by a later reaction, { $date }
report-decision = **Decision:** { $outcome } by { $name }, { $date }
report-decision-reason = **Decision:** { $outcome } by { $name }, { $date }: { $reason }
report-decision-none = **Decision:** none yet
# $explanation: how the votes were counted, as the rules engine says it.
report-decision-count = Count: { $explanation }

## Versions

report-version-heading = Version v{ $number } ratified, { $date }
report-version-ratifies = Ratifies the amendment “{ $title }” by { $name }
report-version-answering = , answering a challenge of “{ $heading }”
report-version-signed = Signed by { $names }
report-version-hash = Version hash { $hash }
report-version-same = Declared as changed, but this section is the same in both versions
report-version-missing = The change cannot be shown: the content is missing ({ $why })
report-change-added = Added as “{ $heading }”
report-change-removed = Removed (it was “{ $heading }”)
report-change-renamed = Renamed from “{ $old }” to “{ $new }”
report-change-moved = Moved
report-change-level = Heading level changed from { $level }
report-change-tags-added = Tags added: { $tags }
report-change-tags-removed = Tags removed: { $tags }
report-change-text = Text changed:

## Membership

report-membership = Membership
report-joined = { $date } — { $name } joined { $college } ({ $how })
report-joined-as-founder = as a founder
report-joined-by-signing = by signing the charter
report-joined-by-signing-applied = by signing the charter, having applied { $date }
report-sanction = { $date } — { $member }: { $level } by { $name }: { $reasons }
report-sanction-until = { $date } — { $member }: { $level } by { $name }, until { $until }: { $reasons }
report-left = { $date } — { $name } left
report-device = { $date } — { $name } certified the device “{ $label }” ({ $key })
report-device-revoked = Revoked { $date }
report-application = { $date } — { $name } applied to join { $college }
report-application-pending = pending
report-application-admitted = admitted, waiting for their signature
report-application-joined = admitted and joined
report-application-declined = declined: { $reason }
report-exclusion = { $date } — exclusion of { $member } proposed by { $name }: { $reasons }
report-exclusion-notice = Notice { $notice }, hearing { $hearing }
report-members-now = Members now
report-member = { $name } ({ $id }), { $college }: { $status }
report-member-active = active
report-member-suspended = suspended until { $date }
report-member-left = left
report-member-excluded = excluded

## Tensions

report-tensions = Tensions
report-tensions-none = No tension was raised.
report-tension-heading = “{ $summary }” — { $status }
report-tension-raised = Raised by { $name }, { $date }, on the { $path } path
report-tension-raised-about = Raised by { $name }, { $date }, on the { $path } path, about “{ $heading }”
report-tension-step = { $date } — { $status }
report-tension-step-by = { $date } — { $status } ({ $name })
report-tension-history = **History**
report-tension-no-challenge = Became no challenge
report-tension-became = **Became**
report-tension-challenge = Challenge by { $name }, { $date }, of “{ $heading }”
report-tension-challenge-unknown = Challenge { $id }

## Conflicts and documents

report-conflicts = Conflicts
report-conflicts-none = No two members rewrote the same words at the same time.
report-conflict = Conflict { $id } in { $part } — **{ $status ->
        [open] open
       *[resolved] resolved
    }**
report-conflict-in-title = the title
report-conflict-in-preamble = the preamble
report-conflict-in-heading = the heading of “{ $heading }”
report-conflict-in-section = “{ $heading }”
report-conflict-in-article = article { $number } of “{ $heading }”
report-conflict-before = Before: “{ $text }”
report-conflict-side = { $who } ({ $date }) wrote “{ $text }”
report-conflict-another-peer = another peer
report-conflict-merged = Merged: “{ $text }”
report-documents = Documents
report-document = Shared document “{ $title }” (**{ $access ->
        [public] public
       *[members] members
    }**) { $doc }, by { $name }, { $date }

## Rules and records

report-rules = Rules
report-rule = **{ $act }:** { $rule }
report-facilitators = **Facilitators:** { $count ->
   *[other] { $names }
    }
report-facilitators-none = **Facilitators:** none; any member other than the one concerned tests objections and issues sanctions
report-college = { $name } ({ $id }, weight { $weight })
report-colleges = **Colleges:** { $colleges }
report-rule-changes = Rule changes
report-rule-changes-none = No rule change was proposed.
report-rule-change = { $date } — { $name } proposed for { $act }: { $rule }
report-rule-quorum = quorum { $percent }%
report-rule-no-quorum = no quorum
report-rule-threshold = { $percent }% needed
report-rule-everyone-decides = every member decides
report-rule-decided-by = decided by { $colleges }
report-rule-min-days = { $count ->
    [one] at least { $count } day after the proposal
   *[other] at least { $count } days after the proposal
}
report-rule-signers = { $count ->
    [one] { $count } signature to ratify
   *[other] { $count } signatures to ratify
}
report-rule-blocks = blocks allowed
report-rule-no-block = no block
report-records = Records
report-records-count = { $count ->
    [one] { $count } record
   *[other] { $count } records
}: { $accepted } accepted, { $rejected } rejected, { $pending } pending.
report-records-problems = Rejected and pending records
report-record = { $id } { $kind } by { $name }, { $date } — **{ $verdict ->
        [rejected] rejected
        [pending] pending
       *[accepted] accepted
    }**: { $reason }

## Timeline (HTML)

report-lane-challenge = Challenges
report-lane-amendment = Amendments
report-lane-decision = Decisions
report-lane-version = Versions
report-lane-membership = Membership
report-lane-tension = Tensions
report-timeline-title = Timeline from { $first } to { $last }
report-timeline-caption = { $count ->
    [one] { $count } event
   *[other] { $count } events
} from { $first } to { $last }; hover a marker for details.
report-event = { $date } — { $label }
report-event-challenge = Challenge by { $name } of “{ $heading }”: { $tension }
report-event-amendment = “{ $title }” proposed by { $name }
report-event-wording = Wording { $number } of “{ $title }”
report-event-reaction = { $name }: { $stance } on “{ $title }”
report-event-test = Objection of { $name } to “{ $title }” tested by { $by }: { $valid ->
        [valid] valid
       *[invalid] invalid
    }
report-event-decision-amendment = “{ $title }” { $outcome ->
        [adopted] adopted
       *[rejected] rejected
    }: { $reason }
report-event-decision-admission = admission of { $subject } { $outcome ->
        [adopted] adopted
       *[rejected] rejected
    }: { $reason }
report-event-decision-exclusion = exclusion of { $subject } { $outcome ->
        [adopted] adopted
       *[rejected] rejected
    }: { $reason }
report-event-decision-rule = rule for { $subject } { $outcome ->
        [adopted] adopted
       *[rejected] rejected
    }: { $reason }
report-event-version = v{ $number }: ratifies “{ $title }”
report-event-version-founding = v{ $number }: the founding version
report-event-joined = { $name } joined
report-event-sanction = { $name }: { $level }
report-event-sanction-until = { $name }: { $level } until { $until }
report-event-left = { $name } left
report-event-applied = { $name } applied
report-event-exclusion = exclusion of { $name } proposed
report-event-tension = “{ $summary }”: { $status }

## Closed challenges (challenge.close)
report-challenge-withdrawn = **Withdrawn** by { $name }, { $date }
report-challenge-declined = **Declined** by { $name }, { $date }: { $reason }
report-event-challenge-closed = Challenge of “{ $heading }” { $outcome ->
    [withdrawn] withdrawn
   *[declined] declined
} by { $name }

## Public participation (participation.*, contribution.*, moderation.*, answer.*, synthesis.*)
report-lane-participation = Participation
report-participations = Public participations
report-participation-heading = “{ $title }” — { $closed ->
        [yes] closed
       *[no] open
    }
report-participation-opened = Opened by { $name } on { $date } ({ $record }); answers due by { $due }; { $threshold ->
        [0] reports never hide a contribution by themselves
        [one] { $threshold } report hides a contribution pending review
       *[other] { $threshold } reports hide a contribution pending review
    }
report-participation-phases = **Phases:**
report-pphase-contract = Participation contract
report-pphase-strategy = Participative strategy
report-pphase-instruction = Instruction
report-pphase-answer = Answers
report-participation-phase = **{ $phase }**: from { $opens }, opened by { $name } on { $date } ({ $record })
report-participation-phase-until = **{ $phase }**: from { $opens } until { $closes }, opened by { $name } on { $date } ({ $record })
report-participation-phase-none = **{ $phase }**: not opened
report-participation-commitments = **Commitments** (as of { $date }):
report-participation-commitments-none = No commitments.
report-participation-commitment = { $id } { $text } — **{ $status }**
report-commitment-kept = kept
report-commitment-pending = pending
report-commitment-broken = broken
report-participation-counts = **Contributions:** { $count }
report-participation-by-author = By author: { $list }
report-participation-by-status = By status: { $list }
report-participation-by-answer = By answer: { $list }
report-count = { $label } { $count }
report-author-citizen = citizen
report-author-association = association
report-author-expert = expert
report-author-elected = elected official
report-author-agent = agent
report-author-other = other
report-contribution-status-submitted = awaiting an answer
report-contribution-status-withdrawn = withdrawn
report-contribution-status-hidden = hidden
report-contribution-status-answered = answered
report-answer-retained = retained
report-answer-partially-retained = partially retained
report-answer-not-retained = not retained
report-answer-out-of-scope = out of scope
report-answer-already-covered = already covered
report-answer-deferred = deferred
report-participation-syntheses = **Syntheses published:**
report-participation-syntheses-none = No synthesis published.
report-participation-synthesis = { $date }, by { $name }: { $hash } (method { $method })
report-participation-closed = **Closed** on { $date } by { $name }
report-participation-not-closed = **Not closed yet.**
report-participation-paths = Contributions’ paths
report-participation-paths-none = No contributions.
report-contribution = { $id } “{ $title }” — { $author } { $pseudonym }, { $category }, { $channel } — **{ $status }**
report-contribution-hidden = { $id } — **hidden by a moderator**: { $reason } (clause { $clause }); its title and text are not shown
report-contribution-hidden-pending = { $id } — **hidden pending review** after { $count ->
        [one] { $count } report
       *[other] { $count } reports
    }; its title and text are not shown
report-channel-device = online
report-channel-meeting = at a meeting
report-channel-paper = on paper
report-channel-mail = by mail
report-step-submitted = submitted
report-step-revised = revised (wording { $number })
report-step-linked = linked: { $relation } { $target }
report-relation-duplicate-of = duplicate of
report-relation-merged-into = merged into
report-relation-split-from = split from
report-step-reported = reported: { $reason }
report-reason-spam = spam
report-reason-offensive = offensive
report-reason-off-topic = off topic
report-reason-personal-data = personal data
report-reason-other = other reason
report-step-hidden-by-reports = hidden pending review (report threshold reached)
report-step-hidden = hidden by { $name }: { $reason } (clause { $clause })
report-step-restored = restored by { $name }: { $reason } (clause { $clause })
report-step-answered = answered by { $name }: **{ $state }**
report-step-answer-revised = answer revised by { $name }: **{ $state }**
report-step-late = {" "}(after the deadline)
report-step-landed = landed in { $sections }
report-step-withdrawn = withdrawn
report-event-participation-opened = Participation “{ $title }” opened by { $name }
report-event-participation-phase = “{ $title }”: { $phase } opens
report-event-contribution = Contribution “{ $title }” to “{ $participation }”
report-event-contribution-hidden = Contribution { $id } to “{ $participation }” (hidden)
report-event-contribution-moderated = Contribution { $id } { $hide ->
        [yes] hidden
       *[no] restored
    } by { $name }
report-event-answer = Answer to contribution { $id }: { $state }
report-event-synthesis = Synthesis of “{ $participation }” published
report-event-participation-closed = “{ $title }” closed
