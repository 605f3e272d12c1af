# `nous community invite`, `nous community uninvite`, `nous join`.

invite-made = Invitation à rejoindre « { $community } »{ $college ->
    [any] {""}
   *[other] {" "}(collège { $college })
}, valable jusqu'au { $until }, pour { $uses ->
    [one] une candidature
   *[other] { $uses } candidatures
}.
invite-secret = Transmettez ce lien : il est secret, qui le détient peut lire la charte et candidater.
invite-how = Pour rejoindre : nous join LIEN --name "Votre nom"
invite-unpublished = Pas encore sur le relais : il n'a pas pu être joint. Lancez `nous sync { $relay }` avant de transmettre le lien.
invite-bad-duration = « { $text } » n'est pas une durée : écrivez des minutes, des heures ou des jours (30m, 12h, 7d)
invite-no-relay = nommez le relais avec --relay ws://HÔTE:PORT (ce dossier connaît { $count ->
    [0] aucun relais
    [one] { $count } relais
   *[other] { $count } relais : { $relays }
})
invite-revoked = Invitation révoquée : les candidatures faites avec elle à partir de maintenant sont refusées
joined = Vous avez candidaté pour rejoindre « { $community } » (collège { $college }) : candidature { $application }.
joined-charter = Sa charte en vigueur : « { $title } », version { $version } (nous charter show { $charter }).
joined-next = Les membres décideront. Suivez avec `nous sync { $relay }` ; une fois admis, signez la charte : nous member sign { $application }
joined-waiting = En attente de la décision des membres de « { $community } » (Ctrl-C pour ne plus attendre ; votre candidature demeure).
joined-admitted = Admis dans « { $community } » : signez la charte pour devenir membre : nous member sign { $application }
joined-declined = Votre candidature à « { $community } » a été refusée : { $reason }
joined-still-pending = Pas encore de décision ; votre candidature attend. Suivez avec `nous sync`.
joined-colleges = Ses collèges : { $colleges }.
joined-rules = Ses règles : { $rules }.
