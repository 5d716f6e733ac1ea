"""A burst of changes queues one job, which takes every id that arrived before it ran."""
from matching import receivers


def test_changes_waiting_for_a_job_join_it(monkeypatch):
    queued, done = [], []
    monkeypatch.setattr(receivers.jobs, "enqueue", lambda function, **kwargs: queued.append(function))
    updates = receivers._Coalescer(done.append)

    updates.add([1, 2])
    updates.add([2, 3])
    assert len(queued) == 1

    queued.pop()()
    assert done == [{1, 2, 3}]

    updates.add([4])
    assert len(queued) == 1
    queued.pop()()
    assert done == [{1, 2, 3}, {4}]
