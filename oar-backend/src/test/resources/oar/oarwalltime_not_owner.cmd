oarwalltime 1998 +0:05:00
