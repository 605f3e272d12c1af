# governance — en
