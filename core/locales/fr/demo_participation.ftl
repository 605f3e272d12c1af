# demo_participation — fr
#
# Ce que dit `nous demo participation` pendant qu'elle se déroule
# (cli/src/demo_participation.rs). Mêmes messages et mêmes variables que
# en/demo_participation.ftl.

demo-participation-not-as-told = la démonstration ne s'est pas déroulée comme prévu : { $what }
demo-participation-expected = { $step ->
    [view] la citoyenne n'a pas pu lire la participation à travers le relais
    [hidden] trois signalements n'ont pas masqué la contribution en attendant l'examen
    [received] la synchronisation du facilitateur n'a pas apporté les cinq contributions
    [moderated] le masquage par le modérateur n'a pas tenu
    [late] la contribution tardive n'a pas été refusée alors que les contributions sont closes
    [close-refused] la clôture n'a pas été refusée alors qu'une contribution attendait sa réponse
    [synthesis] la synthèse n'attribue pas aux citoyens ce qui leur revient
    [commitments] la participation ne s'est pas close avec ses trois engagements tenus
    [named] l'archive de données ouvertes ne porte pas le nom donné avec consentement
    [verified] le paquet ne s'est pas vérifié, ou la synthèse n'a pas été reproduite
    [timeline] la citoyenne n'a pas pu suivre sa contribution jusque dans le texte
   *[other] { $step }
}
demo-participation-day = Jour { $day } : { $what }
demo-participation-homes = Dossiers Nous dans { $path }
demo-participation-relay = Un relais démarre sur { $url } (sa clé { $key })
demo-participation-opening = la Métropole ouvre une participation
demo-participation-opened = Fred, facilitateur de « La Métropole » (avec Alice et Bob, agents), ouvre « Plan vélo » sur le projet de plan, en quatre sections ({ $id }) ; phase : contrat
demo-participation-commitments = Son contrat participatif prend trois engagements : une réponse argumentée à chaque contribution avant le jour 60, une synthèse, une réunion publique de restitution (vérifiée à la main)
demo-participation-members-sync = Fred se synchronise : le relais héberge la communauté ; Alice et Bob se synchronisent
demo-participation-strategy = la phase de contribution s'ouvre pour 30 jours, à tout le monde, par tous les canaux
demo-participation-link = Le lien de participation : { $link }
demo-participation-citizens = des citoyens contribuent à travers le relais
demo-participation-zoe-reads = Zoé, qui n'est pas membre, lit « { $title } » de « { $community } », son texte et son contrat
demo-participation-contributed = { $who } contribue : « { $title } »
demo-participation-supports = { $who } soutient la contribution de { $whose }
demo-participation-association = L'association { $who } contribue : « { $title } »
demo-participation-reported = { $who } dépose une contribution injurieuse ; Zoé, Yann et Vélo-Cité la signalent : masquée en attendant l'examen
demo-participation-paper = une fiche papier arrive à la mairie
demo-participation-transcribed = Alice, agente, la retranscrit : « { $title } » (canal : papier, au nom de « { $whom } »)
demo-participation-bob-supports = Bob, agent, la soutient
demo-participation-moderation = la modération
demo-participation-received = Fred se synchronise : { $records } nouveaux actes ; { $count } contributions, dont { $pending } { $pending ->
    [one] masquée
   *[other] masquées
} en attendant l'examen
demo-participation-hidden = Fred, modérateur, confirme le masquage en citant « { $clause } »
demo-participation-instruction = l'instruction, qui fige les contributions
demo-participation-late = { $who } tente une contribution de plus : refusée, { $reason }
demo-participation-edits = Fred intègre deux contributions au texte
demo-participation-edited = Il modifie « { $first } » (pistes séparées) et « { $second } » (rues aux écoles), et signe ses modifications
demo-participation-answer-phase = la phase des réponses
demo-participation-close-refused = Fred tente de clore : refusé, { $reason }
demo-participation-answered = Réponse à « { $title } » ({ $whose }) : { $state }, avec ses arguments
demo-participation-closing = synthèse et clôture
demo-participation-synthesis = Fred déclare tenue la réunion de restitution, preuve à l'appui, et publie la synthèse ({ $id }) :
demo-participation-synthesis-contributions = { $count } contributions (dont { $hidden } { $hidden ->
    [one] masquée
   *[other] masquées
}), { $share } % venues de citoyens
demo-participation-synthesis-retained = { $count } contributions retenues venues de citoyens, soit { $share } % des retenues
demo-participation-synthesis-text = { $words } mots ajoutés au texte, { $share } % attribués aux citoyens
demo-participation-commitment = { $status } : { $commitment }
demo-participation-closed = La participation est close.
demo-participation-open-data = Données ouvertes : une archive de { $files } fichiers ({ $rows } lignes dans ses tables, { $bytes } octets), conforme à son datapackage.json
demo-participation-named = Zoé a accepté d'être nommée : l'archive donne « { $name } » à côté de son pseudonyme
demo-participation-verified = Vérification hors ligne : { $verdict ->
    [accepted] acceptée
   *[rejected] REJETÉE
} ; synthèse reproduite : { $reproduced ->
    [yes] oui
   *[no] NON
} (empreinte du rapport { $hash })
demo-participation-zoe-follows = Zoé suit sa contribution :
demo-participation-zoe-answer = À travers le relais : { $state }, « { $argument } »
demo-participation-timeline = jour { $day } : { $event }
demo-participation-kept = Les dossiers sont dans { $path } (à explorer avec `nous --home { $path }/fred …`) ; l'archive de données ouvertes est { $archive }
