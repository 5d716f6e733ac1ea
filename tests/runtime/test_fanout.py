"""Issue 11, encoding fans out: a build's encoding is shared by every running Celery worker."""
from __future__ import annotations

import re
import sys

import pytest

from matching.models import IndexState, SolutionVector
from matching.status import matching_status
from tests.marketplace.factories import SolutionFactory
from tests.runtime.conftest import Child, wait_until

pytestmark = [pytest.mark.runtime, pytest.mark.django_db(transaction=True)]

CHUNK_DONE = re.compile(r"matching\.fanout\.solution_vectors_encode\[[0-9a-f-]+\] succeeded")


def test_two_workers_share_the_chunks_of_a_build_and_the_index_holds_every_solution(stack):
    SolutionFactory.create_batch(60)
    first, second = stack.worker("first"), stack.worker("second")

    build = Child([sys.executable, "manage.py", "build_index", "--fan-out", "--no-refresh"],
                  {**stack.env, "MATCHING_FAN_OUT_CHUNK": "3"})
    stack.children.append(build)
    wait_until(lambda: build.process.poll() is not None, seconds=180, what="the build ends", stack=stack)

    assert build.process.returncode == 0, stack.outputs()
    assert "Index v1: 60 solutions" in build.output
    by_first, by_second = len(CHUNK_DONE.findall(first.output)), len(CHUNK_DONE.findall(second.output))
    assert by_first + by_second == 20  # 60 solutions in chunks of 3, each encoded once
    assert by_first > 0 and by_second > 0, stack.outputs()
    assert SolutionVector.objects.count() == 60
    assert IndexState.objects.get(name=IndexState.SOLUTIONS).size == 60
    assert matching_status()["solutions_pending"] == 0
