# Participation citoyenne : `nous participation`, `contribute`,
# `contribution`, `moderate`, `answer`.

participation-error-moderators-only = seuls les modérateurs et modératrices de la participation peuvent voir les contributions masquées
participation-bad-commitment = « { $text } » n'est pas un engagement : donnez ID:CONTRÔLE:TEXTE, CONTRÔLE valant answers, synthesis ou manual
participation-bad-location = « { $text } » n'est pas un lieu : donnez LAT,LON en degrés
participation-choose-category = choisissez une catégorie avec --category ({ $categories })
participation-none = cette communauté n'a pas encore de participation
participation-several = cette communauté a plusieurs participations : nommez-en une
participation-default-commitment = Chaque contribution reçoit un avis argumenté avant l'échéance des réponses
participation-default-category = Général

participation-phase = { $phase ->
    [contract] contrat participatif
    [strategy] stratégie participative
    [instruction] instruction
   *[answer] avis argumenté
}
participation-channel = { $channel ->
    [device] son propre appareil
    [meeting] réunion
    [paper] papier
   *[mail] courrier
}
participation-author = { $author ->
    [citizen] habitant·e
    [association] association
    [expert] expert·e
    [elected] élu·e
    [agent] agent·e
   *[other] autre
}
participation-status = { $status ->
    [submitted] en attente de réponse
    [withdrawn] retirée
    [hidden] masquée
   *[answered] répondue
}
participation-answer-state = { $state ->
    [retained] retenue
    [partially-retained] partiellement retenue
    [not-retained] non retenue
    [out-of-scope] hors champ
    [already-covered] déjà couverte
   *[deferred] reportée
}
participation-contributors = { $who ->
    [anyone] tout le monde
    [invited] les invité·es
   *[members] les membres
}
participation-event = { $event ->
    [submitted] déposée
    [revised] reformulée
    [linked] reliée
    [reported] signalée
    [hidden-by-reports] masquée par les signalements, en attente d'examen
    [hidden] masquée par la modération
    [restored] rétablie
    [answered] répondue
    [answer-revised] réponse révisée
    [landed] intégrée au texte
   *[withdrawn] retirée
}
participation-report-reason = { $reason ->
    [spam] spam
    [offensive] injurieuse
    [off-topic] hors sujet
    [personal-data] données personnelles
   *[other] autre
}
participation-relation = { $relation ->
    [duplicate-of] doublon de
    [merged-into] fusionnée dans
   *[split-from] détachée de
} { $target }
participation-commitment-status = { $status ->
    [kept] tenu
    [pending] en cours
   *[broken] NON TENU
}

participation-opened = Participation « { $title } » ouverte, réponses attendues le { $due }
participation-phase-opened = Phase { $phase } ouverte à partir du { $at }
participation-phase-until = {" "}jusqu'au { $at }
participation-contract-revised = Contrat participatif révisé
participation-commitment-settled = Engagement { $commitment } constaté : { $kept ->
    [kept] tenu
   *[broken] non tenu
}
participation-closed = Participation close
participation-contributed = Contribution « { $title } » déposée
participation-transcribed = Contribution « { $title } » transcrite ({ $channel })
participation-amended = Contribution reformulée
participation-withdrawn = Contribution retirée
participation-supported = Contribution soutenue
participation-linked = Contribution reliée ({ $relation })
participation-reported = Contribution signalée
participation-hid = Contribution masquée
participation-restored = Contribution rétablie
participation-answered = Réponse : { $state }
participation-answer-revises = {" "}(révise la réponse précédente)
participation-answer-late = {" "}— après l'échéance des réponses : l'engagement n'est pas tenu

participation-closed-word = close
participation-not-started = aucune phase ouverte pour l'instant
participation-list-line = { $id }  { $title } — { $phase }, { $count ->
    [one] { $count } contribution
   *[other] { $count } contributions
}
participation-show-head = Participation « { $title } » ({ $id })
participation-show-closed = Close le { $at } : { $summary }
participation-show-phase-open = Phase actuelle : { $phase } — contributions ouvertes
participation-show-phase = Phase actuelle : { $phase } — contributions gelées
participation-show-docs = Texte soumis à la concertation : { $text } · contrat participatif : { $contract } ({ $revisions ->
    [0] jamais révisé
    [one] révisé une fois
   *[other] révisé { $revisions } fois
})
participation-show-due = Réponses attendues le { $at }
participation-show-timeline = Phases :
participation-show-from = à partir du { $at }
participation-show-frozen = {" "}— aucune contribution
participation-show-takes = {" "}— de { $who } : { $channels }
participation-show-closed-at = close le { $at }
participation-show-commitments = Engagements :
participation-count = { $what } { $count }
participation-show-counts = Contributions : { $count } ({ $detail })
participation-show-answers = Réponses : { $detail }
participation-show-pending-review = { $count ->
    [one] { $count } contribution masquée par les signalements attend l'examen d'un modérateur ou d'une modératrice
   *[other] { $count } contributions masquées par les signalements attendent l'examen d'un modérateur ou d'une modératrice
}
participation-show-overdue = Engagement non tenu : { $count ->
    [one] { $count } contribution est sans réponse après l'échéance
   *[other] { $count } contributions sont sans réponse après l'échéance
}
participation-show-unanswered = { $count ->
    [one] { $count } contribution attend sa réponse
   *[other] { $count } contributions attendent leur réponse
}

participation-no-contributions = aucune contribution
participation-hidden-mark = masquée
participation-hidden-by-reports = masquée en attente d'examen ({ $count ->
    [one] { $count } signalement
   *[other] { $count } signalements
})
participation-hidden-by-moderator = masquée par la modération : { $reason } (clause { $clause })
participation-contribution-head = « { $title } » ({ $id })
participation-contribution-hidden-head = Contribution { $id } : { $why }
participation-contribution-who = De { $pseudonym } ({ $author }), catégorie { $category }, par { $channel }
participation-contribution-for = , au nom de { $whom }
participation-contribution-state = Où elle en est : { $status } ; { $supporters ->
    [one] { $supporters } soutien
   *[other] { $supporters } soutiens
}
participation-contribution-anchor = Sur la section { $section }
participation-contribution-answer = Réponse : { $state } ({ $at })
participation-contribution-late = {"  "}(après l'échéance des réponses : l'engagement n'est pas tenu)
participation-contribution-timeline = Ce qui lui est arrivé :

# `nous todo`.
todo-answer-contribution = La contribution « { $title } » attend son avis argumenté (avant le { $due })
todo-review-hidden = Une contribution à « { $title } » masquée par les signalements attend votre examen

# L'aide des commandes.
cmd-participation = Participation citoyenne en quatre phases : le contrat participatif (ce à quoi l'organisateur s'engage), la stratégie participative (qui peut contribuer, par quels canaux, jusqu'à quand), l'instruction (les contributions gelées et examinées) et l'avis argumenté (une réponse argumentée à chaque contribution)
cmd-participation-open = Ouvrir une participation sur un texte soumis à la concertation, avec son contrat participatif (les engagements de l'organisateur : périmètre, ce qui est négociable, calendrier, qui répond et quand). Les deux sont importés comme documents partagés avec la communauté ; la participation les épingle. Sa première phase, le contrat, suit avec `participation phase`.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .title = Son titre
    .text = Le texte soumis à la concertation : un fichier Markdown (`-` : l'entrée standard)
    .contract = Le contrat participatif : un fichier Markdown
    .commitments = Un engagement du contrat, `ID:CONTRÔLE:TEXTE` (CONTRÔLE : answers, synthesis ou manual) ; répétable. Par défaut : un seul, `answers`
    .categories = Une catégorie de contributions, `ID:LIBELLÉ` (ou `ID`) ; répétable. Par défaut : une seule, `general`
    .answer_due = Quand chaque contribution doit avoir sa réponse (AAAA-MM-JJ[THH:MM], UTC)
    .moderators = Un modérateur ou une modératrice (clé, préfixe ou nom de membre) ; répétable. Par défaut : les facilitateurs
    .answerers = Qui répond pour l'organisateur (clé, préfixe ou nom de membre) ; répétable. Par défaut : les facilitateurs
    .report_threshold = Combien de signalements d'appareils distincts masquent une contribution en attente d'examen (0 : jamais d'eux-mêmes)
cmd-participation-phase = Ouvrir une phase : contract (le contrat participatif est rédigé et ratifié ; pas de contributions), strategy (la stratégie participative : les contributions arrivent, par défaut de tout le monde et par tous les canaux), instruction (l'organisateur instruit les contributions : elles sont gelées) ou answer (l'avis argumenté : chaque contribution reçoit une réponse argumentée). Les phases viennent dans cet ordre.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu)
    .phase = La phase : contract, strategy, instruction ou answer
    .opens = Quand elle s'ouvre (AAAA-MM-JJ[THH:MM], UTC). Par défaut : maintenant
    .closes = Quand elle se termine au plus tard (AAAA-MM-JJ[THH:MM], UTC). Par défaut : à l'ouverture de la suivante
    .days = Combien de jours elle dure depuis son ouverture
    .contributors = Qui peut contribuer. Par défaut : tout le monde pendant la stratégie, les membres sinon
    .channels = Un canal par lequel elle reçoit des contributions ; répétable. Par défaut : tous pendant la stratégie, aucun sinon
    .categories = Une catégorie qu'elle reçoit ; répétable. Par défaut : toutes
cmd-participation-contract = Réviser le contrat participatif : épingler son document tel qu'il est maintenant (modifiez-le d'abord avec `nous charter edit`), avec de nouveaux engagements s'ils sont donnés. Une fois les contributions ouvertes, aucun engagement ne peut être retiré.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu)
    .commitments = Un engagement, `ID:CONTRÔLE:TEXTE` ; répétable. Par défaut : ceux en vigueur
cmd-participation-commitment = Constater qu'un engagement vérifié à la main a été tenu ou non, avec la preuve
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu)
    .commitment = L'identifiant de l'engagement
    .kept = Il a été tenu
    .broken = Il n'a pas été tenu
    .evidence = Ce qui le montre
cmd-participation-show = Montrer une participation : ses phases sur une frise, ses engagements (tenus, en cours, non tenus), ses contributions comptées par état, et celles restées sans réponse après l'échéance
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .link = Un lien de participation (`nous:participate/1/…`) : agir en citoyen ou citoyenne — une personne qui n'est pas membre de la communauté organisatrice — par le relais qu'il nomme. Rien de personnel n'est signé : la clé de votre appareil est votre pseudonyme. Par défaut : le seul lien utilisé par ce dossier, s'il n'est dans aucune communauté
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu). Par défaut : la seule de la communauté
cmd-participation-list = Lister les participations de la communauté
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
cmd-participation-close = Clore une participation : refusé tant qu'une contribution ni masquée ni retirée n'a pas sa réponse
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu)
    .summary = Un mot de clôture
cmd-contribute = Contribuer à une participation pendant une phase qui reçoit des contributions : la sienne, ou (l'équipe de l'organisateur) une transcription d'une réunion, d'un papier ou d'un courrier au nom de quelqu'un. Un citoyen ou une citoyenne — toute personne qui n'est pas membre de la communauté organisatrice — contribue avec `--link`, par le relais, en signant avec la seule clé de son appareil.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .link = Un lien de participation (`nous:participate/1/…`) : agir en citoyen ou citoyenne — une personne qui n'est pas membre de la communauté organisatrice — par le relais qu'il nomme. Rien de personnel n'est signé : la clé de votre appareil est votre pseudonyme. Par défaut : le seul lien utilisé par ce dossier, s'il n'est dans aucune communauté
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu). Par défaut : la seule de la communauté (ou celle du lien)
    .title = Un titre court
    .text = Ce que vous dites
    .category = Sa catégorie. Par défaut : la seule de la participation
    .author_type = Qui en est l'auteur ou l'autrice
    .section = La section du texte soumis à la concertation qu'elle concerne (identifiant ou titre)
    .article = Un article de cette section
    .location = Où sur une carte : `LAT,LON` en degrés
    .channel = Comment elle arrive : device (votre appareil), ou meeting, paper ou mail pour une transcription par l'équipe de l'organisateur
    .on_behalf_of = Pour une transcription : au nom de qui, par une référence (`fiche 12`), pas un nom
cmd-contribution = Suivre les contributions : en montrer une et ce qui lui est arrivé, les lister, reformuler, retirer, soutenir, relier
cmd-contribution-show = Montrer une contribution et sa frise : ce qui lui est arrivé (déposée, reformulée, reliée, signalée, masquée ou rétablie, répondue, intégrée au texte)
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .link = Un lien de participation (`nous:participate/1/…`) : agir en citoyen ou citoyenne — une personne qui n'est pas membre de la communauté organisatrice — par le relais qu'il nomme. Rien de personnel n'est signé : la clé de votre appareil est votre pseudonyme. Par défaut : le seul lien utilisé par ce dossier, s'il n'est dans aucune communauté
    .contribution = La contribution (identifiant de l'acte ou préfixe non ambigu)
    .include_hidden = Montrer les mots d'une contribution masquée (modération seulement)
cmd-contribution-list = Lister les contributions d'une participation (une contribution masquée apparaît sans ses mots)
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu). Par défaut : la seule de la communauté
    .statuses = Seulement ces états ; répétable
    .category = Seulement cette catégorie
    .author_type = Seulement ce type d'auteur
    .mine = Seulement celles faites depuis cet appareil
    .include_hidden = Montrer les mots des contributions masquées (modération seulement)
cmd-contribution-amend = Reformuler votre contribution avant sa réponse (la formulation précédente reste dans le journal)
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .link = Un lien de participation (`nous:participate/1/…`) : agir en citoyen ou citoyenne — une personne qui n'est pas membre de la communauté organisatrice — par le relais qu'il nomme. Rien de personnel n'est signé : la clé de votre appareil est votre pseudonyme. Par défaut : le seul lien utilisé par ce dossier, s'il n'est dans aucune communauté
    .contribution = La contribution (identifiant de l'acte ou préfixe non ambigu)
    .title = Le nouveau titre. Par défaut : celui qu'elle a
    .text = Le nouveau texte
cmd-contribution-withdraw = Retirer votre contribution avant sa réponse
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .link = Un lien de participation (`nous:participate/1/…`) : agir en citoyen ou citoyenne — une personne qui n'est pas membre de la communauté organisatrice — par le relais qu'il nomme. Rien de personnel n'est signé : la clé de votre appareil est votre pseudonyme. Par défaut : le seul lien utilisé par ce dossier, s'il n'est dans aucune communauté
    .contribution = La contribution (identifiant de l'acte ou préfixe non ambigu)
    .reason = Pourquoi
cmd-contribution-support = Soutenir une contribution (une fois par appareil)
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .link = Un lien de participation (`nous:participate/1/…`) : agir en citoyen ou citoyenne — une personne qui n'est pas membre de la communauté organisatrice — par le relais qu'il nomme. Rien de personnel n'est signé : la clé de votre appareil est votre pseudonyme. Par défaut : le seul lien utilisé par ce dossier, s'il n'est dans aucune communauté
    .contribution = La contribution (identifiant de l'acte ou préfixe non ambigu)
cmd-contribution-link = Relier deux contributions (l'équipe de l'organisateur)
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .contribution = La contribution (identifiant de l'acte ou préfixe non ambigu)
    .relation = Comment elle se rapporte à l'autre
    .target = L'autre contribution
cmd-moderate = Modérer sans effacer : signaler une contribution, la masquer ou la rétablir (la modération), avec la raison et la clause du contrat
cmd-moderate-report = Signaler une contribution, avec une raison (une fois par appareil). Assez de signalements la masquent en attente d'examen par la modération.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .link = Un lien de participation (`nous:participate/1/…`) : agir en citoyen ou citoyenne — une personne qui n'est pas membre de la communauté organisatrice — par le relais qu'il nomme. Rien de personnel n'est signé : la clé de votre appareil est votre pseudonyme. Par défaut : le seul lien utilisé par ce dossier, s'il n'est dans aucune communauté
    .contribution = La contribution (identifiant de l'acte ou préfixe non ambigu)
    .reason = Pourquoi
    .details = Avec vos mots
cmd-moderate-hide = Masquer une contribution, ou confirmer son masquage par les signalements (la modération), avec la raison et la clause du contrat appliquée. Rien n'est effacé : ses mots restent dans le journal signé.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .link = Un lien de participation (`nous:participate/1/…`) : agir en citoyen ou citoyenne — une personne qui n'est pas membre de la communauté organisatrice — par le relais qu'il nomme. Rien de personnel n'est signé : la clé de votre appareil est votre pseudonyme. Par défaut : le seul lien utilisé par ce dossier, s'il n'est dans aucune communauté
    .contribution = La contribution (identifiant de l'acte ou préfixe non ambigu)
    .reason = Pourquoi
    .clause = La clause du contrat appliquée (l'identifiant d'un engagement ou d'un article)
cmd-moderate-restore = Rétablir une contribution masquée (la modération), avec la raison et la clause appliquée
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .link = Un lien de participation (`nous:participate/1/…`) : agir en citoyen ou citoyenne — une personne qui n'est pas membre de la communauté organisatrice — par le relais qu'il nomme. Rien de personnel n'est signé : la clé de votre appareil est votre pseudonyme. Par défaut : le seul lien utilisé par ce dossier, s'il n'est dans aucune communauté
    .contribution = La contribution (identifiant de l'acte ou préfixe non ambigu)
    .reason = Pourquoi
    .clause = La clause du contrat appliquée (l'identifiant d'un engagement ou d'un article)
cmd-answer = Répondre à une contribution pour l'organisateur (l'avis argumenté) : son état, un argument (obligatoire) et où elle a été intégrée au texte. Répondre à une contribution déjà répondue révise la réponse.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .link = Un lien de participation (`nous:participate/1/…`) : agir en citoyen ou citoyenne — une personne qui n'est pas membre de la communauté organisatrice — par le relais qu'il nomme. Rien de personnel n'est signé : la clé de votre appareil est votre pseudonyme. Par défaut : le seul lien utilisé par ce dossier, s'il n'est dans aucune communauté
    .contribution = La contribution (identifiant de l'acte ou préfixe non ambigu)
    .state = Ce qu'elle devient
    .argument = Pourquoi : obligatoire, quel que soit l'état
    .landed = Où elle a été intégrée au texte : `SECTION` ou `SECTION@CHANGEMENT,CHANGEMENT` (préfixes de changements) ; répétable
