oarwalltime 2000 +0:05:00
