# governance — fr
