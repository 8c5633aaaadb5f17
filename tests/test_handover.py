"""reportgen.compute.handover: a forked child's result reaches its parent whole, its arrays by shared memory."""

import multiprocessing
import sys

import numpy as np
import pandas as pd
import pytest

from reportgen.compute import handover

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and memfd")


def _child(handing, sending, message):
    handing.send(sending, message)


def _handed(message):
    """What the parent receives of `message` sent by a forked child: (as received from the pipe, as handed over)."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    handing = handover.Handover()
    child = context.Process(target=_child, args=(handing, sending, message))
    child.start()
    sending.close()
    raw = receiving.recv()
    child.join()
    try:
        return raw, handing.received(raw)
    finally:
        handing.close()


def test_arrays_and_frames_arrive_equal_and_writable_without_passing_through_the_pipe():
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2020-01-01", periods=2_000)
    frame = pd.DataFrame(rng.normal(size=(2_000, 500)), index=dates, columns=[f"A{i}" for i in range(500)])  # 8 MB
    fortran = np.asfortranarray(rng.normal(size=(301, 7)))
    odd = np.arange(13, dtype=np.int8)  # 13 bytes: the next array still starts aligned
    message = ("done", {"frame": frame, "fortran": fortran, "odd": odd, "text": "kept", "flags": frame > 0}, [])
    raw, received = _handed(message)
    assert len(raw.stream) < 100_000  # the 8 MB of numbers went by the shared file
    kind, value, records = received
    assert kind == "done" and records == [] and value["text"] == "kept"
    pd.testing.assert_frame_equal(value["frame"], frame)
    pd.testing.assert_frame_equal(value["flags"], frame > 0)
    np.testing.assert_array_equal(value["fortran"], fortran)
    assert value["fortran"].flags.f_contiguous
    np.testing.assert_array_equal(value["odd"], odd)
    assert all(v.ctypes.data % handover.ALIGNMENT == 0 for v in (value["fortran"], value["odd"]))
    assert value["fortran"].flags.writeable
    value["fortran"][0, 0] = 7.0  # a write copies the page: the next array is untouched
    assert value["fortran"][0, 0] == 7.0 and value["odd"][0] == 0
    before = frame.iloc[0, 0]
    value["frame"].iloc[0, 0] = 1e9  # writable: the page is copied, nothing else sees it
    assert value["frame"].iloc[0, 0] == 1e9 and frame.iloc[0, 0] == before


def test_a_message_without_arrays_and_an_exception_arrive_as_sent():
    assert _handed(("done", 42, []))[1] == ("done", 42, [])
    kind, error, _ = _handed(("error", ValueError("bad input"), []))[1]
    assert kind == "error" and isinstance(error, ValueError) and str(error) == "bad input"
