# report — fr
