# demo — fr
#
# Ce que dit `nous demo` pendant qu'elle se déroule (cli/src/demo.rs). La
# charte d'exemple et les mots des membres sont du contenu, en français
# dans les deux langues. Chaque message existe aussi dans en/demo.ftl, avec
# les mêmes variables.

demo-directory-not-empty = { $dir } contient déjà des dossiers de démonstration ; choisissez un dossier vide
demo-cannot-create = impossible de créer { $dir }
demo-cannot-create-temporary = impossible de créer un dossier temporaire
demo-homes = Dossiers Nous dans { $path }
demo-device-alice = Appareil d'Alice { $device }
demo-device-bob = Appareil de Bob  { $device }
demo-imported = Alice importe la charte d'exemple : { $doc } « { $title } », { $count ->
    [one] { $count } section
   *[other] { $count } sections
}
demo-sent = { $from } → { $to } : paquet de { $bytes ->
    [one] { $bytes } octet
   *[other] { $bytes } octets
}, { $outcome }
demo-sent-added = ajouté
demo-sent-merged = { $count ->
    [one] { $count } nouvelle modification fusionnée
   *[other] { $count } nouvelles modifications fusionnées
}
demo-sent-nothing-new = rien de nouveau
demo-offline = Hors ligne, au même moment :
demo-offline-alice = Alice : « sur demande écrite » → « sur demande écrite ou orale » (Adhésion), et une ligne dans le préambule
demo-offline-bob = Bob :   « d'un mois » → « de quinze jours » (Adhésion), et une nouvelle section « Données personnelles »
demo-exchange = Ils échangent des paquets :
demo-converged = Convergence : { $converged ->
    [yes] oui
   *[no] NON
} (têtes { $heads }) ; les deux modifications d'« Adhésion » sont gardées : { $kept ->
    [yes] oui
   *[no] NON
}
demo-history = Historique (copie d'Alice) :
demo-diff = Différences depuis l'import d'Alice ({ $heads }) :
demo-merged-section = La section fusionnée « Adhésion » :
demo-not-converged = les deux copies n'ont pas convergé
demo-verified = Vérification hors ligne : { $verdict ->
    [accepted] acceptée
   *[rejected] REJETÉE
} ({ $count ->
    [one] { $count } acte
   *[other] { $count } actes
} ; hachage du rapport { $hash })
demo-bundle-kept = Le paquet de la communauté est dans { $path } : vérifiez-le avec `nous verify { $path }`
demo-does-not-verify = le paquet de la communauté de démonstration ne passe pas la vérification : { $problem }

## Par un relais

demo-relay-did-not-start = le relais n'a pas démarré
demo-relay-starts = Un relais démarre sur { $url } (sa clé : { $key }) :
demo-relay-alice-syncs = Alice synchronise : la communauté y est désormais hébergée ({ $count ->
    [one] { $count } document envoyé
   *[other] { $count } documents envoyés
})
demo-relay-bob-edits = Bob modifie « Départ » et synchronise ; Alice synchronise et reçoit la modification : { $reached ->
    [yes] oui
   *[no] NON
} ({ $count ->
    [one] { $count } document fusionné
   *[other] { $count } documents fusionnés
})
demo-relay-outsider = Dana, qui n'est pas membre, demande la charte : { $outcome ->
    [nothing] indisponible, comme si elle n'existait pas
   *[leaked] ELLE L'A OBTENUE
}
demo-relay-thread-failed = le fil d'exécution du relais a échoué
demo-relay-stops = Le relais s'arrête et écrit son stockage sur disque.
demo-relay-failed = la partie relais de la démonstration a échoué

## Gouvernance

demo-governance = Gouvernance
demo-founded = Alice et Bob fondent « Les Communs » ({ $id }) : la version 1 de la charte est en vigueur
demo-chloe-joins = Chloé demande à entrer dans le collège des apprenants ; Bob l'admet (consentement : aucune objection) ; elle signe la charte en vigueur
demo-chloe-challenges = Chloé interpelle « Départ et exclusion » et soumet l'amendement « Droit d'être entendu » ({ $id })
demo-bob-objects = Bob fait une objection (critères a–d) ; Alice, facilitatrice, la juge valable
demo-adopted = Chloé l'intègre ; Bob confirme que son objection est levée ; Alice consent ; amendement adopté par consentement ({ $id })
demo-not-ratified = l'amendement n'a pas été ratifié
demo-ratified = Alice et Bob signent la ratification : la version { $version } de la charte est en vigueur
demo-section-in-force = « Départ et exclusion », version { $version } :
