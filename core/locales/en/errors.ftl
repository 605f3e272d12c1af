# errors — en
#
# What went wrong, as `nous_api::Error::localized` says it (api/src/error.rs):
# the errors a member meets in the normal course of things. The English
# text is each error's `Display` (a test checks); errors without a message
# here are said in English in every language. Every message also exists in
# fr/errors.ftl.

# $what: what was looked for, its words with dashes for spaces (`member`,
# `records`, `an-amendment`).
error-what = { $what ->
    [record-of-this-community] record of this community
    [single-device-of-this-community] single device of this community
    [an-amendment] an amendment
    [an-application] an application
    [a-participation] a participation
    [a-contribution] a contribution
   *[other] { $what }
}

error-not-a-home = { $path } is not a Nous home (run `nous init`)
error-already-a-home = { $path } is already a Nous home
error-key-missing = no device key at { $path } (run `nous init`)
error-key-exists = a device key already exists at { $path }
error-key-too-open = device key { $path } is readable by others (mode { $mode }); run `chmod 600 { $path }`
error-no-document = no document matches `{ $name }`
error-ambiguous-document = `{ $name }` matches several documents ({ $candidates }); give more of the id
error-not-a-charter = document { $doc } is not a charter
# $kind: the kind of record in words (kind-…); $gender: its gender
# (kind-gender), which English does not need.
error-refused = { $kind } refused{ $gender ->
   *[other] {""}
}: { $reason }
error-no-community-yet = this home belongs to no community yet
error-several-communities = this home knows several communities: give --community
error-no-community-match = no community matches `{ $name }`
error-ambiguous-community = `{ $name }` matches several communities
error-no-match = no { $what } matches `{ $query }`
error-ambiguous-ref = `{ $query }` matches several { $what } ({ $candidates }); give more of the id
error-wrong-kind = record { $id } is not { $what }
error-bad-record-ref = `{ $text }` is not a record id (give at least 4 hex characters)
error-change-syntax = `{ $text }` is not a change hash or hash prefix
error-change-too-short = `{ $text }` is too short: give at least { $min } hex characters
error-change-unknown = no change in this document matches `{ $text }`
error-change-ambiguous = `{ $text }` is ambiguous: it matches { $count } changes; give more characters
error-store-locked = the store { $path } is in use by another process
error-relay-url = `{ $url }` is not a relay URL (expected ws://HOST:PORT)
error-relay-tls = `{ $url }`: TLS relays are not supported by this client yet; use ws://
error-relay-unreachable = relay at { $url }: { $detail }
error-relay-connect = cannot connect to the relay: { $detail }
error-relay-disconnected = the connection to the relay ended: { $detail }
error-relay-stopped = the sync engine stopped
error-relay-refused = the relay's answer was refused: { $detail }

# Joining through an invitation.
error-join-not-a-link = not a Nous invitation (it starts with `nous:invite/1/`)
error-join-damaged-link = damaged invitation: { $detail }
error-join-wrong-relay = the relay's key is not the one the invitation names
error-join-unknown = the relay refused the invitation: no such invitation on this relay
error-join-closed = the relay refused the invitation: the invitation is no longer valid (expired, revoked or used up)
error-join-proof = the relay refused the invitation: the invitation proof does not hold for this device
error-join-application = the relay refused the application: { $reason }
error-join-welcome = the relay's welcome is not usable: { $detail }
error-join-choose-college = choose a college with --college ({ $colleges })
error-join-no-college = there is no college `{ $college }` (colleges: { $colleges })
error-join-no-name = an application needs a name

# What the caller gave is not valid (`nous_api::Invalid`).
# $text: `="…"` (what NOUS_NOW holds, quoted), or nothing.
error-not-a-time = NOUS_NOW{ $text } is not a time (YYYY-MM-DD, YYYY-MM-DDTHH:MM in UTC, or milliseconds)
error-markdown-too-large = it is { $bytes } bytes long; a charter imports at most { $max } bytes of Markdown
error-markdown-too-many-sections = it has more than { $max } headings; a charter imports at most { $max } sections
error-markdown-too-many-articles = it has more than { $max } articles; a charter imports at most { $max }
error-markdown-too-deep = line { $line } is nested more than { $max } levels deep in lists and block quotes; a charter imports at most { $max }
error-record-id = `{ $text }` is not a record id (64 hex characters)
error-no-tag = give a tag to add or remove
error-no-section = no section `{ $name }` in this charter or its history
error-not-a-community-charter = document { $doc } is not the charter of a community of this home
error-no-title = document { $doc } has no title here: give a title
error-decline-needs-reason = a decline needs a reason
error-suspension-needs-end = a suspension needs an end: a date or a number of days
error-charter-not-here = the charter version in force is not in this home (import the community's bundle)
error-no-conflict-id = give the id of a conflict (see `nous conflicts`)
error-conflict-resolved = conflict { $id } is already resolved: its words were edited since the merge
error-nothing-to-export = there are no documents to export
error-token-too-short = a token must live at least one second
error-relays-damaged = { $path } is damaged: { $detail }
error-relay-key-changed = relay at { $relay } now has key { $key }, not { $pinned } as before; if it was reinstalled on purpose, remove it from { $path }
error-session-ended = the sync session ended
error-session-panicked = the sync session panicked
error-unexpected-record = unexpected record
error-json = { $detail }
error-not-a-pseudonym = `{ $text }` is not a pseudonym (p- and 10 hex digits)
error-bad-name = a name must be 1 to { $max } characters, on one line
error-names-damaged = { $path } is damaged: { $detail }

# Record kinds, as people read them (`nous_core::record::Kind::said`):
# `kind-` and the kind's name with dashes for dots. English keeps the
# name written in records (JSON always does). A test checks every kind.
# kind-gender: the words' grammatical gender, for messages that agree
# with them ($gender); English has none.
kind-community-genesis = community.genesis
kind-member-apply = member.apply
kind-member-sign-charter = member.sign-charter
kind-member-leave = member.leave
kind-member-sanction = member.sanction
kind-member-exclude = member.exclude
kind-device-certify = device.certify
kind-device-revoke = device.revoke
kind-challenge = challenge
kind-amendment-propose = amendment.propose
kind-amendment-submit = amendment.submit
kind-amendment-round = amendment.round
kind-amendment-withdraw = amendment.withdraw
kind-react = react
kind-objection-test = objection.test
kind-decide = decide
kind-ratify = ratify
kind-rules-propose = rules.propose
kind-tension-open = tension.open
kind-tension-update = tension.update
kind-content-attest = content.attest
kind-document-share = document.share
kind-invitation-issue = invitation.issue
kind-invitation-revoke = invitation.revoke
kind-challenge-close = challenge.close
kind-participation-open = participation.open
kind-participation-contract = participation.contract
kind-participation-phase = participation.phase
kind-participation-commitment = participation.commitment
kind-participation-close = participation.close
kind-contribution-submit = contribution.submit
kind-contribution-amend = contribution.amend
kind-contribution-withdraw = contribution.withdraw
kind-contribution-support = contribution.support
kind-contribution-link = contribution.link
kind-moderation-report = moderation.report
kind-moderation-hide = moderation.hide
kind-moderation-restore = moderation.restore
kind-answer-publish = answer.publish
kind-synthesis-publish = synthesis.publish
kind-gender = { $kind ->
   *[other] neuter
}

# A community whose records cannot be resolved at all
# (`nous_core::governance::ResolveError`).
error-no-genesis = the genesis record of community { $community } is missing
# $problem: one of the error-genesis-… below.
error-bad-genesis = the genesis record is invalid: { $problem }
error-not-exportable = community { $community } cannot be exported: { $reason }
error-genesis-not-a-genesis = not a genesis record
error-genesis-no-founder = names no founder
error-genesis-not-by-a-founder = is not signed by a founder
error-genesis-college = college `{ $college }` is empty or repeated
error-genesis-unsound-key = founder { $name } has an unsound key
error-genesis-no-college = founder { $name } is in no known college
# $act: amend, admit, exclude or rules.
error-genesis-rule = rule for { $act }: { $reason }
error-join-invited-college = the invitation is for college `{ $college }`
