# Public participation: `nous participation`, `contribute`, `contribution`,
# `moderate`, `answer`.

participation-error-moderators-only = only the participation's moderators may see hidden contributions
participation-bad-commitment = `{ $text }` is not a commitment: give ID:CHECK:TEXT, CHECK being answers, synthesis or manual
participation-bad-location = `{ $text }` is not a place: give LAT,LON in degrees
participation-choose-category = choose a category with --category ({ $categories })
participation-none = this community has no participation yet
participation-several = this community has several participations: name one
participation-default-commitment = Every contribution gets an argued answer by the answer deadline
participation-default-category = General

# $phase: contract, strategy, instruction, answer.
participation-phase = { $phase ->
    [contract] participatory contract
    [strategy] participatory strategy
    [instruction] instruction
   *[answer] argued answers
}
# $channel: device, meeting, paper, mail.
participation-channel = { $channel ->
    [device] own device
    [meeting] meeting
    [paper] paper
   *[mail] mail
}
# $author: citizen, association, expert, elected, agent, other.
participation-author = { $author ->
    [citizen] citizen
    [association] association
    [expert] expert
    [elected] elected member
    [agent] agent
   *[other] other
}
# $status: submitted, withdrawn, hidden, answered.
participation-status = { $status ->
    [submitted] awaiting its answer
    [withdrawn] withdrawn
    [hidden] hidden
   *[answered] answered
}
# $state: an answer's state.
participation-answer-state = { $state ->
    [retained] retained
    [partially-retained] partially retained
    [not-retained] not retained
    [out-of-scope] out of scope
    [already-covered] already covered
   *[deferred] deferred
}
# $who: anyone, invited, members.
participation-contributors = { $who ->
    [anyone] anyone
    [invited] invitation holders
   *[members] members
}
# $event: what happened to a contribution.
participation-event = { $event ->
    [submitted] submitted
    [revised] reworded
    [linked] linked
    [reported] reported
    [hidden-by-reports] hidden by reports, pending review
    [hidden] hidden by a moderator
    [restored] restored
    [answered] answered
    [answer-revised] answer revised
    [landed] landed in the text
   *[withdrawn] withdrawn
}
# $reason: a report's reason.
participation-report-reason = { $reason ->
    [spam] spam
    [offensive] offensive
    [off-topic] off topic
    [personal-data] personal data
   *[other] other
}
participation-relation = { $relation ->
    [duplicate-of] duplicate of
    [merged-into] merged into
   *[split-from] split from
} { $target }
# $status: kept, pending, broken.
participation-commitment-status = { $status ->
    [kept] kept
    [pending] pending
   *[broken] BROKEN
}

participation-opened = Opened the participation “{ $title }”, answers due { $due }
participation-phase-opened = Opened the { $phase } phase from { $at }
participation-phase-until = {" "}until { $at }
participation-contract-revised = Revised the participatory contract
participation-commitment-settled = Commitment { $commitment } settled: { $kept ->
    [kept] kept
   *[broken] broken
}
participation-closed = Closed the participation
participation-contributed = Contributed “{ $title }”
participation-transcribed = Transcribed “{ $title }” ({ $channel })
participation-amended = Reworded the contribution
participation-withdrawn = Withdrew the contribution
participation-supported = Supported the contribution
participation-linked = Linked the contribution ({ $relation })
participation-reported = Reported the contribution
participation-hid = Hid the contribution
participation-restored = Restored the contribution
participation-answered = Answered: { $state }
participation-answer-revises = {" "}(revising the earlier answer)
participation-answer-late = {" "}— after the answer deadline: the commitment is broken

participation-closed-word = closed
participation-not-started = no phase open yet
participation-list-line = { $id }  { $title } — { $phase }, { $count ->
    [one] { $count } contribution
   *[other] { $count } contributions
}
participation-show-head = Participation “{ $title }” ({ $id })
participation-show-closed = Closed { $at }: { $summary }
participation-show-phase-open = Phase now: { $phase } — taking contributions
participation-show-phase = Phase now: { $phase } — contributions frozen
participation-show-docs = Text under consultation: { $text } · participatory contract: { $contract } ({ $revisions ->
    [0] never revised
    [one] revised once
   *[other] revised { $revisions } times
})
participation-show-due = Answers due: { $at }
participation-show-timeline = Phases:
participation-show-from = from { $at }
participation-show-frozen = {" "}— no contributions
participation-show-takes = {" "}— from { $who }: { $channels }
participation-show-closed-at = closed { $at }
participation-show-commitments = Commitments:
participation-count = { $what } { $count }
participation-show-counts = Contributions: { $count } ({ $detail })
participation-show-answers = Answers: { $detail }
participation-show-pending-review = { $count ->
    [one] { $count } contribution hidden by reports waits for a moderator's review
   *[other] { $count } contributions hidden by reports wait for a moderator's review
}
participation-show-overdue = Commitment broken: { $count ->
    [one] { $count } contribution has no answer past the deadline
   *[other] { $count } contributions have no answer past the deadline
}
participation-show-unanswered = { $count ->
    [one] { $count } contribution awaits its answer
   *[other] { $count } contributions await their answer
}

participation-no-contributions = no contributions
participation-hidden-mark = hidden
participation-hidden-by-reports = hidden pending review ({ $count ->
    [one] { $count } report
   *[other] { $count } reports
})
participation-hidden-by-moderator = hidden by a moderator: { $reason } (clause { $clause })
participation-contribution-head = “{ $title }” ({ $id })
participation-contribution-hidden-head = Contribution { $id }: { $why }
participation-contribution-who = From { $pseudonym } ({ $author }), category { $category }, through { $channel }
participation-contribution-for = , on behalf of { $whom }
participation-contribution-state = Now: { $status }; { $supporters ->
    [one] { $supporters } supporter
   *[other] { $supporters } supporters
}
participation-contribution-anchor = On section { $section }
participation-contribution-answer = Answer: { $state } ({ $at })
participation-contribution-late = {"  "}(after the answer deadline: the commitment is broken)
participation-contribution-timeline = What happened to it:

# `nous todo`.
todo-answer-contribution = The contribution "{ $title }" awaits its argued answer (due { $due })
todo-review-hidden = A contribution to "{ $title }" hidden by reports awaits your review
