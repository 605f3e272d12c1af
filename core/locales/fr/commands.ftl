# commands — fr
