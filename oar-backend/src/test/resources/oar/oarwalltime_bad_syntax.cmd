oarwalltime 1998 +1h
