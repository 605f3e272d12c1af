# A citizen in a participation, through a relay (`nous-api`'s `participate`).

error-participate-not-a-link = not a Nous participation link (it starts with `nous:participate/1/`)
error-participate-damaged-link = damaged participation link: { $detail }
error-participate-wrong-relay = the relay's key is not the one the participation link names
error-participate-unknown = the relay knows no such participation
error-participate-rate = the relay refused the record: too many records; try again in a minute
error-participate-refused = the relay refused the record: { $reason }
error-participate-answer = the relay's answer is not usable: { $detail }
error-participate-empty = a contribution needs a title and a text
