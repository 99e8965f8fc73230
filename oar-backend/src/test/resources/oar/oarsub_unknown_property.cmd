oarsub --property "nosuchcol='x'" --resource /nodes=1,walltime=0:05:00 'sleep 1'
