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
error-refused = { $kind } refused: { $reason }
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
