"""Test-wide switches.

``MINIGRAD_TEST_CREATE_GRAPH=1 pytest`` runs the whole suite with every ``backward()``
recording its own graph (``create_graph=True``; ``retain_graph`` still defaults to False),
so that the first-order results of the differentiable backward formulas are checked to be
the same either way. CI runs the suite both ways.
"""
import os

import pytest

from minigrad.autograd import graph

CREATE_GRAPH = os.environ.get("MINIGRAD_TEST_CREATE_GRAPH") == "1"


def pytest_configure(config):
    config.addinivalue_line("markers", "own_create_graph: the test sets create_graph and "
                            "retain_graph itself, so the create-graph run leaves backward alone")


@pytest.fixture(autouse=True)
def _backward_creates_graph(request, monkeypatch):
    if CREATE_GRAPH and request.node.get_closest_marker("own_create_graph") is None:
        real = graph.backward

        def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
                     inputs=None):
            return real(tensors, grad_tensors, bool(retain_graph), True, inputs)
        monkeypatch.setattr(graph, "backward", backward)
    yield
