oarsub --resource /nodes=1/core=1,walltime=0:00:03 'sleep 120'
