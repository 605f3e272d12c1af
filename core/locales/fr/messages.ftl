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
