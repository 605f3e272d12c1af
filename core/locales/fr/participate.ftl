# Un citoyen dans une participation, par un relais (`participate` de `nous-api`).

error-participate-not-a-link = ce n'est pas un lien de participation Nous (il commence par `nous:participate/1/`)
error-participate-damaged-link = lien de participation abîmé : { $detail }
error-participate-wrong-relay = la clé du relais n'est pas celle que nomme le lien de participation
error-participate-unknown = le relais ne connaît pas cette participation
error-participate-rate = le relais a refusé l'enregistrement : trop d'envois ; réessayez dans une minute
error-participate-refused = le relais a refusé l'enregistrement : { $reason }
error-participate-answer = la réponse du relais est inutilisable : { $detail }
error-participate-empty = une contribution demande un titre et un texte
