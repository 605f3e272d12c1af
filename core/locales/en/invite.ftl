# `nous community invite`, `nous community uninvite`, `nous join`.

invite-made = Invitation to "{ $community }"{ $college ->
    [any] {""}
   *[other] {" "}(college { $college })
}, valid until { $until }, for { $uses ->
    [one] one application
   *[other] { $uses } applications
}.
invite-secret = Hand over this link: it is a secret, whoever holds it may read the charter and apply.
invite-how = To join: nous join LINK --name "Your name"
invite-unpublished = Not on the relay yet: it could not be reached. Run `nous sync { $relay }` before handing the link over.
invite-bad-duration = `{ $text }` is not a duration: write minutes, hours or days (30m, 12h, 7d)
invite-no-relay = name the relay with --relay ws://HOST:PORT (this home knows { $count ->
    [0] no relay
    [one] { $count } relay
   *[other] { $count } relays: { $relays }
})
invite-revoked = Invitation revoked: applications made with it from now on are refused
joined = You applied to join "{ $community }" (college { $college }): application { $application }.
joined-charter = Its charter in force: "{ $title }", version { $version } (nous charter show { $charter }).
joined-next = Members will decide. Follow with `nous sync { $relay }`; once admitted, sign the charter: nous member sign { $application }
joined-waiting = Waiting for the members of "{ $community }" to decide (Ctrl-C to stop waiting; your application stays).
joined-admitted = Admitted to "{ $community }": sign the charter to become a member: nous member sign { $application }
joined-declined = Your application to "{ $community }" was declined: { $reason }
joined-still-pending = No decision yet; your application waits. Follow with `nous sync`.
joined-colleges = Its colleges: { $colleges }.
joined-rules = Its rules: { $rules }.
