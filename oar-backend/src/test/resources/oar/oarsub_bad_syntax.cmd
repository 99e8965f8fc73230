oarsub --resource /nodes=1,walltime=abc 'sleep 1'
