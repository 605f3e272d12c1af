# Nous — messages en français.
#
# Chaque message existe aussi dans en/messages.ftl, avec le même
# identifiant, les mêmes attributs et les mêmes variables (un test le
# vérifie). La sortie JSON ne passe jamais par ici.

## Décomptes

members-count = { $count ->
    [one] { $count } membre
   *[other] { $count } membres
}

## Erreurs de la ligne de commande

error-line = erreur : { $message }
usage-separator = {" ; "}
usage-see-help = voir --help
usage-unknown-command = commande inconnue « { $command } »
usage-unknown-argument = argument inattendu « { $argument } »
usage-did-you-mean = vouliez-vous dire { $suggestions } ?
usage-invalid-value = valeur « { $value } » invalide pour « { $argument } »
usage-possible-values = valeurs possibles : { $values }
usage-missing = { $count ->
    [one] argument manquant
   *[other] arguments manquants
} : { $arguments }
usage-missing-command = il faut une commande : { $commands }
usage-conflict = « { $argument } » ne peut pas être utilisé avec « { $other } »
usage-conflict-alone = « { $argument } » ne peut pas être donné ici
usage-too-many = trop de valeurs pour « { $argument } »
usage-too-few = pas assez de valeurs pour « { $argument } »
usage-unexpected-value = « { $argument } » ne prend pas de valeur
usage-invalid-utf8 = un argument n'est pas de l'UTF-8 valide
usage-other = arguments invalides : { $detail }
usage-unknown-language = langue inconnue « { $language } » (Nous parle : en, fr)

## Titres de l'aide

help-usage = Utilisation :
help-commands = Commandes :
help-arguments = Arguments :
help-options = Options :
help-possible-values = [valeurs possibles : { $values }]
help-default = [par défaut : { $value }]
help-flag-help = Afficher l'aide (plus de détails avec « --help »)
help-flag-help-long = Afficher l'aide (un résumé avec « -h »)
help-flag-version = Afficher la version
help-command-help = Afficher ce message ou l'aide des sous-commandes données

## nous todo

todo-nothing = Rien ne vous attend.
todo-heading = { $count ->
    [one] Une chose vous attend, la plus urgente d'abord :
   *[other] { $count } choses vous attendent, les plus urgentes d'abord :
}
todo-where = { $community }, depuis le { $since }
todo-my-hearing = Votre exclusion est proposée : l'audition a lieu le { $due }
todo-sign-charter = Vous avez été admis·e dans « { $title } » : signez la charte en vigueur pour devenir membre
todo-decide-application = La candidature de { $title } attend une décision (possible à partir du { $due })
todo-react-amendment = L'amendement « { $title } » attend votre réaction
todo-react-proposal = La proposition concernant { $title } attend votre réaction
todo-exclusion-hearing = L'audition sur l'exclusion de { $title } a lieu le { $due } ; la décision suit
todo-test-objection = Une objection à « { $title } » attend d'être testée
todo-integrate-objection = Une objection à votre amendement « { $title } » attend d'être intégrée
todo-confirm-resolved = Votre objection à « { $title } » a été intégrée : confirmez qu'elle est levée
todo-resubmit = Votre amendement « { $title } » est périmé : soumettez-le à nouveau
todo-ratify = L'amendement adopté « { $title } » attend votre ratification
todo-take-up-tension = La tension « { $title } » attend quelqu'un pour la prendre en charge
todo-new-after-sync = { $count ->
    [one] Une nouvelle chose vous attend : nous todo
   *[other] { $count } nouvelles choses vous attendent : nous todo
}
