# The synthesis and the open data of a participation (`nous synthesis`,
# `nous participation export|name|erase|names`), and the syntheses
# `nous verify` recomputed.

# A permille as a percentage with one decimal.
opendata-percent = { $whole }.{ $tenth } %
opendata-unattributed = the organiser's own editing
opendata-unanswered = unanswered
opendata-nothing = none
opendata-bytes = { $count ->
    [one] { $count } byte
   *[other] { $count } bytes
}
opendata-kib = { $count } KiB

opendata-synthesis-head = Synthesis of “{ $title }” ({ $id })
opendata-synthesis-contributions = Contributions: { $count } ({ $hidden } hidden, { $withdrawn } withdrawn)
opendata-synthesis-by-author = By author: { $detail } — citizens' share { $share }
opendata-synthesis-by-state = Answers: { $detail }
opendata-synthesis-retained = Retained in whole or part: { $count } — citizens' share { $share }
opendata-synthesis-text = Text: { $words } words now; { $added } words ({ $chars } characters) added, { $kept } characters kept, { $removed } removed
opendata-synthesis-added-by = Words added, credited to: { $detail } — citizens' share { $share }
opendata-synthesis-sections = Per section:
opendata-synthesis-title-part = (title and preamble)
opendata-synthesis-section = {"  "}{ $heading }: { $words } words, { $added } added; { $contributions ->
    [one] { $contributions } contribution
   *[other] { $contributions } contributions
}, { $retained } retained
opendata-synthesis-commitments = Commitments: { $kept } kept, { $pending } pending, { $broken } broken
opendata-synthesis-hash = Hash { $hash } (method { $method })
opendata-synthesis-published = Published: record { $record }

opendata-exists = { $file } exists: add --force to overwrite it
opendata-exporting = Writing the open data to { $file }…
opendata-cannot-write = cannot write { $file }
opendata-exported = Wrote { $file }: { $files } files, { $contributions ->
    [one] { $contributions } contribution
   *[other] { $contributions } contributions
}, { $size }
opendata-exported-published = The synthesis in it is the one published by record { $record }.
opendata-exported-computed = The synthesis in it was computed now (none published yet).

opendata-unknown-pseudonym = no contribution of this participation is under the pseudonym { $pseudonym }
opendata-named = { $pseudonym } will appear as “{ $name }” in this home's exports (kept in this home only; erase it with `nous participation erase { $pseudonym }`)
opendata-erased = Erased the name of { $pseudonym }: later exports show the pseudonym only
opendata-no-name = No name was kept for { $pseudonym }
opendata-no-names = No names given with consent for this participation
opendata-names-head = { $count ->
    [one] { $count } name given with consent (kept in this home only):
   *[other] { $count } names given with consent (kept in this home only):
}

# $reproduced: yes, no.
opendata-verify-synthesis = Synthesis { $record } of participation { $participation }: { $reproduced ->
    [yes] reproduced (hash { $hash })
   *[no] NOT reproduced
}
