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

# Ce que l'appelant a donné n'est pas valable (`nous_api::Invalid`).
# $text : `="…"` (ce que contient NOUS_NOW, entre guillemets), ou rien.
error-not-a-time = NOUS_NOW{ $text } n'est pas un moment (AAAA-MM-JJ, AAAA-MM-JJTHH:MM en UTC, ou des millisecondes)
error-markdown-too-large = le texte fait { $bytes } octets ; une charte importe au plus { $max } octets de Markdown
error-markdown-too-many-sections = le texte a plus de { $max } titres ; une charte importe au plus { $max } sections
error-markdown-too-many-articles = le texte a plus de { $max } articles ; une charte en importe au plus { $max }
error-markdown-too-deep = la ligne { $line } est imbriquée sur plus de { $max } niveaux de listes et de citations ; une charte en importe au plus { $max }
error-record-id = « { $text } » n'est pas un identifiant d'acte (64 caractères hexadécimaux)
error-no-tag = donnez une étiquette à ajouter ou à retirer
error-no-section = aucune section « { $name } » dans cette charte ni dans son historique
error-not-a-community-charter = le document { $doc } n'est la charte d'aucune communauté de ce dossier
error-no-title = le document { $doc } n'a pas de titre ici : donnez un titre
error-decline-needs-reason = un refus demande une raison
error-suspension-needs-end = une suspension demande une fin : une date ou un nombre de jours
error-charter-not-here = la version en vigueur de la charte n'est pas dans ce dossier (importez le paquet de la communauté)
error-no-conflict-id = donnez l'identifiant d'un conflit (voir `nous conflicts`)
error-conflict-resolved = le conflit { $id } est déjà résolu : ses mots ont été modifiés depuis la fusion
error-nothing-to-export = il n'y a aucun document à exporter
error-token-too-short = un jeton doit vivre au moins une seconde
error-relays-damaged = { $path } est abîmé : { $detail }
error-relay-key-changed = le relais { $relay } a maintenant la clé { $key }, et non plus { $pinned } ; s'il a été réinstallé exprès, retirez-le de { $path }
error-session-ended = la session de synchronisation s'est terminée
error-session-panicked = la session de synchronisation a planté
error-unexpected-record = acte inattendu
error-json = échec de l'écriture JSON : { $detail }
