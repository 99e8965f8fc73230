oarwalltime 1998 +3:00:00
