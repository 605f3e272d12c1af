# Un citoyen dans une participation, par un relais (`participate` de `nous-api`).

error-participate-not-a-link = ce n'est pas un lien de participation Nous (il commence par `nous:participate/1/`)
error-participate-damaged-link = lien de participation abîmé : { $detail }
error-participate-wrong-relay = la clé du relais n'est pas celle que nomme le lien de participation
error-participate-unknown = le relais ne connaît pas cette participation
error-participate-rate = le relais a refusé l'enregistrement : trop d'envois ; réessayez dans une minute
error-participate-refused = le relais a refusé l'enregistrement : { $reason }
error-participate-answer = la réponse du relais est inutilisable : { $detail }
error-participate-empty = une contribution demande un titre et un texte
# Les refus du relais lui-même, par code (ceux de la gouvernance se disent
# d'après reasons.ftl).
error-participate-relay = { $code ->
    [kind] l'appareil d'un citoyen ne peut pas écrire ce genre d'acte par le relais
    [channel] une contribution envoyée par le relais vient de l'appareil même de son auteur
    [community] l'acte concerne une autre communauté que celle de la participation
    [participation] l'acte porte sur une autre participation
    [too-large] l'acte est plus grand que ce que le relais accepte
    [author] l'acte est signé par un autre appareil que celui qui l'envoie
    [record] ce n'est pas un acte valide
    [request] le relais n'a pas compris la demande
   *[other] le relais n'a pas pu garder l'acte
}

# `nous participation link` et les commandes des citoyens (`--link`).
participate-link-made = Lien de participation pour « { $title } », pour les citoyens :
participate-link-public = Quiconque le détient peut lire la participation et, tant qu'une phase reçoit les contributions de tous, contribuer depuis son propre appareil sans devenir membre.
participate-link-secret = Ce lien porte le secret d'une invitation : quiconque le détient peut contribuer tant qu'une phase reçoit les contributeurs invités. Ne le remettez qu'à celles et ceux que vous invitez.
participate-link-how = Ils lancent : nous participation show --link LIEN, puis nous contribute --link LIEN … (la clé de leur appareil est leur seul pseudonyme ; rien de personnel n'est signé).
participate-show-head = { $title } — organisée par { $community }
participate-show-closed = Close : contributions et réponses sont définitives.
participate-show-phase = Phase en cours : { $phase }, depuis le { $at }
participate-show-open = Reçoit des contributions maintenant, de { $who }.
participate-show-not-open = Ne reçoit pas de contributions maintenant.
participate-show-categories = Catégories : { $categories }
participate-show-text = Le texte soumis à la concertation :
participate-show-contributions = { $count ->
    [one] { $count } contribution :
   *[other] { $count } contributions :
}
participate-supports = { $count ->
    [one] { $count } soutien
   *[other] { $count } soutiens
}
participate-sent = Envoyé au relais : les membres de la communauté le reçoivent à leur prochaine synchronisation.
participate-no-transcription = Seule l'équipe de l'organisateur transcrit les contributions venues d'une réunion, du papier ou du courrier ; un citoyen contribue depuis son propre appareil.
participate-no-contribution = Aucune contribution { $id } dans cette participation.
participate-ambiguous = Plusieurs contributions commencent par { $id } : donnez-en davantage.
participate-contribution-who = De { $pseudonym } ({ $author }), catégorie { $category }
participate-awaiting-answer = en attente de son avis argumenté
participate-members-only = `nous { $what }` est réservé à l'équipe de l'organisateur, membres de la communauté ; un lien de participation permet à un citoyen de contribuer, modifier, retirer, soutenir et signaler, rien d'autre.
cmd-participation-link = Afficher le lien de participation pour les citoyens (`nous:participate/1/…`), avec un QR code : des personnes qui ne sont pas membres de la communauté lisent la participation et y contribuent par le relais avec ce lien, en signant avec la seule clé de leur appareil (leur pseudonyme ; rien de personnel n'est signé). Les actes de la communauté sont d'abord synchronisés avec le relais.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu). Par défaut : la seule de la communauté
    .relay = Le relais par lequel les citoyens la joignent. Par défaut : le seul relais que ce dossier connaît
    .invitation = Émettre une invitation et mettre son secret dans le lien, pour les phases réservées aux contributeurs invités : qui détient le lien peut alors contribuer. Ne le remettez qu'à celles et ceux que vous invitez.
    .expires = Durée de validité de l'invitation (`30m`, `12h`, `30d`)
    .uses = Combien d'appareils peuvent utiliser l'invitation (par défaut : sans limite)
    .no_qr = N'afficher aucun QR code
