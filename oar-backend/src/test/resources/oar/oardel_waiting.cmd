oardel 186
