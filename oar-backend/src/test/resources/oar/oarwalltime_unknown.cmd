oarwalltime 999999 +0:05:00
