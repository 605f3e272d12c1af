# demo — en
