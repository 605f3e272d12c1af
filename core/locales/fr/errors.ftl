# errors — fr
#
# Ce qui n'a pas marché, tel que `nous_api::Error::localized` le dit
# (api/src/error.rs) : les erreurs qu'un membre rencontre d'ordinaire. Les
# erreurs sans message ici restent en anglais. Chaque message existe aussi
# dans en/errors.ftl, avec les mêmes variables.

# $what : ce qui était cherché, ses mots liés par des tirets (`member`,
# `records`, `an-amendment`).
error-what = { $what ->
    [member] membre
    [members] membres
    [record-of-this-community] acte de cette communauté
    [records] actes
    [conflict] conflit
    [conflicts] conflits
    [single-device-of-this-community] appareil unique de cette communauté
    [an-amendment] un amendement
    [an-application] une candidature
   *[other] { $what }
}

error-not-a-home = { $path } n'est pas un dossier Nous (lancez `nous init`)
error-already-a-home = { $path } est déjà un dossier Nous
error-key-missing = aucune clé d'appareil dans { $path } (lancez `nous init`)
error-key-exists = une clé d'appareil existe déjà dans { $path }
error-key-too-open = la clé d'appareil { $path } est lisible par d'autres (mode { $mode }) ; lancez `chmod 600 { $path }`
error-no-document = aucun document ne correspond à « { $name } »
error-ambiguous-document = « { $name } » correspond à plusieurs documents ({ $candidates }) ; donnez davantage de l'identifiant
error-not-a-charter = le document { $doc } n'est pas une charte
error-refused = { $kind } refusé : { $reason }
error-no-community-yet = ce dossier n'appartient encore à aucune communauté
error-several-communities = ce dossier connaît plusieurs communautés : indiquez --community
error-no-community-match = aucune communauté ne correspond à « { $name } »
error-ambiguous-community = « { $name } » correspond à plusieurs communautés
error-no-match = aucun { $what } ne correspond à « { $query } »
error-ambiguous-ref = « { $query } » correspond à plusieurs { $what } ({ $candidates }) ; donnez davantage de l'identifiant
error-wrong-kind = l'acte { $id } n'est pas { $what }
error-bad-record-ref = « { $text } » n'est pas un identifiant d'acte (donnez au moins 4 caractères hexadécimaux)
error-change-syntax = « { $text } » n'est pas une empreinte de modification ni son début
error-change-too-short = « { $text } » est trop court : donnez au moins { $min } caractères hexadécimaux
error-change-unknown = aucune modification de ce document ne correspond à « { $text } »
error-change-ambiguous = « { $text } » est ambigu : { $count } modifications y correspondent ; donnez davantage de caractères
error-store-locked = la base { $path } est utilisée par un autre processus
error-relay-url = « { $url } » n'est pas l'adresse d'un relais (attendu : ws://HÔTE:PORT)
error-relay-tls = « { $url } » : ce client ne prend pas encore en charge les relais TLS ; utilisez ws://
error-relay-unreachable = relais { $url } : { $detail }
error-relay-connect = impossible de joindre le relais : { $detail }
error-relay-disconnected = la connexion au relais s'est interrompue : { $detail }
error-relay-stopped = le moteur de synchronisation s'est arrêté
error-relay-refused = la réponse du relais a été refusée : { $detail }

# Rejoindre par une invitation.
error-join-not-a-link = ce n'est pas une invitation Nous (elle commence par `nous:invite/1/`)
error-join-damaged-link = invitation abîmée : { $detail }
error-join-wrong-relay = la clé du relais n'est pas celle que nomme l'invitation
error-join-unknown = le relais a refusé l'invitation : il ne connaît pas cette invitation
error-join-closed = le relais a refusé l'invitation : elle n'est plus valable (expirée, révoquée ou épuisée)
error-join-proof = le relais a refusé l'invitation : la preuve d'invitation ne vaut pas pour cet appareil
error-join-application = le relais a refusé la candidature : { $reason }
error-join-welcome = l'accueil du relais est inutilisable : { $detail }
error-join-choose-college = choisissez un collège avec --college ({ $colleges })
error-join-no-college = il n'y a pas de collège `{ $college }` (collèges : { $colleges })
error-join-no-name = une candidature demande un nom
