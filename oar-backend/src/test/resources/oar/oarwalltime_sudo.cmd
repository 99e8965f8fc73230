sudo -n -u alice -- /usr/bin/oarwalltime 1998 +0:01:00
