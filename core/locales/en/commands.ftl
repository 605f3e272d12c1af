# commands — en
