oarwalltime 1998
