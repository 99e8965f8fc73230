oarsub --resource /nodes=5,walltime=0:05:00 'sleep 1'
