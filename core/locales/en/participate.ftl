# A citizen in a participation, through a relay (`nous-api`'s `participate`).

error-participate-not-a-link = not a Nous participation link (it starts with `nous:participate/1/`)
error-participate-damaged-link = damaged participation link: { $detail }
error-participate-wrong-relay = the relay's key is not the one the participation link names
error-participate-unknown = the relay knows no such participation
error-participate-rate = the relay refused the record: too many records; try again in a minute
error-participate-refused = the relay refused the record: { $reason }
error-participate-answer = the relay's answer is not usable: { $detail }
error-participate-empty = a contribution needs a title and a text
# The relay's own refusals of a citizen's record, by code (governance's
# are said from reasons.ftl); $max: the relay's size cap in bytes.
error-participate-relay = { $code ->
    [kind] a citizen's device may not write this kind of record through the relay
    [channel] a contribution sent through the relay comes from its author's own device
    [community] the record is for another community than the participation's
    [participation] the record bears on another participation
    [too-large] the record is larger than the relay takes
    [author] the record is signed by another device than the one sending it
    [record] this is not a sound record
    [request] the relay did not understand the request
   *[other] the relay could not keep the record
}

# `nous participation link` and the citizen's commands (`--link`).
# $title: the participation's title.
participate-link-made = Participation link for “{ $title }”, for citizens:
participate-link-public = Anyone who holds it may read the participation and, while a phase takes contributions from anyone, contribute from their own device without becoming a member.
participate-link-secret = This link carries an invitation's secret: whoever holds it may contribute while a phase takes invited contributors. Hand it only to those you mean to invite.
participate-link-how = They run: nous participation show --link LINK, then nous contribute --link LINK … (their device key is their only pseudonym; nothing personal is signed).
# $title: the participation; $community: the organising community.
participate-show-head = { $title } — organised by { $community }
participate-show-closed = Closed: contributions and answers are final.
# $phase: the phase in force; $at: since when.
participate-show-phase = Phase in force: { $phase }, from { $at }
# $who: who may contribute.
participate-show-open = Takes contributions now, from { $who }.
participate-show-not-open = Takes no contributions now.
# $categories: the categories, comma-separated.
participate-show-categories = Categories: { $categories }
participate-show-text = The text under consultation:
# $count: how many contributions.
participate-show-contributions = { $count ->
    [one] { $count } contribution:
   *[other] { $count } contributions:
}
# $count: how many devices support it.
participate-supports = { $count ->
    [one] { $count } support
   *[other] { $count } supports
}
participate-sent = Sent to the relay: the community's members receive it at their next sync.
participate-no-transcription = Only the organiser's team transcribes contributions from meetings, paper or mail; a citizen contributes from their own device.
# $id: what was typed.
participate-no-contribution = No contribution { $id } in this participation.
participate-ambiguous = Several contributions start with { $id }: give more of the id.
# $pseudonym: the author's pseudonym; $author: their type; $category: the category.
participate-contribution-who = From { $pseudonym } ({ $author }), category { $category }
participate-awaiting-answer = awaiting its argued answer
# $what: the command (`answer`, `moderate hide`…).
participate-members-only = `nous { $what }` is for the organiser's team, members of the community; a participation link lets a citizen contribute, amend, withdraw, support and report, nothing else.
