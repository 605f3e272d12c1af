# demo — en
#
# What `nous demo` says while it runs (cli/src/demo.rs). The sample
# charter and the members' words are content, in French in both languages.
# Every message here exists in fr/demo.ftl with the same variables.

demo-directory-not-empty = { $dir } already holds demo homes; choose an empty directory
demo-cannot-create = cannot create { $dir }
demo-cannot-create-temporary = cannot create a temporary directory
demo-homes = Homes in { $path }
demo-device-alice = Alice's device { $device }
demo-device-bob = Bob's device   { $device }
demo-imported = Alice imports the sample charter: { $doc } "{ $title }", { $count } sections
demo-sent = { $from } → { $to }: bundle of { $bytes } bytes, { $outcome }
demo-sent-added = added
demo-sent-merged = { $count } new changes merged
demo-sent-nothing-new = nothing new
demo-offline = Offline and at the same time:
demo-offline-alice = Alice: « sur demande écrite » → « sur demande écrite ou orale » (Adhésion), and a line in the preamble
demo-offline-bob = Bob:   « d'un mois » → « de quinze jours » (Adhésion), and a new section « Données personnelles »
demo-exchange = They exchange bundles:
demo-converged = Converged: { $converged ->
    [yes] yes
   *[no] NO
} (heads { $heads }); both edits to « Adhésion » kept: { $kept ->
    [yes] yes
   *[no] NO
}
demo-history = History (Alice's copy):
demo-diff = Diff since Alice's import ({ $heads }):
demo-merged-section = The merged section « Adhésion »:
demo-not-converged = the two copies did not converge
demo-verified = Verified offline: { $verdict ->
    [accepted] accepted
   *[rejected] REJECTED
} ({ $count } records; report hash { $hash })
demo-bundle-kept = The community's bundle is in { $path }: check it with `nous verify { $path }`
demo-does-not-verify = the demo community's bundle does not verify: { $problem }

## Through a relay

demo-relay-did-not-start = the relay did not start
demo-relay-starts = A relay starts on { $url } (its key { $key }):
demo-relay-alice-syncs = Alice syncs: the community is now hosted there ({ $count ->
    [one] { $count } document sent
   *[other] { $count } documents sent
})
demo-relay-bob-edits = Bob edits « Départ » and syncs; Alice syncs and has it: { $reached ->
    [yes] yes
   *[no] NO
} ({ $count ->
    [one] { $count } document merged
   *[other] { $count } documents merged
})
demo-relay-outsider = Dana, not a member, asks for the charter: { $outcome ->
    [nothing] unavailable, as if it did not exist
   *[leaked] SHE GOT IT
}
demo-relay-thread-failed = the relay thread failed
demo-relay-stops = The relay stops and flushes its store.
demo-relay-failed = the relay part of the demo failed

## Governance

demo-governance = Governance
demo-founded = Alice and Bob found « Les Communs » ({ $id }), version 1 of the charter in force
demo-chloe-joins = Chloé applies to the learners' college; Bob admits her (consent: no objection); she signs the charter in force
demo-chloe-challenges = Chloé challenges « Départ et exclusion » and submits amendment « Droit d'être entendu » ({ $id })
demo-bob-objects = Bob objects (criteria a–d); Alice, facilitator, finds the objection valid
demo-adopted = Chloé integrates it; Bob confirms it resolved; Alice consents; adopted by consent ({ $id })
demo-not-ratified = the amendment was not ratified
demo-ratified = Alice and Bob sign the ratification: version { $version } of the charter is in force
demo-section-in-force = « Départ et exclusion », version { $version }:
