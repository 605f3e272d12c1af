# commands — fr
#
# Ce que disent aux gens les commandes des documents, des conflits et du
# relais (cli/src/commands.rs, conflicts.rs, relay.rs). Les identifiants
# commencent par `commands-` : ceux qui commencent par `cmd-` sont ceux de
# l'aide (help.ftl). Chaque message existe aussi dans en/commands.ftl, avec
# les mêmes variables (un test le vérifie).

## Fichiers et erreurs

commands-no-home = aucun dossier Nous : indiquez --home DOSSIER ou définissez NOUS_HOME
commands-cannot-read = impossible de lire { $path }
commands-cannot-write = impossible d'écrire { $path }
commands-cannot-write-in = impossible d'écrire dans { $dir }
commands-import-file = { $path } :
commands-cannot-import = impossible d'importer { $path }
commands-too-large = { $path } dépasse { $mib } Mio
commands-reading-stdin = lecture de l'entrée standard
commands-not-utf8 = { $path } n'est pas de l'UTF-8 valide (octet invalide à la position { $offset })
commands-wrote = { $path } écrit ({ $bytes ->
    [one] { $bytes } octet
   *[other] { $bytes } octets
})
commands-warning = avertissement : { $warning }

## Enregistrer une modification

commands-saved-change = { $what } (modification { $change })
commands-nothing-to-change = Rien à modifier.

## init

commands-init-created =
    Dossier Nous créé dans { $home }
    Cet appareil : { $device }

## charter new, list, show, sections

commands-new-no-title-line = indiquez un titre : { $path } ne commence pas par une ligne `# Titre`
commands-new-no-title = indiquez un titre, ou --from FICHIER.md
commands-charter-created = Charte { $id } « { $title } » créée ({ $count ->
    [one] { $count } section
   *[other] { $count } sections
})
commands-no-documents = Aucun document pour l'instant. Créez-en un avec `nous charter new TITRE`.
commands-column-id = ID
commands-column-title = TITRE
commands-column-changes = MODIFICATIONS
commands-column-role = RÔLE
commands-role-charter = charte
commands-role-draft = brouillon
commands-role-shared = partagé
commands-column-updated = MIS À JOUR
commands-column-level = NIV
commands-column-heading = TITRE
commands-column-tags = ÉTIQUETTES
commands-column-articles = ARTICLES
commands-version-in-force = Version { $number } en vigueur
commands-version-in-force-unratified = Version { $number } en vigueur ; { $count ->
    [one] { $count } modification non ratifiée
   *[other] { $count } modifications non ratifiées
} (à voir avec --latest)
commands-open-conflicts-in-latest = { $count ->
    [one] { $count } conflit ouvert
   *[other] { $count } conflits ouverts
} dans le dernier texte : voir `nous conflicts { $doc }`

## charter edit, add-section, move-section, remove-section, tag

commands-edit-changed-meanwhile = { $part ->
    [title] le titre a changé pendant que vous le modifiiez
    [preamble] le préambule a changé pendant que vous le modifiiez
   *[section] la section « { $heading } » a changé pendant que vous la modifiiez
}
commands-edit-saved = { $part ->
    [title] Titre enregistré
    [preamble] Préambule enregistré
   *[section] Section « { $heading } » enregistrée
}
commands-editor-no-temporary-file = impossible de créer un fichier temporaire pour l'éditeur
commands-editor-cannot-write-temporary-file = impossible d'écrire le fichier temporaire
commands-editor-cannot-start = impossible de lancer l'éditeur `{ $editor }`
commands-editor-failed = l'éditeur a échoué ({ $status }) ; rien n'a été modifié
commands-section-added = Section { $section } « { $heading } » ajoutée
commands-section-moved = Section { $section } déplacée
commands-section-removed = Section { $section } « { $heading } » supprimée (elle reste dans l'historique)
commands-tag-nothing = indiquez --add ÉTIQUETTE ou --remove ÉTIQUETTE
commands-section-tags = Étiquettes de la section { $section } : { $tags }
commands-no-tags = (aucune)

## history

commands-no-changes = Aucune modification.
commands-history-device = appareil { $device }
commands-history-actor = acteur { $actor }
commands-history-no-message = (sans message)
commands-touched-title = titre
commands-touched-preamble = préambule
commands-touched-order = ordre des sections
commands-touched-document = document

## diff

commands-no-differences = Aucune différence.
commands-diff-title = Titre : « { $before } » → « { $after } »
commands-diff-preamble = Préambule :
commands-diff-section-added = § { $heading } ({ $id }) ajoutée
commands-diff-section-removed = § { $heading } ({ $id }) supprimée
commands-diff-section-changed = § { $heading } ({ $id }) : { $notes }
commands-diff-separator = {" ; "}
commands-diff-renamed = renommée, anciennement « { $old } »
commands-diff-moved = déplacée
commands-diff-level-was = auparavant de niveau { $level }
commands-diff-tagged = étiquetée { $tags }
commands-diff-untagged = n'est plus étiquetée { $tags }
commands-diff-text-changed = texte modifié

## bundle export, bundle import

commands-bundling = Mise en paquet
commands-bundle-written = Paquet écrit dans { $path } : { $docs ->
    [one] { $docs } document
   *[other] { $docs } documents
} ({ $bytes ->
    [one] { $bytes } octet
   *[other] { $bytes } octets
})
commands-bundle-written-with-records = Paquet écrit dans { $path } : { $docs ->
    [one] { $docs } document
   *[other] { $docs } documents
} et { $records ->
    [one] { $records } acte signé
   *[other] { $records } actes signés
} ({ $bytes ->
    [one] { $bytes } octet
   *[other] { $bytes } octets
})
commands-import-added = ajouté
commands-import-merged = { $count ->
    [one] { $count } nouvelle modification fusionnée
   *[other] { $count } nouvelles modifications fusionnées
}
commands-import-unchanged = inchangé
commands-import-line = { $id }  « { $title } »  { $what }
commands-import-records = { $count ->
    [one] { $count } acte signé
   *[other] { $count } actes signés
}, dont { $new ->
    [one] { $new } nouveau
   *[other] { $new } nouveaux
}

## conflicts

commands-conflict-in-title = le titre
commands-conflict-in-preamble = le préambule
commands-conflict-in-heading = le titre du § { $heading }
commands-conflict-in-section = le § { $heading }
commands-conflict-in-article = l'article { $number } du § { $heading }
commands-conflict-heading = conflit { $id } dans { $place } ({ $state ->
    [open] ouvert
   *[resolved] résolu
})
commands-conflict-before = avant :  « { $text } »
commands-conflict-side = { $side } : { $authors } ({ $when }) a écrit « { $text } »
commands-conflict-merged = fusionné :  « { $text } »
commands-conflict-resolve-hint = résoudre : nous conflicts resolve { $id } --take a|b  (ou --text …, --editor)
commands-no-conflicts = Aucun conflit.
commands-no-open-conflicts = Aucun conflit ouvert.
commands-conflict-document = « { $title } » ({ $doc })
commands-conflict-resolved-meanwhile = le conflit { $id } a été résolu pendant que vous le modifiiez ; rien n'a été modifié
commands-conflict-resolved = Conflit { $id } résolu : le texte est désormais « { $text } »
commands-conflict-created = conflit { $id } dans { $place } : { $authors_a } a écrit « { $text_a } », { $authors_b } a écrit « { $text_b } » ; voir `nous conflicts { $doc }`
commands-conflict-open = conflit { $id } dans { $place } : « { $text_a } » ({ $authors_a }) / « { $text_b } » ({ $authors_b }) ; fusionné en « { $merged } »

## serve, token, sync

commands-relay-listening = relais { $relay } à l'écoute sur { $url } (Ctrl-C pour arrêter)
commands-token-lifetime-zero = --lifetime doit valoir au moins une seconde
commands-token-issued =
    { $url }
    identifiant de pair : { $peer_id }
    expire dans { $lifetime } s ; utilisable une seule fois
commands-syncing = synchronisation
commands-synced-with = synchronisé avec { $relay }
commands-sync-up-to-date = { $count ->
    [one] { $count } document déjà à jour
   *[other] { $count } documents déjà à jour
}
commands-sync-added = ajouté
commands-sync-merged = { $count ->
    [one] { $count } modification fusionnée
   *[other] { $count } modifications fusionnées
}
commands-sync-unchanged = inchangé
commands-sync-unavailable = indisponible (absent du relais, ou non partagé avec vous)
commands-sync-incomplete = incomplet (délai dépassé ; relancez la commande)
commands-sync-not-synced = non synchronisé : { $reason }
commands-sync-watching = à l'écoute de { $relay } ({ $count ->
    [one] { $count } document
   *[other] { $count } documents
}) ; Ctrl-C pour arrêter
commands-sync-unfinished = la synchronisation n'est pas allée au bout : { $parts }
commands-sync-separator = {" ; "}
commands-sync-failed-part = { $id } : { $reason }
commands-sync-timed-out-part = { $count ->
    [one] { $count } document a dépassé le délai (relancez la commande)
   *[other] { $count } documents ont dépassé le délai (relancez la commande)
}

## sync: what went each way
commands-sync-registered = le relais héberge désormais « { $name } » (enregistrée avec { $count ->
    [one] { $count } acte
   *[other] { $count } actes
})
commands-sync-counts = { $documents ->
    [one] { $documents } document
   *[other] { $documents } documents
} ({ $changes ->
    [one] { $changes } modification
   *[other] { $changes } modifications
}), { $records ->
    [one] { $records } acte
   *[other] { $records } actes
}
commands-sync-sent = envoyé : { $counts }
commands-sync-received = reçu : { $counts }
commands-sync-sent-changes = { $count ->
    [one] { $count } modification envoyée
   *[other] { $count } modifications envoyées
}
commands-sync-kept-no-community = { $count ->
    [one] reste sur cet appareil, hors de vos communautés (un relais héberge les documents des communautés) : { $docs }
   *[other] restent sur cet appareil, hors de vos communautés (un relais héberge les documents des communautés) : { $docs }
}
commands-sync-kept-read-only = { $count ->
    [one] vous ne pouvez que le lire sur le relais : vos modifications restent sur cet appareil : { $docs }
   *[other] vous ne pouvez que les lire sur le relais : vos modifications restent sur cet appareil : { $docs }
}

## --editor: texts kept when their save is refused (cli/src/kept.rs)
kept-not-saved = rien n'est enregistré ; votre texte est gardé dans { $path } (`--editor` le rouvre, `--discard-kept` l'abandonne)
kept-reopened = Ouverture du texte gardé d'un enregistrement refusé : { $path }
kept-discarded = Texte gardé abandonné : { $path }
kept-nothing = Aucun texte gardé à abandonner ({ $path })
kept-still-there = Remarque : un texte gardé d'un enregistrement refusé est toujours dans { $path } (`--editor` le rouvre, `--discard-kept` l'abandonne)
kept-cannot-write = impossible de garder le texte dans { $path }
kept-cannot-remove = impossible de supprimer le texte gardé { $path }

## charter archive, restore, list --archived (a mark in this home only)
commands-archived = { $changed ->
    [yes] { $archived ->
        [yes] « { $title } » ({ $id }) archivé dans ce dossier : masqué des listes, gardé en entier (`nous charter restore` le fait revenir)
       *[no] « { $title } » ({ $id }) de retour dans les listes de ce dossier
    }
   *[no] { $archived ->
        [yes] « { $title } » ({ $id }) était déjà archivé
       *[no] « { $title } » ({ $id }) n'était pas archivé
    }
}
commands-no-archived-documents = Aucun document archivé.
commands-only-archived-documents = Aucun document dans la liste : { $count ->
    [one] { $count } archivé
   *[other] { $count } archivés
} (voir avec --archived ou --all).
commands-archived-hidden = { $count ->
    [one] { $count } document archivé non affiché
   *[other] { $count } documents archivés non affichés
} (--archived ou --all)
commands-archived-mark = (archivé)

## Barres de progression (sur un terminal seulement)
progress-verifying = vérification
progress-importing = import de { $file }

## history : les messages que Nous écrit dans les modifications
## (`nous_core::history::ChangeMessage`) ; $id : l'identifiant d'une section
## ou d'un conflit.
history-message-create-charter = créer la charte
history-message-edit-title = modifier le titre
history-message-edit-preamble = modifier le préambule
history-message-edit-section = modifier la section { $id }
history-message-add-section = ajouter une section
history-message-move-section = déplacer la section { $id }
history-message-remove-section = retirer la section { $id }
history-message-tag-section = étiqueter la section { $id }
history-message-resolve-conflict = résoudre le conflit { $id }
history-message-amend = amender

## verify : ce qu'est un acte rejeté ou un problème (`nous_core::verify::Problem::what`).
verify-what = { $what ->
    [record] acte
    [change] modification
    [version] version
    [wording] rédaction
    [document] document
    [community] communauté
    [equivocation] équivoque
   *[other] { $what }
}
