oardel 187
