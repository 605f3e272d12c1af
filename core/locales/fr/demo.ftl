# demo — fr
