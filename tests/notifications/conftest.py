import pytest


@pytest.fixture
def published(monkeypatch) -> list[list[int]]:
    """The id batches handed to the broker (``deliver_batch.apply_async``), in
    order, instead of publishing them."""
    from notifications import tasks

    handed: list[list[int]] = []
    monkeypatch.setattr(
        tasks.deliver_batch, "apply_async", lambda args, **kw: handed.append(args[0])
    )
    return handed
