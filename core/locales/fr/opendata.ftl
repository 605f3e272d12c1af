# La synthèse et les données ouvertes d'une participation (`nous
# synthesis`, `nous participation export|name|erase|names`), et les
# synthèses que `nous verify` a recalculées.

# Un pour mille en pourcentage à une décimale.
opendata-percent = { $whole },{ $tenth } %
opendata-unattributed = les modifications propres de l'organisateur
opendata-unanswered = sans réponse
opendata-nothing = aucune
opendata-bytes = { $count ->
    [one] { $count } octet
   *[other] { $count } octets
}
opendata-kib = { $count } Kio

opendata-synthesis-head = Synthèse de « { $title } » ({ $id })
opendata-synthesis-contributions = Contributions : { $count } ({ $hidden ->
    [one] { $hidden } masquée
   *[other] { $hidden } masquées
}, { $withdrawn ->
    [one] { $withdrawn } retirée
   *[other] { $withdrawn } retirées
})
opendata-synthesis-by-author = Par auteur : { $detail } — part des citoyens { $share }
opendata-synthesis-by-state = Réponses : { $detail }
opendata-synthesis-retained = Retenues en tout ou partie : { $count } — part des citoyens { $share }
opendata-synthesis-text = Texte : { $words } mots aujourd'hui ; { $added } mots ({ $chars } caractères) ajoutés, { $kept } caractères conservés, { $removed } supprimés
opendata-synthesis-added-by = Mots ajoutés, attribués à : { $detail } — part des citoyens { $share }
opendata-synthesis-sections = Par section :
opendata-synthesis-title-part = (titre et préambule)
opendata-synthesis-section = {"  "}{ $heading } : { $words } mots, { $added } ajoutés ; { $contributions ->
    [one] { $contributions } contribution
   *[other] { $contributions } contributions
}, { $retained ->
    [one] { $retained } retenue
   *[other] { $retained } retenues
}
opendata-synthesis-commitments = Engagements : { $kept } tenus, { $pending } en cours, { $broken } non tenus
opendata-synthesis-hash = Empreinte { $hash } (méthode { $method })
opendata-synthesis-published = Publiée : acte { $record }

opendata-exists = { $file } existe : ajoutez --force pour l'écraser
opendata-exporting = Écriture des données ouvertes dans { $file }…
opendata-cannot-write = impossible d'écrire { $file }
opendata-exported = { $file } écrit : { $files } fichiers, { $contributions ->
    [one] { $contributions } contribution
   *[other] { $contributions } contributions
}, { $size }
opendata-exported-published = La synthèse qu'il contient est celle publiée par l'acte { $record }.
opendata-exported-computed = La synthèse qu'il contient a été calculée maintenant (aucune n'est encore publiée).

opendata-unknown-pseudonym = aucune contribution de cette participation ne porte le pseudonyme { $pseudonym }
opendata-named = { $pseudonym } apparaîtra sous le nom « { $name } » dans les exports de ce dossier (gardé dans ce dossier seulement ; effacez-le avec `nous participation erase { $pseudonym }`)
opendata-erased = Nom de { $pseudonym } effacé : les exports suivants ne montrent que le pseudonyme
opendata-no-name = Aucun nom n'était gardé pour { $pseudonym }
opendata-no-names = Aucun nom donné avec consentement pour cette participation
opendata-names-head = { $count ->
    [one] { $count } nom donné avec consentement (gardé dans ce dossier seulement) :
   *[other] { $count } noms donnés avec consentement (gardés dans ce dossier seulement) :
}

# $reproduced : yes, no.
opendata-verify-synthesis = Synthèse { $record } de la participation { $participation } : { $reproduced ->
    [yes] reproduite (empreinte { $hash })
   *[no] NON reproduite
}

# L'aide de la ligne de commande.
cmd-synthesis = La synthèse d'une participation, calculée sur le texte tel qu'il est : les contributions par type d'auteur et la part des citoyens, les réponses par état, le texte ajouté et conservé et à qui il est attribué, par section, les engagements ; --publish la signe.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu). Par défaut : la seule de la communauté
    .publish = La signer comme acte synthesis.publish, que `nous verify` recalcule à partir d'un paquet
cmd-participation-export = Écrire les données ouvertes de la participation dans une archive ZIP : un CSV par entité avec son jumeau JSON, datapackage.json qui les décrit, les phases en iCalendar, les contributions localisées en GeoJSON, la synthèse (la dernière publiée, sinon calculée maintenant) et le paquet pour tout vérifier. Les contributeurs y figurent sous pseudonyme, ou sous le nom donné avec leur consentement.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu). Par défaut : la seule de la communauté
    .out = L'archive à écrire (un fichier .zip)
    .force = Écraser le fichier s'il existe
cmd-participation-name = Enregistrer le nom sous lequel un contributeur a consenti à figurer dans les exports de ce dossier. Il reste dans ce dossier seulement, hors de tout acte signé, et peut être effacé avec `participation erase`.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu). Par défaut : la seule de la communauté
    .pseudonym = Le pseudonyme du contributeur (p-…), tel que les contributions le montrent
    .name = Le nom sous lequel il a consenti à figurer
cmd-participation-erase = Effacer un nom donné avec consentement : les exports suivants ne montrent que le pseudonyme. Les actes signés et les archives déjà publiées ne changent pas.
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu). Par défaut : la seule de la communauté
    .pseudonym = Le pseudonyme du contributeur (p-…)
cmd-participation-names = Lister les noms donnés avec consentement pour une participation (gardés dans ce dossier seulement)
    .community = La communauté (identifiant, préfixe ou nom). Par défaut : la seule de ce dossier
    .participation = La participation (identifiant de l'acte ou préfixe non ambigu). Par défaut : la seule de la communauté
