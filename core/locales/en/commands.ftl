# commands — en
#
# What the document, conflict and relay commands say to people
# (cli/src/commands.rs, conflicts.rs, relay.rs). Ids begin `commands-`:
# ids beginning `cmd-` are the help's (fr/help.ftl). Every message here
# exists in fr/commands.ftl with the same variables (a test checks).

## Files and errors

commands-no-home = no home directory: give --home DIR or set NOUS_HOME
commands-cannot-read = cannot read { $path }
commands-cannot-write = cannot write { $path }
commands-cannot-write-in = cannot write in { $dir }
commands-import-file = { $path }:
commands-cannot-import = cannot import { $path }
commands-too-large = { $path } is larger than { $mib } MiB
commands-reading-stdin = reading stdin
commands-not-utf8 = { $path } is not valid UTF-8 (invalid byte at offset { $offset })
commands-wrote = Wrote { $path } ({ $bytes } bytes)
commands-warning = warning: { $warning }

## Saving an edit

commands-saved-change = { $what } (change { $change })
commands-nothing-to-change = Nothing to change.

## init

commands-init-created =
    Created a Nous home in { $home }
    This device: { $device }

## charter new, list, show, sections

commands-new-no-title-line = give a TITLE: { $path } does not start with a `# Title` line
commands-new-no-title = give a TITLE, or --from FILE.md
commands-charter-created = Created charter { $id } "{ $title }" ({ $count } sections)
commands-no-documents = No documents yet. Create one with `nous charter new TITLE`.
commands-column-id = ID
commands-column-title = TITLE
commands-column-changes = CHANGES
commands-column-role = ROLE
commands-role-charter = charter
commands-role-draft = draft
commands-role-shared = shared
commands-column-updated = UPDATED
commands-column-level = LVL
commands-column-heading = HEADING
commands-column-tags = TAGS
commands-column-articles = ARTICLES
commands-version-in-force = Version { $number } in force
commands-version-in-force-unratified = Version { $number } in force; { $count ->
    [one] { $count } change not ratified
   *[other] { $count } changes not ratified
} (see them with --latest)
commands-open-conflicts-in-latest = { $count ->
    [one] { $count } open conflict
   *[other] { $count } open conflicts
} in the latest text: see `nous conflicts { $doc }`

## charter edit, add-section, move-section, remove-section, tag

commands-edit-changed-meanwhile = { $part ->
    [title] the title
    [preamble] the preamble
   *[section] section "{ $heading }"
} changed while you were editing
commands-edit-saved = { $part ->
    [title] Saved the title
    [preamble] Saved the preamble
   *[section] Saved section "{ $heading }"
}
commands-editor-no-temporary-file = cannot create a temporary file for the editor
commands-editor-cannot-write-temporary-file = cannot write the temporary file
commands-editor-cannot-start = cannot start the editor `{ $editor }`
commands-editor-failed = the editor exited with { $status }; nothing was changed
commands-section-added = Added section { $section } "{ $heading }"
commands-section-moved = Moved section { $section }
commands-section-removed = Removed section { $section } "{ $heading }" (it stays in the history)
commands-tag-nothing = give --add TAG or --remove TAG
commands-section-tags = Section { $section } tags: { $tags }
commands-no-tags = (none)

## history

commands-no-changes = No changes.
commands-history-device = device { $device }
commands-history-actor = actor { $actor }
commands-history-no-message = (no message)
commands-touched-title = title
commands-touched-preamble = preamble
commands-touched-order = section order
commands-touched-document = document

## diff

commands-no-differences = No differences.
commands-diff-title = Title: "{ $before }" → "{ $after }"
commands-diff-preamble = Preamble:
commands-diff-section-added = § { $heading } ({ $id }) added
commands-diff-section-removed = § { $heading } ({ $id }) removed
commands-diff-section-changed = § { $heading } ({ $id }): { $notes }
commands-diff-separator = {"; "}
commands-diff-renamed = renamed from "{ $old }"
commands-diff-moved = moved
commands-diff-level-was = level was { $level }
commands-diff-tagged = tagged { $tags }
commands-diff-untagged = untagged { $tags }
commands-diff-text-changed = text changed

## bundle export, bundle import

commands-bundling = Bundling
commands-bundle-written = Wrote { $docs } { $docs ->
    [one] document
   *[other] documents
} to { $path } ({ $bytes } bytes)
commands-bundle-written-with-records = Wrote { $docs } { $docs ->
    [one] document
   *[other] documents
} and { $records } signed { $records ->
    [one] record
   *[other] records
} to { $path } ({ $bytes } bytes)
commands-import-added = added
commands-import-merged = merged { $count } new { $count ->
    [one] change
   *[other] changes
}
commands-import-unchanged = unchanged
commands-import-line = { $id }  "{ $title }"  { $what }
commands-import-records = { $count } signed { $count ->
    [one] record
   *[other] records
}, { $new } new

## conflicts

commands-conflict-in-title = the title
commands-conflict-in-preamble = the preamble
commands-conflict-in-heading = the heading of § { $heading }
commands-conflict-in-section = § { $heading }
commands-conflict-in-article = article { $number } of § { $heading }
commands-conflict-heading = conflict { $id } in { $place } ({ $state ->
    [open] open
   *[resolved] resolved
})
commands-conflict-before = before:  “{ $text }”
commands-conflict-side = { $side }: { $authors } ({ $when }) wrote “{ $text }”
commands-conflict-merged = merged:  “{ $text }”
commands-conflict-resolve-hint = resolve: nous conflicts resolve { $id } --take a|b  (or --text …, --editor)
commands-no-conflicts = No conflicts.
commands-no-open-conflicts = No open conflicts.
commands-conflict-document = “{ $title }” ({ $doc })
commands-conflict-resolved-meanwhile = conflict { $id } was resolved while you were editing; nothing was changed
commands-conflict-resolved = Resolved conflict { $id }: now reads “{ $text }”
commands-conflict-created = conflict { $id } in { $place }: { $authors_a } wrote “{ $text_a }”, { $authors_b } wrote “{ $text_b }”; see `nous conflicts { $doc }`
commands-conflict-open = conflict { $id } in { $place }: “{ $text_a }” ({ $authors_a }) / “{ $text_b }” ({ $authors_b }); merged as “{ $merged }”

## serve, token, sync

commands-relay-listening = relay { $relay } listening on { $url } (Ctrl-C to stop)
commands-token-lifetime-zero = --lifetime must be at least one second
commands-token-issued =
    { $url }
    peer id: { $peer_id }
    expires in { $lifetime } s; usable once
commands-syncing = syncing
commands-synced-with = synced with { $relay }
commands-sync-up-to-date = { $count ->
    [one] { $count } document already up to date
   *[other] { $count } documents already up to date
}
commands-sync-added = added
commands-sync-merged = { $count ->
    [one] merged { $count } change
   *[other] merged { $count } changes
}
commands-sync-unchanged = unchanged
commands-sync-unavailable = unavailable (not on the relay, or not shared with you)
commands-sync-incomplete = incomplete (timed out; run again)
commands-sync-not-synced = not synced: { $reason }
commands-sync-watching = watching { $relay } ({ $count ->
    [one] { $count } document
   *[other] { $count } documents
}); Ctrl-C to stop
commands-sync-unfinished = the sync did not finish: { $parts }
commands-sync-separator = {"; "}
commands-sync-failed-part = { $id }: { $reason }
commands-sync-timed-out-part = { $count ->
    [one] { $count } document timed out (run again)
   *[other] { $count } documents timed out (run again)
}

## sync: what went each way
commands-sync-registered = the relay now hosts “{ $name }” (registered with { $count ->
    [one] { $count } record
   *[other] { $count } records
})
commands-sync-counts = { $documents ->
    [one] { $documents } document
   *[other] { $documents } documents
} ({ $changes ->
    [one] { $changes } change
   *[other] { $changes } changes
}), { $records ->
    [one] { $records } record
   *[other] { $records } records
}
commands-sync-sent = sent: { $counts }
commands-sync-received = received: { $counts }
commands-sync-sent-changes = { $count ->
    [one] sent { $count } change
   *[other] sent { $count } changes
}
commands-sync-kept-no-community = { $count ->
    [one] stays on this device, in none of your communities (a relay hosts communities' documents): { $docs }
   *[other] stay on this device, in none of your communities (a relay hosts communities' documents): { $docs }
}
commands-sync-kept-read-only = { $count ->
    [one] you may only read it on the relay: your changes stay on this device: { $docs }
   *[other] you may only read them on the relay: your changes stay on this device: { $docs }
}

## --editor: texts kept when their save is refused (cli/src/kept.rs)
kept-not-saved = not saved; your text is kept in { $path } (`--editor` opens it again, `--discard-kept` drops it)
kept-reopened = Opening the text kept from a save that was refused: { $path }
kept-discarded = Dropped the kept text { $path }
kept-nothing = No kept text to drop ({ $path })
kept-still-there = Note: a text kept from a refused save is still in { $path } (`--editor` opens it, `--discard-kept` drops it)
kept-cannot-write = cannot keep the text in { $path }
kept-cannot-remove = cannot remove the kept text { $path }

## charter archive, restore, list --archived (a mark in this home only)
commands-archived = { $changed ->
    [yes] { $archived ->
        [yes] Archived "{ $title }" ({ $id }) in this home: hidden from lists, kept whole (`nous charter restore` brings it back)
       *[no] Restored "{ $title }" ({ $id }) to this home's lists
    }
   *[no] { $archived ->
        [yes] "{ $title }" ({ $id }) was already archived
       *[no] "{ $title }" ({ $id }) was not archived
    }
}
commands-no-archived-documents = No archived documents.
commands-only-archived-documents = No documents in the list: { $count } archived (see them with --archived or --all).
commands-archived-hidden = { $count ->
    [one] { $count } archived document not shown
   *[other] { $count } archived documents not shown
} (--archived or --all)
commands-archived-mark = (archived)

## Progress bars (on a terminal only)
progress-verifying = verifying
progress-importing = importing { $file }

## history: the messages Nous writes in changes (`nous_core::history::ChangeMessage`),
## as written; $id: a section's or a conflict's id.
history-message-create-charter = create charter
history-message-edit-title = edit title
history-message-edit-preamble = edit preamble
history-message-edit-section = edit section { $id }
history-message-add-section = add section
history-message-move-section = move section { $id }
history-message-remove-section = remove section { $id }
history-message-tag-section = tag section { $id }
history-message-resolve-conflict = resolve conflict { $id }
history-message-amend = amend

## verify: what a rejected act or a problem is (`nous_core::verify::Problem::what`).
verify-what = { $what ->
   *[other] { $what }
}
