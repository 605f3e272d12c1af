# Nous — messages in English.
#
# Every message here exists in fr/messages.ftl with the same id, the same
# attributes and the same variables (a test checks). JSON output never
# uses these.

## Counts

members-count = { $count ->
    [one] { $count } member
   *[other] { $count } members
}

## Errors on the command line

error-line = error: { $message }
usage-separator = {"; "}
usage-see-help = see --help
usage-unknown-command = unrecognised command `{ $command }`
usage-unknown-argument = unexpected argument `{ $argument }`
usage-did-you-mean = did you mean { $suggestions }?
usage-invalid-value = invalid value `{ $value }` for `{ $argument }`
usage-possible-values = possible values: { $values }
usage-missing = missing { $count ->
    [one] argument
   *[other] arguments
}: { $arguments }
usage-missing-command = a command is needed: { $commands }
usage-conflict = `{ $argument }` cannot be used with `{ $other }`
usage-conflict-alone = `{ $argument }` cannot be given here
usage-too-many = too many values for `{ $argument }`
usage-too-few = not enough values for `{ $argument }`
usage-unexpected-value = `{ $argument }` takes no value
usage-invalid-utf8 = an argument is not valid UTF-8
usage-other = invalid arguments: { $detail }
usage-unknown-language = unknown language `{ $language }` (Nous speaks: en, fr)

## Help headings

help-usage = Usage:
help-commands = Commands:
help-arguments = Arguments:
help-options = Options:
help-possible-values = [possible values: { $values }]
help-default = [default: { $value }]
help-flag-help = Print help (see more with '--help')
help-flag-help-long = Print help (see a summary with '-h')
help-flag-version = Print version
help-command-help = Print this message or the help of the given subcommand(s)

## nous todo

todo-nothing = Nothing awaits you.
todo-heading = { $count ->
    [one] One thing awaits you, most urgent first:
   *[other] { $count } things await you, most urgent first:
}
todo-where = { $community }, since { $since }
todo-my-hearing = Your exclusion is proposed: the hearing is on { $due }
todo-sign-charter = You were admitted to "{ $title }": sign the charter in force to join
todo-decide-application = The application of { $title } awaits a decision (possible from { $due })
todo-react-amendment = The amendment "{ $title }" awaits your reaction
todo-react-proposal = The proposal about { $title } awaits your reaction
todo-exclusion-hearing = The hearing on the exclusion of { $title } is on { $due }; the decision follows it
todo-test-objection = An objection to "{ $title }" awaits its test
todo-integrate-objection = An objection to your amendment "{ $title }" awaits integration
todo-confirm-resolved = Your objection to "{ $title }" was integrated: confirm it is resolved
todo-resubmit = Your amendment "{ $title }" went stale: submit it again
todo-ratify = The adopted amendment "{ $title }" awaits your ratification
todo-take-up-tension = The tension "{ $title }" awaits someone to take it up
todo-new-after-sync = { $count ->
    [one] One new thing awaits you: nous todo
   *[other] { $count } new things await you: nous todo
}
