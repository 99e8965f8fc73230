oardel 5
