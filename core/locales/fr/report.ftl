# report — fr
#
# L'historique de gouvernance (`nous history`), en Markdown et en HTML.
# Dans un message qui devient une ligne du rapport, **…** est en gras ;
# les noms, titres et textes des membres arrivent par les variables et ne
# sont jamais lus comme du balisage. Les dates arrivent déjà écrites.

## Titre et en-tête

report-title = Historique de la gouvernance — { $community }
report-header-community = Communauté : { $id }
report-header-charter = Document de la charte : { $doc }
report-header-title = Titre de la charte : { $title }
report-header-version = Version en vigueur : **v{ $number }** ({ $hash }), ratifiée le { $date }
report-header-members = Membres : { $count }
# $members : la ligne jusque-là ; $colleges : « Staff 2, Users 1 ».
report-header-members-by-college = { $members } ({ $colleges })
report-header-members-gone = { $members } ; { $left ->
        [one] { $left } départ
       *[other] { $left } départs
    }, { $excluded ->
        [one] { $excluded } exclusion
       *[other] { $excluded } exclusions
    }
report-times-utc = Les heures sont données en UTC.
report-unknown-time = date inconnue
report-quoted = « { $text } »
# Après une ligne : ce qu'un membre a écrit, ou un statut.
report-then-text = {" "}: { $text }
report-then-status = {" "}— { $status }

## Mots

report-stance-question = question
report-stance-consent = consentement
report-stance-concern = préoccupation
report-stance-objection = objection
report-stance-abstain = abstention
report-stance-stand-aside = mise en retrait
report-stance-block = blocage
report-stance-yes = oui
report-stance-no = non
report-stance-resolved = objection levée
report-outcome-adopted = adoptée
report-outcome-rejected = rejetée
report-tension-status-open = ouverte
report-tension-status-in-process = en cours de traitement
report-tension-status-resolved = résolue
report-tension-status-escalated = remontée
report-path-request = demande
report-path-mediation = médiation
report-path-governance = gouvernance
report-path-conduct = conduite
report-phase-draft = brouillon
report-phase-proposed = proposé
report-phase-reactions = réactions
report-phase-objection-round = tour d'objections
report-phase-integrating = intégration en cours
report-phase-stale = périmé
report-phase-adopted = adopté
report-phase-merged = fusionné
report-phase-withdrawn = retiré
report-phase-rejected = rejeté
report-method-consent = consentement
report-method-consensus = consensus
report-method-majority = majorité
report-method-qualified = majorité qualifiée
report-method-unanimity = unanimité
report-method-weighted = vote pondéré
report-method-lazy = consensus tacite
report-method-advice = sollicitation d'avis
report-act-amend = Amendements
report-act-admit = Admissions
report-act-exclude = Exclusions
report-act-rules = Changements de règles
report-act-amend-in-sentence = les amendements
report-act-admit-in-sentence = les admissions
report-act-exclude-in-sentence = les exclusions
report-act-rules-in-sentence = les changements de règles
report-sanction-correction = correction
report-sanction-warning = avertissement
report-sanction-suspension = suspension
report-sanction-exclusion = exclusion

## Sections

report-sections = Sections
report-sections-unreadable = La charte en vigueur ne peut pas être lue ({ $why }) : les sections sont celles des versions antérieures et celles que nomment les actes.
report-sections-none = Aucune section n'est connue.
report-version-unreadable = la v{ $number } ne peut pas être lue : { $why }
report-error-not-a-hash = « { $text } » n'est pas une empreinte de modification
report-error-change-missing = la modification { $hash } n'est pas dans le document de la charte
report-section-since-founding = Dans la charte depuis la version fondatrice, v1.
report-section-added-in = Ajoutée en v{ $number }, le { $date }.
report-section-in-force = Dans la charte en vigueur.
report-section-removed-mark = {" "}— supprimée
report-section-removed-in = Supprimée en v{ $number }, le { $date } ; présente pour la dernière fois en v{ $last }.
report-section-last-in = Présente pour la dernière fois en v{ $number }.
report-section-last-seen = Vue pour la dernière fois en v{ $number }.
report-section-not-found-mark = {" "}— introuvable
report-section-not-found = Nommée par des actes, mais absente de toute version lisible de la charte.
report-section-untouched = Jamais interpellée ni modifiée.

## Interpellations

report-challenge-heading = Interpellation par { $name }, le { $date }
report-challenge-tension = **Tension :** { $tension }
report-challenge-example = **Exemple :** { $example }
report-challenge-admissible = **Recevable**
report-challenge-inadmissible = **Irrecevable :** { $reason }
report-challenge-escalates = Fait remonter la tension « { $summary } » soulevée par { $name } le { $date }
report-challenge-escalates-unknown = Fait remonter la tension { $id }
report-challenge-promotes = Reprend l'amendement rejeté « { $title } »
report-challenge-promotes-unknown = Reprend l'amendement rejeté { $id }
report-challenge-record = Acte { $id }
report-challenge-unanswered = Aucun amendement n'y répond encore.

## Amendements

report-amendment-heading = Amendement « { $title } » — { $phase }
report-amendment-proposed = Proposé par { $name } le { $date } ; sans coauteur
report-amendment-proposed-with = Proposé par { $name } le { $date } ; { $count ->
        [one] coauteur
       *[other] coauteurs
    } : { $coauthors }
report-rationale = **Exposé des motifs :** { $rationale }
report-amendment-forked = Rédigé à partir de la v{ $number }
report-amendment-forked-elsewhere = Rédigé à partir d'un état qui n'est aucune version ratifiée
report-wordings-none = Aucune rédaction soumise pour l'instant.
report-wordings = **Rédactions**
report-round-opened-by = Le tour d'objections a été ouvert par { $name } ({ $date }).
report-round-opened = Le tour d'objections a été ouvert.
report-reactions = **Réactions**
report-objections = **Objections**
report-ratification-done = **Ratification :** signée par { $signers } ; devenue la **v{ $number }** ({ $hash }), le { $date }
report-ratification-pending = **Ratification :** signée par { $signers } ; { $count ->
        [one] { $count } signature
       *[other] { $count } signatures
    } sur les { $needed } requises pour l'instant
report-amendment-rebased = Mis à jour sur { $versions }, qui { $count ->
        [one] a modifié
       *[other] ont modifié
    } d'autres sections
report-amendment-stale = Périmé : la v{ $number } a modifié les mêmes sections ; les consentements sont caducs jusqu'à une nouvelle rédaction
report-withdrawn = **Retiré**
report-withdrawn-because = **Retiré** : { $reason }
report-withdrawn-by = **Retiré** par { $name } ({ $date })
report-withdrawn-by-because = **Retiré** par { $name } ({ $date }) : { $reason }

## Rédactions, réactions, objections, décisions

report-wording = Rédaction { $number }, le { $date }, par { $name }
report-wording-note = Rédaction { $number }, le { $date }, par { $name } : { $note }
report-wording-changes = { $count ->
        [one] Modifie la section { $sections }
       *[other] Modifie les sections { $sections }
    }
report-wording-integrates = Intègre l'objection formulée par { $name } ({ $date })
report-wording-integrates-unknown = Intègre l'objection { $id }
report-wording-number = la rédaction { $number }
report-reaction = { $date } — { $name } : { $stance }
report-reaction-on-wording = {" "}sur la rédaction { $number }
report-reaction-criteria = , { $count ->
        [one] critère
       *[other] critères
    } { $criteria }
report-reaction-confirms = , pour l'objection ({ $date })
report-objection = { $name } a objecté ({ $date }) en invoquant { $count ->
        [one] le critère
       *[other] les critères
    } { $criteria } : { $argument } — **{ $status ->
        [found-invalid] jugée non valide
        [resolved] levée
        [withdrawn] retirée
       *[open] ouverte
    }**
report-test = Examinée par { $name } le { $date } (critères remplis : { $passed }) : **{ $valid ->
        [valid] valide
       *[invalid] non valide
    }**
report-test-passes-none = aucun
report-objection-integrated = Intégrée par { $which } ({ $date })
report-objection-confirmed = Levée confirmée par { $name } ({ $date })
report-objection-withdrawn = Retirée par une réaction ultérieure ({ $date })
report-decision = **Décision :** { $outcome } par { $name } le { $date }
report-decision-reason = **Décision :** { $outcome } par { $name } le { $date } : { $reason }
report-decision-none = **Décision :** aucune pour l'instant
# $explanation : le décompte des voix, tel que le moteur des règles l'écrit.
report-decision-count = Décompte : { $explanation }

## Versions

report-version-heading = Version v{ $number } ratifiée le { $date }
report-version-ratifies = Ratifie l'amendement « { $title } » proposé par { $name }
report-version-answering = , en réponse à une interpellation sur « { $heading } »
report-version-signed = Signée par { $names }
report-version-hash = Empreinte de la version : { $hash }
report-version-same = Déclarée modifiée, mais cette section est identique dans les deux versions
report-version-missing = La modification ne peut pas être montrée : le contenu manque ({ $why })
report-change-added = Ajoutée sous le titre « { $heading } »
report-change-removed = Supprimée (c'était « { $heading } »)
report-change-renamed = Renommée de « { $old } » en « { $new } »
report-change-moved = Déplacée
report-change-level = Niveau de titre modifié (il était de { $level })
report-change-tags-added = Étiquettes ajoutées : { $tags }
report-change-tags-removed = Étiquettes retirées : { $tags }
report-change-text = Texte modifié :

## Membres

report-membership = Membres
report-joined = { $date } — { $name } a rejoint le collège { $college } ({ $how })
report-joined-as-founder = à la fondation
report-joined-by-signing = en signant la charte
report-joined-by-signing-applied = en signant la charte, après une candidature du { $date }
report-sanction = { $date } — { $member } : { $level } (par { $name }) : { $reasons }
report-sanction-until = { $date } — { $member } : { $level } (par { $name }, jusqu'au { $until }) : { $reasons }
report-left = { $date } — { $name } a quitté la communauté
report-device = { $date } — { $name } a certifié l'appareil « { $label } » ({ $key })
report-device-revoked = Révoqué ({ $date })
report-application = { $date } — { $name } a posé sa candidature au collège { $college }
report-application-pending = en attente
report-application-admitted = admise, en attente de sa signature
report-application-joined = admise, adhésion faite
report-application-declined = refusée : { $reason }
report-exclusion = { $date } — { $name } a proposé d'exclure { $member } : { $reasons }
report-exclusion-notice = Notification le { $notice }, audition le { $hearing }
report-members-now = Membres aujourd'hui
report-member = { $name } ({ $id }), { $college } : { $status }
report-member-active = actif
report-member-suspended = suspendu jusqu'au { $date }
report-member-left = parti
report-member-excluded = exclu

## Tensions

report-tensions = Tensions
report-tensions-none = Aucune tension n'a été soulevée.
report-tension-heading = « { $summary } » — { $status }
report-tension-raised = Soulevée par { $name } le { $date } (voie : { $path })
report-tension-raised-about = Soulevée par { $name } le { $date } (voie : { $path }), au sujet de « { $heading } »
report-tension-step = { $date } — { $status }
report-tension-step-by = { $date } — { $status } ({ $name })
report-tension-history = **Historique**
report-tension-no-challenge = N'a donné lieu à aucune interpellation
report-tension-became = **A donné lieu à**
report-tension-challenge = Interpellation par { $name }, le { $date }, sur « { $heading } »
report-tension-challenge-unknown = Interpellation { $id }

## Conflits et documents

report-conflicts = Conflits
report-conflicts-none = Aucun membre n'a réécrit les mêmes mots en même temps qu'un autre.
report-conflict = Conflit { $id } dans { $part } — **{ $status ->
        [open] ouvert
       *[resolved] résolu
    }**
report-conflict-in-title = le titre
report-conflict-in-preamble = le préambule
report-conflict-in-heading = le titre de « { $heading } »
report-conflict-in-section = « { $heading } »
report-conflict-in-article = l'article { $number } de « { $heading } »
report-conflict-before = Avant : « { $text } »
report-conflict-side = { $who } ({ $date }) a écrit « { $text } »
report-conflict-another-peer = un autre pair
report-conflict-merged = Fusion : « { $text } »
report-documents = Documents
report-document = Document « { $title } » partagé (**{ $access ->
        [public] public
       *[members] réservé aux membres
    }**) { $doc } par { $name } ({ $date })

## Règles et actes

report-rules = Règles
report-rule = **{ $act } :** { $rule }
report-facilitators = **Facilitation :** { $count ->
       *[other] { $names }
    }
report-facilitators-none = **Facilitation :** personne ; tout membre autre que celui concerné examine les objections et prononce les sanctions
report-college = { $name } ({ $id }, poids { $weight })
report-colleges = **Collèges :** { $colleges }
report-rule-changes = Changements de règles
report-rule-changes-none = Aucun changement de règle n'a été proposé.
report-rule-change = { $date } — { $name } a proposé pour { $act } : { $rule }
report-rule-quorum = quorum de { $percent } %
report-rule-no-quorum = sans quorum
report-rule-threshold = seuil de { $percent } %
report-rule-everyone-decides = tous les membres décident
report-rule-decided-by = décidé par { $colleges }
report-rule-min-days = au moins { $count ->
        [one] { $count } jour
       *[other] { $count } jours
    } après la proposition
report-rule-signers = { $count ->
        [one] { $count } signature
       *[other] { $count } signatures
    } pour ratifier
report-rule-blocks = blocage permis
report-rule-no-block = sans blocage
report-records = Actes
report-records-count = { $count ->
        [one] { $count } acte
       *[other] { $count } actes
    } : { $accepted ->
        [one] { $accepted } accepté
       *[other] { $accepted } acceptés
    }, { $rejected ->
        [one] { $rejected } rejeté
       *[other] { $rejected } rejetés
    }, { $pending } en attente.
report-records-problems = Actes rejetés et en attente
report-record = { $id } ({ $kind }) signé par { $name } le { $date } — **{ $verdict ->
        [rejected] rejeté
        [pending] en attente
       *[accepted] accepté
    }** : { $reason }

## Chronologie (HTML)

report-lane-challenge = Interpellations
report-lane-amendment = Amendements
report-lane-decision = Décisions
report-lane-version = Versions
report-lane-membership = Membres
report-lane-tension = Tensions
report-timeline-title = Chronologie du { $first } au { $last }
report-timeline-caption = { $count ->
        [one] { $count } événement
       *[other] { $count } événements
    } du { $first } au { $last } ; survolez un repère pour le détail.
report-event = { $date } — { $label }
report-event-challenge = Interpellation par { $name } sur « { $heading } » : { $tension }
report-event-amendment = « { $title } » proposé par { $name }
report-event-wording = Rédaction { $number } de « { $title } »
report-event-reaction = { $name } : { $stance } sur « { $title } »
report-event-test = Objection formulée par { $name } sur « { $title } », examinée par { $by } : { $valid ->
        [valid] valide
       *[invalid] non valide
    }
report-event-decision-amendment = « { $title } » { $outcome ->
        [adopted] adopté
       *[rejected] rejeté
    } : { $reason }
report-event-decision-admission = candidature soumise par { $subject } { $outcome ->
        [adopted] acceptée
       *[rejected] refusée
    } : { $reason }
report-event-decision-exclusion = exclusion visant { $subject } { $outcome ->
        [adopted] prononcée
       *[rejected] rejetée
    } : { $reason }
report-event-decision-rule = règle pour { $subject } { $outcome ->
        [adopted] adoptée
       *[rejected] rejetée
    } : { $reason }
report-event-version = v{ $number } : ratifie « { $title } »
report-event-version-founding = v{ $number } : la version fondatrice
report-event-joined = { $name } a rejoint la communauté
report-event-sanction = { $name } : { $level }
report-event-sanction-until = { $name } : { $level } jusqu'au { $until }
report-event-left = { $name } a quitté la communauté
report-event-applied = { $name } a posé sa candidature
report-event-exclusion = exclusion visant { $name } proposée
report-event-tension = « { $summary } » : { $status }

## Closed challenges (challenge.close)
report-challenge-withdrawn = **Retirée** par { $name }, le { $date }
report-challenge-declined = **Déclinée** par { $name }, le { $date } : { $reason }
report-event-challenge-closed = Interpellation sur « { $heading } » { $outcome ->
    [withdrawn] retirée
   *[declined] déclinée
} par { $name }

## Participation du public (participation.*, contribution.*, moderation.*, answer.*, synthesis.*)
report-lane-participation = Participation
report-participations = Participations du public
report-participation-heading = « { $title } » — { $closed ->
        [yes] close
       *[no] ouverte
    }
report-participation-opened = Ouverte par { $name } le { $date } ({ $record }) ; réponses attendues au plus tard le { $due } ; { $threshold ->
        [0] les signalements ne masquent jamais une contribution d'eux-mêmes
        [one] { $threshold } signalement masque une contribution en attendant l'examen
       *[other] { $threshold } signalements masquent une contribution en attendant l'examen
    }
report-participation-phases = **Phases :**
report-pphase-contract = Contrat participatif
report-pphase-strategy = Stratégie participative
report-pphase-instruction = Instruction
report-pphase-answer = Réponses
report-participation-phase = **{ $phase }** : à partir du { $opens }, ouverte par { $name } le { $date } ({ $record })
report-participation-phase-until = **{ $phase }** : du { $opens } au { $closes }, ouverte par { $name } le { $date } ({ $record })
report-participation-phase-none = **{ $phase }** : pas encore ouverte
report-participation-commitments = **Engagements** (au { $date }) :
report-participation-commitments-none = Aucun engagement.
report-participation-commitment = { $id } { $text } — **{ $status }**
report-commitment-kept = tenu
report-commitment-pending = en attente
report-commitment-broken = non tenu
report-participation-counts = **Contributions :** { $count }
report-participation-by-author = Par auteur : { $list }
report-participation-by-status = Par état : { $list }
report-participation-by-answer = Par réponse : { $list }
report-count = { $label } { $count }
report-author-citizen = citoyen
report-author-association = association
report-author-expert = expert
report-author-elected = élu
report-author-agent = agent
report-author-other = autre
report-contribution-status-submitted = en attente de réponse
report-contribution-status-withdrawn = retirée
report-contribution-status-hidden = masquée
report-contribution-status-answered = répondue
report-answer-retained = retenue
report-answer-partially-retained = partiellement retenue
report-answer-not-retained = non retenue
report-answer-out-of-scope = hors du champ
report-answer-already-covered = déjà prise en compte
report-answer-deferred = reportée
report-participation-syntheses = **Synthèses publiées :**
report-participation-syntheses-none = Aucune synthèse publiée.
report-participation-synthesis = le { $date }, par { $name } : { $hash } (méthode { $method })
report-participation-closed = **Close** le { $date } par { $name }
report-participation-not-closed = **Pas encore close.**
report-participation-paths = Parcours des contributions
report-participation-paths-none = Aucune contribution.
report-contribution = { $id } « { $title } » — { $author } { $pseudonym }, { $category }, { $channel } — **{ $status }**
report-contribution-hidden = { $id } — **masquée par la modération** : { $reason } (clause { $clause }) ; son titre et son texte ne sont pas montrés
report-contribution-hidden-pending = { $id } — **masquée en attendant l'examen** après { $count ->
        [one] { $count } signalement
       *[other] { $count } signalements
    } ; son titre et son texte ne sont pas montrés
report-channel-device = en ligne
report-channel-meeting = en réunion
report-channel-paper = sur papier
report-channel-mail = par courrier
report-step-submitted = déposée
report-step-revised = modifiée (rédaction { $number })
report-step-linked = liée : { $relation } { $target }
report-relation-duplicate-of = doublon de
report-relation-merged-into = fusionnée dans
report-relation-split-from = issue de la division de
report-step-reported = signalée : { $reason }
report-reason-spam = spam
report-reason-offensive = propos offensants
report-reason-off-topic = hors sujet
report-reason-personal-data = données personnelles
report-reason-other = autre motif
report-step-hidden-by-reports = masquée en attendant l'examen (seuil de signalements atteint)
report-step-hidden = masquée par { $name } : { $reason } (clause { $clause })
report-step-restored = rétablie par { $name } : { $reason } (clause { $clause })
report-step-answered = réponse de { $name } : **{ $state }**
report-step-answer-revised = réponse révisée par { $name } : **{ $state }**
report-step-late = {" "}(après l'échéance)
report-step-landed = intégrée aux sections { $sections }
report-step-withdrawn = retirée
report-event-participation-opened = Participation « { $title } » ouverte par { $name }
report-event-participation-phase = « { $title } » : ouverture de la phase { $phase }
report-event-contribution = Contribution « { $title } » à « { $participation } »
report-event-contribution-hidden = Contribution { $id } à « { $participation } » (masquée)
report-event-contribution-moderated = Contribution { $id } { $hide ->
        [yes] masquée
       *[no] rétablie
    } par { $name }
report-event-answer = Réponse à la contribution { $id } : { $state }
report-event-synthesis = Synthèse de « { $participation } » publiée
report-event-participation-closed = « { $title } » close
