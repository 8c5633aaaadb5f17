"""compute.jobs: several independent maps as one map of an executor."""

from reportgen.compute import jobs
from reportgen.compute.local import in_process

from conftest import in_reverse_order


def _square(shared, task):
    return shared * task * task


def _named(shared, task):
    return f"{shared}{task}"


def test_maps_together_gives_each_job_its_outputs_from_one_map():
    calls = []
    work = {"squares": jobs.Job(_square, [1, 2, 3], 10), "names": jobs.Job(_named, ["a", "b"], "x"), "none": jobs.Job(_square, [], 1)}
    outputs = jobs.maps_together(in_reverse_order(calls), work, "together")
    assert outputs == {"squares": [10, 40, 90], "names": ["xa", "xb"], "none": []}
    assert calls == [(5, "together")]  # one map of every task, run last to first here
    assert jobs.maps_together(in_process, work, "here") == outputs


def test_job_tasks_carry_their_id_and_the_name_of_their_work():
    seen = []

    def noting(function, tasks, shared, label="", imports=()):
        seen.extend((t.id, t.function_name) for t in tasks)
        assert imports == ("numpy",)
        return [function(shared, t) for t in tasks]

    jobs.maps_together(noting, {"squares": jobs.Job(_square, [2], 1), "names": jobs.Job(_named, ["b"], "a")}, "label", imports=("numpy",))
    assert seen == [("2", "_square"), ("b", "_named")]  # Dask keys its tasks by the name of their work
