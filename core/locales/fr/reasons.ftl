# reasons — fr
#
# Pourquoi la gouvernance a jugé ainsi (core/src/governance/reason.rs) : un
# message `reason-<code>` par code, avec les arguments du code pour
# variables. Le JSON et le rapport de `nous verify` gardent le texte
# anglais ; ces messages sont ce que lit une personne qui parle français.
# Chaque message existe aussi dans en/reasons.ftl (un test le vérifie).

# $what : la sorte d'acte que nomme un renvoi.
reason-what = { $what ->
    [tension] tension
    [amendment] amendement
    [challenge] interpellation
    [proposal] proposition
    [objection] objection
    [application] candidature
    [decision] décision
    [invitation] invitation
   *[other] { $what }
}

reason-other-community = appartient à une autre communauté ({ $community })
reason-signature-fails = la signature n'est pas valide
reason-concurrent-with-removal = concurrent du retrait de son auteur ou autrice (acte { $record })
reason-waits-for-record = attend l'acte { $record }
reason-builds-on-invalid = s'appuie sur l'acte invalide { $record }
reason-timestamp-before-parent = sa date est antérieure à celle d'un acte sur lequel il s'appuie
reason-second-genesis = une communauté n'a qu'un acte fondateur
reason-not-certified-device = l'appareil { $device } n'est pas, à ce moment, l'appareil certifié d'un membre
reason-member-left = le membre { $member } était parti
reason-member-excluded = le membre { $member } avait été exclu
reason-member-suspended = le membre { $member } est suspendu
reason-member-gone = { $member } n'est plus membre
reason-no-such-member = ce membre n'existe pas
reason-no-longer-member = n'est plus membre
reason-refers-to-unknown = renvoie à un acte inconnu ({ $what } { $record })
reason-refers-without-building = renvoie à l'acte { $record } ({ $what }) sans s'appuyer dessus
reason-refers-to-rejected = renvoie à un acte rejeté ({ $what } { $record })
reason-own-case = on n'agit pas sur son propre cas
reason-facilitator-only = seule la facilitation peut le faire
reason-not-a-tension = renvoie à un acte qui n'est pas une tension
reason-not-an-amendment = renvoie à un acte qui n'est pas un amendement
reason-not-a-challenge = renvoie à un acte qui n'est pas une interpellation
reason-not-an-application = renvoie à un acte qui n'est pas une candidature
reason-tension-not-escalated = seule une tension escaladée devient une interpellation
reason-promote-not-rejected = seul un amendement rejeté peut être repris
reason-promote-not-proposer = seule la personne qui l'a proposé reprend un amendement
reason-no-section = ne nomme aucune section
reason-no-tension = n'énonce aucune tension
reason-no-example = ne donne aucun exemple concret
reason-challenge-inadmissible = répond à une interpellation irrecevable ({ $reason })
reason-amendment-needs-title = un amendement a besoin d'un titre
reason-amendment-needs-rationale = un amendement a besoin d'une justification
reason-not-from-version-in-force = ne part pas de la version en vigueur
reason-submit-not-author = seuls la personne qui propose et les coauteurs soumettent des rédactions
reason-amendment-phase = l'amendement est à l'état « { $phase } »
reason-wording-no-heads = une rédaction nomme les têtes du brouillon
reason-wording-no-section = une rédaction change au moins une section
reason-integrates-non-objection = intègre { $record }, qui n'est pas une objection à cet amendement
reason-integrates-unconfirmed = en intégrant des objections, la personne qui propose doit confirmer que la tension reste traitée
reason-unknown-amendment = amendement inconnu
reason-round-not-proposer = seule la personne qui propose ouvre le tour d'objections
reason-withdraw-not-proposer = seule la personne qui propose retire un amendement
reason-ratify-not-adopted = seul un amendement adopté se ratifie ; celui-ci est à l'état « { $phase } »
reason-version-no-heads = une version nomme ses têtes
reason-already-signed = ce membre a déjà signé
reason-other-heads = nomme d'autres têtes que la ratification { $record } sur laquelle il s'appuie
reason-rule-change-needs-rationale = un changement de règle a besoin d'une justification
reason-questions-members-applicants = seuls les membres et les candidats posent des questions
reason-objection-needs-criteria = une objection indique les critères qu'elle remplit
reason-criteria-a-to-e = les critères vont de a à e
reason-objection-needs-argument = une objection a besoin de son argument
reason-names-objection-resolved = nomme l'objection levée
reason-amendment-not-submitted = l'amendement n'est pas encore soumis
reason-amendment-stale = l'amendement est périmé : attendez que la personne qui le propose le soumette à nouveau
reason-not-current-wording = réagit à une rédaction qui n'est pas l'actuelle
reason-amend-no-block = la règle des amendements ne permet pas de blocage
reason-react-not-a-proposal = réagit à un acte qui n'est pas une proposition
reason-decision-closed = la décision est close
reason-rule-no-block = cette règle ne permet pas de blocage
reason-folded-again = concurrent d'un acte plus récent sur le même sujet (rejugé)
reason-test-not-an-objection = examine un acte qui n'est pas une objection
reason-unknown-objection = objection inconnue
reason-objector-unknown = l'auteur ou l'autrice de l'objection est inconnu
reason-objection-subject-unknown = le sujet de l'objection est inconnu
reason-objection-not-counted = l'objection n'a pas été comptée
reason-wording-not-built-on = renvoie à la rédaction { $record } sans s'appuyer dessus
reason-cannot-adopt = adoption impossible : l'amendement est à l'état « { $phase } »
reason-cannot-adopt-open = adoption impossible : l'amendement est à l'état « { $phase } » ({ $open ->
    [one] { $open } objection ouverte
   *[other] { $open } objections ouvertes
})
reason-rule-not-met = la règle n'est pas remplie ({ $tally })
reason-cannot-reject = rejet impossible : l'amendement est à l'état « { $phase } »
reason-rejection-needs-reason = un rejet doit être motivé
reason-delay-not-passed = le délai de { $days ->
    [one] { $days } jour
   *[other] { $days } jours
} n'est pas écoulé (il prend fin le { $ends } UTC)
reason-rule-met = la règle est remplie : on ne peut pas rejeter
reason-decided-concurrently = un acte plus ancien et concurrent sur cet amendement prévaut (une décision, son retrait ou une nouvelle rédaction)
reason-decide-not-a-proposal = décide d'un acte qui n'est pas une proposition
reason-already-decided = c'est déjà décidé
reason-own-exclusion-decision = on ne décide pas de sa propre exclusion
reason-decision-before-hearing = la décision vient après l'audition
reason-decline-needs-reason = un refus ou un rejet doit être motivé
reason-confirms-unraised = confirme une objection qui n'a pas été soulevée ici
reason-confirm-not-objector = seule la personne qui a objecté confirme que son objection est levée
reason-percentages-max = les pourcentages vont jusqu'à 100
reason-rule-needs-signer = une règle demande au moins une signature
reason-no-college = il n'y a pas de collège « { $college } »
reason-threshold-needed = il faut un seuil
reason-closed-by-withdrawal = c'est déjà clos, en même temps, par un retrait plus ancien (acte { $record })
reason-new-wording-concurrently = une nouvelle rédaction a été soumise en même temps, avant lui (acte { $record })
reason-signature-concurrently = une signature plus ancienne et concurrente de cet amendement tient : signez à nouveau une fois qu'elle vous est parvenue
reason-tension-update-concurrently = une mise à jour plus ancienne et concurrente de cette tension tient
reason-decided-by-older = c'est déjà décidé, en même temps, par une décision plus ancienne (acte { $record })
reason-share-needs-title = un document partagé a besoin d'un titre
reason-unsound-device-key = la clé de l'appareil n'est pas une clé ed25519 valable
reason-already-member = est déjà membre
reason-application-needs-name = une candidature a besoin d'un nom
reason-open-application = cet appareil a déjà une candidature en cours
reason-sign-not-applicant = seule la personne candidate signe la charte pour sa candidature
reason-application-signed = déjà membre : cette candidature a été signée
reason-application-not-admitted = la candidature n'est pas admise
reason-sign-not-in-force = signe une version qui n'est pas celle en vigueur
reason-leave-not-member = seul un membre peut partir
reason-sanction-needs-reasons = une sanction doit être motivée
reason-suspension-end = une suspension doit finir après avoir commencé
reason-own-exclusion = on ne propose pas sa propre exclusion
reason-exclusion-needs-reasons = une exclusion doit être motivée
reason-notice-before-proposal = la notification précède la proposition
reason-hearing-too-soon = l'audition doit venir au moins { $days ->
    [one] { $days } jour
   *[other] { $days } jours
} après la notification
reason-exclusion-open = une exclusion de ce membre est déjà en cours
reason-device-known = cet appareil est déjà connu de la communauté
reason-revoke-not-member = seul l'appareil d'un membre peut révoquer un appareil
reason-unknown-device = appareil inconnu
reason-revoke-not-own = on ne révoque que ses propres appareils
reason-already-revoked = déjà révoqué
reason-attests-nothing = n'atteste aucune modification
reason-tension-needs-summary = une tension a besoin d'un résumé
reason-tension-transition = une tension ne passe pas de « { $from } » à « { $to } »
reason-not-resolved = non résolu
reason-draft-changes-nothing = le brouillon ne change encore rien
reason-no-wording = l'amendement n'a pas de rédaction
reason-record-invalid = { $detail }
reason-tally = { $method } : { $detail } ; { $participants }/{ $electorate } ont pris part (quorum { $quorum } %{ $met ->
    [true] , atteint
   *[other] , non atteint
}){ $waiting ->
    [true] {" ; "}{ $delay }
   *[other] {""}
}{ $blocked ->
    [true] {" ; "}bloqué
   *[other] {""}
}
reason-tally-consent = { $open ->
    [one] { $open } objection ouverte
   *[other] { $open } objections ouvertes
}, { $blocks ->
    [one] { $blocks } blocage
   *[other] { $blocks } blocages
}
reason-tally-consensus = { $participants ->
    [one] { $participants } participant
   *[other] { $participants } participants
}, { $open ->
    [one] { $open } objection ouverte
   *[other] { $open } objections ouvertes
}, { $no } contre
reason-tally-majority = { $yes } pour, { $no } contre
reason-tally-qualified = { $yes } pour, { $no } contre, { $threshold } % requis
reason-tally-unanimity = { $yes } sur { $electorate } pour
reason-tally-lazy = le silence vaut consentement ; { $open ->
    [one] { $open } objection ouverte
   *[other] { $open } objections ouvertes
}, { $no } contre
reason-tally-advice = la personne qui propose décide ; avis { $given ->
    [true] donné
   *[other] non sollicité
}
reason-tally-advice-others = seule la personne qui propose décide, selon la sollicitation d'avis
reason-tally-rule-change = règle des changements de règle : { $change } | ancienne règle : { $old } | nouvelle règle : { $new }

## Autour des raisons

# `nous verify` : un acte rejeté ou en attente, comme le rapport le dit.
# $kind : la sorte d'acte en mots (kind-… dans errors.ftl) ; $gender : son genre.
verify-record-rejected = { $kind } { $gender ->
    [feminine] rejetée
   *[other] rejeté
} : { $reason }
verify-record-pending = { $kind } en attente : { $reason }

# Clore une interpellation.
reason-withdraw-only-author = seul son auteur ou autrice retire une interpellation
reason-challenge-decline-needs-reason = écarter une interpellation demande une raison
reason-challenge-answered = l'interpellation a reçu la réponse d'un amendement ratifié
reason-challenge-already-closed = l'interpellation est déjà close
reason-answers-closed-challenge = répond à une interpellation close

# Invitations.
reason-unsound-invitation-key = la clé de l'invitation n'est pas une clé ed25519 valable
reason-invitation-expires-too-soon = une invitation doit expirer après avoir été émise
reason-invitation-no-uses = une invitation doit admettre au moins une candidature
reason-not-an-invitation = { $record } n'est pas une invitation
reason-invitation-already-revoked = l'invitation est déjà révoquée
reason-invitation-proof-fails = la preuve d'invitation ne vaut pas pour cet appareil
reason-invitation-expired = l'invitation a expiré
reason-invitation-revoked = l'invitation a été révoquée
reason-invitation-used-up = l'invitation a servi autant de fois qu'elle le permet
reason-invitation-for-college = l'invitation est pour le collège `{ $college }`
reason-revoke-only-issuer = seul l'appareil qui a émis une invitation la révoque

# Participation publique.
reason-not-in-role = l'auteur n'a dans cette participation aucun rôle qui le permette
reason-not-a-participation = { $record } n'est pas une participation
reason-not-a-contribution = { $record } n'est pas une contribution
reason-participation-members-only = seuls les membres peuvent participer pendant cette phase
reason-participation-needs-invitation = cette phase demande un code d'invitation
reason-participation-needs-title = une participation doit avoir un titre
reason-participation-needs-category = une participation doit avoir au moins une catégorie de contributions
reason-participation-categories-unique = les identifiants de catégorie doivent être uniques et non vides
reason-answer-due-in-past = l'échéance des réponses doit venir après l'ouverture
reason-participation-closed = la participation est close
reason-commitment-removed = l'engagement { $commitment } ne peut plus être retiré une fois les contributions ouvertes
reason-commitments-malformed = chaque engagement doit avoir un identifiant unique et un texte
reason-phase-out-of-order = la phase { $phase } ne peut pas venir après la phase { $before }
reason-phase-dates = une phase doit s'ouvrir après la participation et se fermer après son ouverture
reason-no-category = il n'y a pas de catégorie { $category }
reason-no-commitment = il n'y a pas d'engagement { $commitment }
reason-commitment-not-manual = l'engagement { $commitment } se constate d'après les actes, il ne se déclare pas à la main
reason-evidence-needed = déclarer un engagement tenu ou rompu demande une preuve
reason-commitment-settled = l'engagement a déjà été déclaré
reason-contributions-unanswered = { $count ->
    [one] une contribution n'a pas encore de réponse
   *[other] { $count } contributions n'ont pas encore de réponse
}
reason-contributions-closed = la participation ne prend pas de contributions à ce moment
reason-channel-not-taken = cette phase ne prend pas de contributions par { $channel }
reason-category-not-taken = cette phase ne prend pas de contributions dans la catégorie { $category }
reason-contribution-needs-title = une contribution doit avoir un titre
reason-contribution-needs-text = une contribution doit avoir un texte
reason-text-too-long = un texte peut compter au plus { $max } caractères
reason-on-behalf-needs-transcription = seule une transcription parle au nom de quelqu'un
reason-agent-members-only = seuls les membres de l'organisateur contribuent en tant qu'agents
reason-transcription-needs-whom = une transcription dit au nom de qui elle parle
reason-contribution-not-own = seul l'appareil qui a déposé une contribution peut la modifier ou la retirer
reason-contribution-withdrawn = la contribution a été retirée
reason-contribution-answered = la contribution a déjà sa réponse
reason-support-own = on ne soutient pas sa propre contribution
reason-link-other-participation = un lien relie deux contributions différentes d'une même participation
reason-moderation-needs-reason = un acte de modération doit être motivé
reason-moderation-needs-clause = un acte de modération cite la clause du contrat qu'il applique
reason-not-hidden = la contribution n'est pas masquée
reason-answer-needs-argument = une réponse doit être argumentée, quel que soit son sens
reason-answer-must-revise = la contribution a déjà une réponse : une nouvelle la révise
reason-revises-unknown-answer = { $record } n'est pas une réponse à cette contribution
reason-synthesis-other-text = une synthèse mesure le texte de la participation elle-même
reason-synthesis-method = méthode de synthèse inconnue : { $method }
reason-synthesis-hash = l'empreinte d'une synthèse compte 64 chiffres hexadécimaux en minuscules
