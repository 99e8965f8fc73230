oarwalltime 1998 +0:00:00
