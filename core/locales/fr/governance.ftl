# governance — fr
#
# Ce que les commandes de gouvernance (cli/src/governance/) affichent pour
# les personnes : résumés des actes consignés, tableaux, erreurs. Chaque
# message existe aussi dans en/governance.ftl, avec le même identifiant et
# les mêmes variables (un test le vérifie). Les mots tapés sur la ligne de
# commande (`adopted`, `consent`) restent tels quels là où ce sont des
# valeurs à taper ; les sélecteurs ci-dessous les nomment.

## Actes consignés

# $summary : ce que l'acte a fait ; $record : l'identifiant court de l'acte.
gov-recorded = { $summary } (acte { $record })
gov-not-a-date = « { $text } » n'est pas une date (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM, UTC)

## Les valeurs du moteur, en mots

gov-method = { $method ->
    [consent] consentement
    [consensus] consensus
    [majority] majorité
    [qualified] majorité qualifiée
    [unanimity] unanimité
    [weighted] vote pondéré
    [lazy] consensus tacite
    [advice] sollicitation d'avis
   *[other] { $method }
}
gov-phase = { $phase ->
    [draft] brouillon
    [proposed] proposé
    [reactions] réactions
    [objection-round] tour d'objections
    [integrating] intégration
    [stale] périmé
    [adopted] adopté
    [merged] ratifié
    [withdrawn] retiré
    [rejected] rejeté
   *[other] { $phase }
}
gov-stance = { $stance ->
    [question] question
    [consent] consentement
    [concern] préoccupation
    [objection] objection
    [abstain] abstention
    [stand-aside] retrait
    [block] blocage
    [yes] pour
    [no] contre
    [resolved] objection levée
   *[other] { $stance }
}
gov-tension-status = { $status ->
    [open] ouverte
    [in-process] en cours
    [resolved] résolue
    [escalated] escaladée
   *[other] { $status }
}
gov-tension-path = { $path ->
    [request] demande
    [mediation] médiation
    [governance] gouvernance
    [conduct] conduite
   *[other] { $path }
}
gov-sanction-level = { $level ->
    [correction] rappel à l'ordre
    [warning] avertissement
    [suspension] suspension
   *[other] { $level }
}
gov-access = { $access ->
    [public] public
   *[members] membres
}

## Règles de décision

gov-rule-quorum = quorum { $percent } %
gov-rule-threshold = seuil { $percent } %
gov-rule-days = au moins { $days ->
    [one] { $days } jour
   *[other] { $days } jours
}
gov-rule-signers = { $signers ->
    [one] { $signers } signataire
   *[other] { $signers } signataires
}
gov-rule-electorate = décidé par { $colleges }
gov-rule-block = blocage permis
gov-rule-proposed = Règle proposée : { $act } par { $rule } ; elle doit passer selon la règle des changements de règle, l'ancienne règle et la nouvelle

## Communautés

gov-college-weight = « { $spec } » : le poids est un nombre entier
gov-college-id = « { $spec } » : un collège a besoin d'un identifiant
gov-founder-spec = « { $spec } » : un fondateur ou une fondatrice s'écrit CLÉ:NOM:COLLÈGE
gov-founded = Communauté « { $name } » fondée, identifiant { $id }
gov-no-community = Aucune communauté pour l'instant. Fondez-en une avec `nous community create NOM --charter DOC`.
gov-community-line = { $id }  { $name }  { $members ->
    [one] { $members } membre
   *[other] { $members } membres
}
gov-community-unusable = { $id }  (inutilisable : { $reason })
gov-community-charter = Charte { $charter } : version { $version } en vigueur ({ $hash })
gov-community-members = Membres : { $count }
gov-community-college = { $name } ({ $id }, poids { $weight }) : { $count }
gov-community-open = En cours : { $applications ->
    [one] { $applications } candidature
   *[other] { $applications } candidatures
}, { $challenges ->
    [one] { $challenges } interpellation
   *[other] { $challenges } interpellations
}, { $amendments ->
    [one] { $amendments } amendement
   *[other] { $amendments } amendements
}, { $tensions ->
    [one] { $tensions } tension
   *[other] { $tensions } tensions
}
gov-community-documents = Documents partagés : { $count }
gov-community-document = { $doc }  { $access }  « { $title } »  partagé par { $member }
gov-community-problems = { $count ->
    [one] { $count } acte rejeté ou en attente
   *[other] { $count } actes rejetés ou en attente
} (voir `nous verify`)
gov-share-give-title = { $error } (option --title)
gov-shared-public = « { $title } » partagé avec « { $community } » : tout le monde le lit, les membres l'écrivent
gov-shared-members = « { $title } » partagé avec « { $community } » : les membres le lisent et l'écrivent

## Membres

gov-applied = Candidature déposée pour rejoindre « { $community } » au collège { $college }
gov-admitted = Candidature de { $name } admise : l'adhésion prend effet à la signature de la charte en vigueur (`nous member sign`)
gov-decline-needs-reason = un refus doit être motivé : donnez --reason
gov-declined = Candidature refusée
gov-signed = Version { $version } de la charte signée ({ $hash }) : bienvenue dans « { $community } »
gov-left = Vous avez quitté « { $community } »
gov-suspension-needs-end = une suspension a besoin de --until DATE ou de --days N
gov-sanctioned = { $level ->
    [correction] Rappel à l'ordre
    [warning] Avertissement
   *[suspension] Suspension
} pour { $member }
gov-exclusion-proposed = Exclusion de { $member } proposée ; audition le { $hearing } ; décidez ensuite avec `nous decide`
gov-column-member = MEMBRE
gov-column-name = NOM
gov-column-college = COLLÈGE
gov-column-status = STATUT
gov-member-active = actif
gov-member-suspended = suspendu jusqu'au { $until }
gov-member-left = parti
gov-member-excluded = exclu
gov-applications = Candidatures :
gov-application-pending = en attente
gov-application-admitted = admise, en attente de la signature de la charte
gov-application-joined = aboutie
gov-application-declined = refusée : { $reason }
gov-application-line = { $record }  { $name } pour { $college } : { $state }
gov-device-certified = Appareil { $device } certifié
gov-device-revoked = Appareil { $device } révoqué

## Interpellations et amendements

gov-challenged = Interpellation de « { $heading } »
gov-challenged-inadmissible = Interpellation de « { $heading } » — irrecevable : { $reason }
gov-amendment-proposed = Amendement « { $title } » proposé ; rédigez-le avec `nous amendment edit { $record } SECTION --text …`
gov-give-text-or-file = donnez --text ou --file
gov-draft-written = « { $heading } » écrit dans le brouillon (modification { $change })
gov-nothing-to-change = Rien à changer.
gov-submitted = « { $title } » soumis ({ $sections ->
    [one] modifie { $sections } section
   *[other] modifie { $sections } sections
})
gov-integrated = { $objections ->
    [one] { $objections } objection intégrée
   *[other] { $objections } objections intégrées
} dans « { $title } »
gov-round-opened = Tour d'objections ouvert
gov-withdrawn = Amendement retiré
gov-promoted = « { $title } » devient une nouvelle interpellation
gov-amendment-heading = { $record }  « { $title } »  [{ $phase }]
gov-amendment-proposer = Proposé par { $proposer } — { $rationale }
gov-amendment-draft = Document brouillon { $draft }
gov-amendment-wording = Rédaction { $number } ({ $record }) : { $sections ->
    [one] { $sections } section
   *[other] { $sections } sections
}
# $reaction : le membre et sa réaction (et ses critères).
gov-reaction-argued = { $reaction } : { $argument }
gov-amendment-objection = Objection { $record } de { $member } : { $test ->
    [valid] valide
    [invalid] non valide
   *[untested] pas encore testée
}, { $status ->
    [open] ouverte
   *[closed] close
}
gov-amendment-decision = décision : { $outcome ->
    [adopted] adopté
   *[rejected] rejeté
} — { $explanation }
gov-no-amendments = Aucun amendement.
gov-amendment-line = { $record }  { $phase }  { $title }  par { $proposer }

## Réactions et décisions

gov-reacted = réaction consignée : { $stance }
gov-objection-is-valid = L'objection est valide
gov-objection-is-not-valid = L'objection n'est pas valide
gov-decided = Décision : { $outcome ->
    [adopted] adoption
   *[rejected] rejet
} ({ $tally })
gov-ratified = Ratification faite : la version { $version } de la charte est en vigueur
gov-ratification-signed = Ratification signée ({ $signatures ->
    [one] { $signatures } signature
   *[other] { $signatures } signatures
} sur { $needed })

## Tensions

gov-tension-opened = Tension soulevée
gov-tension-started = La tension est en cours de traitement
gov-tension-resolved = La tension est résolue
gov-tension-escalated = Tension escaladée
gov-tension-escalated-challenge = Tension escaladée en interpellation de « { $heading } »
gov-not-a-tension = l'acte { $record } n'est pas une tension
gov-tension-show-head = Tension « { $summary } » ({ $record })
gov-tension-show-state = { $status }, { $path }, soulevée par { $author }
gov-tension-show-section = Section : { $section }
gov-tension-show-step = {"  "}{ $at }  { $status }  ({ $record })
gov-tension-show-challenge = {"  "}Devenue l'interpellation { $record }
gov-no-tensions = Aucune tension.
gov-tension-line = { $record }  { $status } { $path } { $summary }  par { $author }

## Vérifications

gov-lint-clean = Aucun avertissement : la charte dit comment on y entre, comment on en sort, comment les tensions se régulent et comment on l'amende.
gov-lint-missing = avertissement : aucune section n'est étiquetée `{ $tag }` ({ $what })
gov-lint-what-membership-entry = qui sont les parties prenantes et comment on adhère
gov-lint-what-membership-exit = comment on part ou on est exclu
gov-lint-what-tensions = comment les tensions se régulent
gov-lint-what-amendment = comment la charte est interpellée et amendée
gov-lint-fix = {"  "}pour corriger : étiquetez la section qui le dit, `{ $command }`, ou en Markdown mettez `{ $annotation }` sous son titre
gov-verifying = Vérification de { $file } ({ $bytes ->
    [one] { $bytes } octet
   *[other] { $bytes } octets
})…
gov-cannot-verify = impossible de vérifier { $file }
gov-verify-community = Communauté « { $name } » { $id } : { $accepted ->
    [one] { $accepted } acte accepté
   *[other] { $accepted } actes acceptés
}, { $rejected ->
    [one] { $rejected } rejeté
   *[other] { $rejected } rejetés
}, { $pending } en attente
gov-verify-counts = { $members ->
    [one] { $members } membre
   *[other] { $members } membres
}, { $amendments ->
    [one] { $amendments } amendement
   *[other] { $amendments } amendements
}, version { $version } en vigueur
gov-verify-version = v{ $number }  { $hash }  texte sha256 { $sha }
gov-verify-content-missing = (contenu manquant)
gov-verify-document = Document { $id } : { $changes ->
    [one] { $changes } modification
   *[other] { $changes } modifications
}, { $attested ->
    [one] { $attested } attestée
   *[other] { $attested } attestées
}
gov-verify-rejected = REJETÉ { $what } { $id } : { $reason }
gov-verify-fail = ÉCHEC { $what } { $id } : { $reason }
gov-verify-intact = Intact : chaque signature, acte cité, attestation et version tient ({ $rejected ->
    [one] { $rejected } acte rejeté
   *[other] { $rejected } actes rejetés
} selon les règles).
gov-verify-not-intact = NON INTACT : { $problems ->
    [one] { $problems } problème
   *[other] { $problems } problèmes
}.
gov-verify-hash = Empreinte du rapport : { $hash }
gov-verify-failed = échec de la vérification : l'historique n'est pas intact ({ $problems ->
    [one] { $problems } problème
   *[other] { $problems } problèmes
})

## Closing and listing challenges
gov-challenge-needs-section-and-tension = une interpellation demande une section et --tension
gov-challenge-closed = Interpellation { $challenge } { $outcome ->
    [withdrawn] retirée
   *[declined] déclinée
}
gov-no-challenges = Aucune interpellation.
gov-challenge-standing = { $standing ->
    [open] ouverte
    [answered] répondue
    [withdrawn] retirée
    [declined] déclinée
   *[inadmissible] irrecevable
}
gov-challenge-line = { $record }  { $standing }  { $heading }  par { $author } : { $tension }
gov-default-college = Membres
gov-community-application-waiting = Votre candidature attend la décision des membres : vous verrez les actes de la communauté une fois admis (`nous sync`, ou `nous join … --wait`).
