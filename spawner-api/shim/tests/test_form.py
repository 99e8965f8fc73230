import pytest

from oarspawner import form

PROFILES = {
    "profiles": [
        {"name": "cpu-1core-2h", "display": "1 core, 2 h", "cluster": "cpu"},
        {"name": "gpu-a100-4h", "display": "1 GPU A100, 4 h", "cluster": "gpu"},
    ],
    "clusters": [
        {"name": "cpu", "display": "HPC node - CPU", "maxCores": 4, "maxGpus": 0, "gpuModels": [], "projects": ["pr-training"]},
        {"name": "gpu", "display": "HPC node - GPU", "maxCores": 4, "maxGpus": 2, "gpuModels": ["A100", "V100"], "projects": []},
    ],
}


def test_the_form_offers_presets_clusters_and_limits():
    html = form.render(PROFILES)
    assert '<option value="gpu-a100-4h">1 GPU A100, 4 h</option>' in html
    assert '<option value="gpu">HPC node - GPU</option>' in html
    assert 'max="4"' in html and 'name="gpus"' in html
    assert '<option value="A100">A100</option>' in html
    assert '<option value="pr-training">pr-training</option>' in html


def test_the_form_escapes_what_it_shows():
    evil = {"profiles": [{"name": "x", "display": "<script>alert(1)</script>", "cluster": "c"}], "clusters": []}
    assert "<script>" not in form.render(evil)


def test_form_data_becomes_user_options():
    data = {"profile": [""], "cluster": ["gpu"], "gpus": ["1"], "gpuModel": ["A100"], "walltime": ["2:00"], "project": [""]}
    assert form.from_form(data) == {"cluster": "gpu", "gpus": "1", "gpuModel": "A100", "walltime": "2:00"}


def test_valid_options_are_cleaned():
    assert form.validate({"profile": "gpu-a100-4h"}, PROFILES) == {"profile": "gpu-a100-4h"}
    assert form.validate({"cluster": "gpu", "gpus": "2", "gpuModel": "V100", "walltime": "1:30"}, PROFILES) == \
        {"cluster": "gpu", "gpus": 2, "gpuModel": "V100", "walltime": "1:30"}
    assert form.validate({"cluster": "cpu", "cores": 4, "project": "pr-training"}, PROFILES)["cores"] == 4


@pytest.mark.parametrize("options, field", [
    ({}, "cluster"),
    ({"profile": "huge"}, "profile"),
    ({"cluster": "bigfoot"}, "cluster"),
    ({"cluster": "cpu", "cores": "many"}, "cores"),
    ({"cluster": "cpu", "cores": 8}, "cores"),
    ({"cluster": "cpu", "gpus": 1}, "gpus"),
    ({"cluster": "gpu", "gpus": 1, "gpuModel": "H100"}, "gpuModel"),
    ({"cluster": "gpu", "walltime": "2h"}, "walltime"),
    ({"cluster": "cpu", "project": "pr-other"}, "project"),
    ({"cluster": "gpu", "project": "pr x; rm -rf /"}, "project"),
])
def test_bad_options_name_their_field(options, field):
    with pytest.raises(ValueError, match=f"^{field}: "):
        form.validate(options, PROFILES)


def test_unknown_options_are_refused():
    with pytest.raises(ValueError, match="unknown option"):
        form.validate({"cluster": "cpu", "queue": "besteffort"}, PROFILES)


FREE = {
    "profiles": [
        {"name": "cpu-4cores", "display": "4 cores, 4 h", "cluster": "cpu", "cores": 4, "nodes": 1, "gpus": 0},
        {"name": "cpu-1core", "display": "1 core, 2 h", "cluster": "cpu", "cores": 1, "nodes": 1, "gpus": 0},
        {"name": "gpu-a100", "display": "1 GPU A100, 4 h", "cluster": "gpu", "cores": 0, "nodes": 1, "gpus": 1, "gpuModel": "A100"},
        {"name": "gpu-v100", "display": "1 GPU V100, 2 h", "cluster": "gpu", "cores": 0, "nodes": 1, "gpus": 1, "gpuModel": "V100"},
    ],
    "clusters": [
        {"name": "cpu", "display": "HPC node - CPU", "maxCores": 4, "maxGpus": 0, "gpuModels": [], "projects": [],
         "free": {"cores": 3, "aliveCores": 4, "gpus": {}, "ageSeconds": 4}},
        {"name": "gpu", "display": "HPC node - GPU", "maxCores": 4, "maxGpus": 2, "gpuModels": ["A100", "V100"], "projects": [],
         "free": {"cores": 2, "aliveCores": 4, "gpus": {"A100": {"free": 0, "total": 1}, "V100": {"free": 1, "total": 1}}}},
        {"name": "bench", "display": "Benchmark node", "maxCores": 1, "maxGpus": 0, "gpuModels": [], "projects": [], "free": None},
    ],
}


def test_the_form_shows_what_each_cluster_has_free_now():
    html = form.render(FREE)
    assert '<option value="cpu">HPC node - CPU (free now: 3 cores)</option>' in html
    assert '<option value="gpu">HPC node - GPU (free now: 2 cores; A100: 0 free, V100: 1 free)</option>' in html
    assert '<option value="bench">Benchmark node</option>' in html
    assert 'id="oar-free"' in html and "HPC node - GPU: free now: 2 cores; A100: 0 free, V100: 1 free" in html


def test_the_form_says_which_presets_will_queue():
    html = form.render(FREE)
    assert '<option value="cpu-4cores">4 cores, 4 h (not free now: will wait in the queue)</option>' in html
    assert '<option value="cpu-1core">1 core, 2 h</option>' in html
    assert '<option value="gpu-a100">1 GPU A100, 4 h (not free now: will wait in the queue)</option>' in html
    assert '<option value="gpu-v100">1 GPU V100, 2 h</option>' in html


def test_no_free_counts_means_no_claim():
    assert "free now" not in form.render(PROFILES) and "will wait" not in form.render(PROFILES)
