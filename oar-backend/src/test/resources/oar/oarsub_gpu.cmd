oarsub --name 'oarspawner:dev:gpu:alice:gpu:8Cc2sJ_VDO4B' --project pr-training --property "(cluster='gpu') AND gpumodel='A100'" --resource /nodes=1/gpu=1,walltime=0:05:00 'sleep 300'
