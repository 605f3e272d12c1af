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
    [a-participation] une participation
    [a-contribution] une contribution
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
# $kind : la sorte d'acte en mots (kind-…) ; $gender : son genre
# (kind-gender).
error-refused = { $kind } { $gender ->
    [feminine] refusée
   *[other] refusé
} : { $reason }
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
error-not-a-pseudonym = « { $text } » n'est pas un pseudonyme (p- et 10 chiffres hexadécimaux)
error-bad-name = un nom doit compter de 1 à { $max } caractères, sur une ligne
error-names-damaged = { $path } est abîmé : { $detail }

# Les sortes d'actes, telles que les gens les lisent
# (`nous_core::record::Kind::said`) : `kind-` et le nom de la sorte, ses
# points changés en tirets. Le JSON garde le nom écrit dans les actes.
# kind-gender : le genre des mots, pour les messages qui s'accordent
# avec eux ($gender).
kind-community-genesis = fondation de la communauté
kind-member-apply = candidature
kind-member-sign-charter = signature de la charte
kind-member-leave = départ
kind-member-sanction = sanction
kind-member-exclude = exclusion
kind-device-certify = certification d'appareil
kind-device-revoke = révocation d'appareil
kind-challenge = interpellation
kind-amendment-propose = proposition d'amendement
kind-amendment-submit = soumission d'amendement
kind-amendment-round = ouverture du tour d'objections
kind-amendment-withdraw = retrait d'amendement
kind-react = réaction
kind-objection-test = test d'objection
kind-decide = décision
kind-ratify = ratification
kind-rules-propose = proposition de règle
kind-tension-open = ouverture de tension
kind-tension-update = mise à jour de tension
kind-content-attest = attestation de contenu
kind-document-share = partage de document
kind-invitation-issue = invitation
kind-invitation-revoke = révocation d'invitation
kind-challenge-close = clôture d'interpellation
kind-participation-open = ouverture de participation
kind-participation-contract = révision du contrat participatif
kind-participation-phase = ouverture de phase
kind-participation-commitment = bilan d'engagement
kind-participation-close = clôture de participation
kind-contribution-submit = contribution
kind-contribution-amend = modification de contribution
kind-contribution-withdraw = retrait de contribution
kind-contribution-support = soutien
kind-contribution-link = lien entre contributions
kind-moderation-report = signalement
kind-moderation-hide = masquage
kind-moderation-restore = rétablissement
kind-answer-publish = réponse argumentée
kind-synthesis-publish = publication de synthèse
kind-gender = { $kind ->
    [community-genesis] feminine
    [member-apply] feminine
    [member-sign-charter] feminine
    [member-leave] masculine
    [member-sanction] feminine
    [member-exclude] feminine
    [device-certify] feminine
    [device-revoke] feminine
    [challenge] feminine
    [amendment-propose] feminine
    [amendment-submit] feminine
    [amendment-round] feminine
    [amendment-withdraw] masculine
    [react] feminine
    [objection-test] masculine
    [decide] feminine
    [ratify] feminine
    [rules-propose] feminine
    [tension-open] feminine
    [tension-update] feminine
    [content-attest] feminine
    [document-share] masculine
    [invitation-issue] feminine
    [invitation-revoke] feminine
    [challenge-close] feminine
    [participation-open] feminine
    [participation-contract] feminine
    [participation-phase] feminine
    [participation-commitment] masculine
    [participation-close] feminine
    [contribution-submit] feminine
    [contribution-amend] feminine
    [contribution-withdraw] masculine
    [contribution-support] masculine
    [contribution-link] masculine
    [moderation-report] masculine
    [moderation-hide] masculine
    [moderation-restore] masculine
    [answer-publish] feminine
    [synthesis-publish] feminine
   *[other] unknown
}

# Une communauté dont les actes ne peuvent pas du tout être résolus
# (`nous_core::governance::ResolveError`).
error-no-genesis = l'acte de fondation de la communauté { $community } manque
# $problem : l'un des error-genesis-… ci-dessous.
error-bad-genesis = l'acte de fondation n'est pas valable : { $problem }
error-not-exportable = la communauté { $community } ne peut pas être exportée : { $reason }
error-genesis-not-a-genesis = ce n'est pas un acte de fondation
error-genesis-no-founder = il ne nomme aucun fondateur
error-genesis-not-by-a-founder = il n'est signé par aucun fondateur
error-genesis-college = le collège « { $college } » est vide ou répété
error-genesis-unsound-key = la clé du fondateur { $name } n'est pas saine
error-genesis-no-college = le fondateur { $name } n'est dans aucun collège connu
# $act : amend, admit, exclude ou rules.
error-genesis-rule = la règle { $act ->
    [amend] des amendements
    [admit] des admissions
    [exclude] des exclusions
    [rules] des changements de règles
   *[other] « { $act } »
} : { $reason }
error-join-invited-college = l'invitation est pour le collège `{ $college }`
