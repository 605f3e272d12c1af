# demo_participation — en
#
# What `nous demo participation` says while it runs
# (cli/src/demo_participation.rs). The text under consultation, the
# contributions and the answers are content, in French in both languages.
# Every message here exists in fr/demo_participation.ftl with the same
# variables.

demo-participation-not-as-told = the demo did not go as told: { $what }
# $step: the step whose outcome was not the one told.
demo-participation-expected = { $step ->
    [view] the citizen could not read the participation through the relay
    [hidden] three reports did not hide the contribution pending review
    [received] the facilitator's sync did not bring the five contributions
    [moderated] the moderator's hiding did not hold
    [late] the late contribution was not refused as contributions are closed
    [close-refused] closing was not refused while a contribution had no answer
    [synthesis] the synthesis does not credit the citizens as told
    [commitments] the participation did not close with its three commitments kept
    [named] the open-data archive does not carry the name given with consent
    [verified] the bundle did not verify, or the synthesis was not reproduced
    [timeline] the citizen could not follow her contribution into the text
   *[other] { $step }
}
demo-participation-day = Day { $day }: { $what }
demo-participation-homes = Homes in { $path }
demo-participation-relay = A relay starts on { $url } (its key { $key })
demo-participation-opening = La Métropole opens a participation
demo-participation-opened = Fred, facilitator of « La Métropole » (with Alice and Bob, agents), opens « Plan vélo » on the draft plan, four sections ({ $id }); phase: contract
demo-participation-commitments = Its contrat participatif commits to three things: an argued answer to every contribution by day 60, a synthesis, a public feedback meeting (checked by hand)
demo-participation-members-sync = Fred syncs: the relay hosts the community; Alice and Bob sync
demo-participation-strategy = the strategy phase opens for 30 days, to anyone, on every channel
demo-participation-link = The participation link: { $link }
demo-participation-citizens = citizens contribute through the relay
demo-participation-zoe-reads = Zoé, who is no member, reads « { $title } » by « { $community } » with its text and its contract
demo-participation-contributed = { $who } contributes: « { $title } »
demo-participation-supports = { $who } supports { $whose }'s contribution
demo-participation-association = The association { $who } contributes: « { $title } »
demo-participation-reported = { $who } posts an offensive contribution; Zoé, Yann and Vélo-Cité report it: hidden pending review
demo-participation-paper = a paper form comes in at the town hall
demo-participation-transcribed = Alice, agent, transcribes it: « { $title } » (channel: paper, on behalf of « { $whom } »)
demo-participation-bob-supports = Bob, agent, supports it
demo-participation-moderation = moderation
demo-participation-received = Fred syncs: { $records } new records; { $count } contributions, { $pending } hidden pending review
demo-participation-hidden = Fred, moderator, confirms the hiding, citing « { $clause } »
demo-participation-instruction = instruction, which freezes contributions
demo-participation-late = { $who } tries one more contribution: refused, { $reason }
demo-participation-edits = Fred writes two contributions into the text
demo-participation-edited = He edits « { $first } » (separated tracks) and « { $second } » (school streets), and signs his changes
demo-participation-answer-phase = the answer phase
demo-participation-close-refused = Fred tries to close: refused, { $reason }
demo-participation-answered = Answer to « { $title } » ({ $whose }): { $state }, with its argument
demo-participation-closing = synthesis and closing
demo-participation-synthesis = Fred declares the feedback meeting held, with evidence, and publishes the synthesis ({ $id }):
demo-participation-synthesis-contributions = { $count } contributions ({ $hidden } hidden), { $share }% from citizens
demo-participation-synthesis-retained = { $count } contributions retained from citizens, { $share }% of those retained
demo-participation-synthesis-text = { $words } words added to the text, { $share }% credited to citizens
# $commitment: its text (content, in French); $status: kept, pending, broken.
demo-participation-commitment = { $status }: { $commitment }
demo-participation-closed = The participation closes.
demo-participation-open-data = Open data: an archive of { $files } files ({ $rows } rows in its tables, { $bytes } bytes), valid against its datapackage.json
demo-participation-named = Zoé agreed to be named: the archive shows « { $name } » beside her pseudonym
demo-participation-verified = Verified offline: { $verdict ->
    [accepted] accepted
   *[rejected] REJECTED
}; synthesis reproduced: { $reproduced ->
    [yes] yes
   *[no] NO
} (report hash { $hash })
demo-participation-zoe-follows = Zoé follows her contribution:
demo-participation-zoe-answer = Through the relay: { $state }, « { $argument } »
demo-participation-timeline = day { $day }: { $event }
demo-participation-kept = The homes are in { $path } (explore them with `nous --home { $path }/fred …`); the open-data archive is { $archive }
