"""Racing one action from many threads at once, for the tests that show a conditional update
decides exactly once (stock, payments, accepting a quote, confirming a return)."""
from __future__ import annotations

import threading
from typing import Callable

from webapp.extensions import db

# A racer: called in its own thread, inside its own app context, to read what it needs; it returns
# the action, which every racer then runs at the same moment. The action returns its outcome.
Racer = Callable[[], Callable[[], str]]


def at_once(app, racers: list[Racer], refusals: dict[type, str] | None = None,
            request_context: bool = False) -> list[str]:
    """Run every racer's action at the same moment (a barrier), each thread with its own session,
    and return the outcomes: what the action returned, the word in `refusals` for an expected
    refusal, or "error: …" for anything else (the test then shows it)."""
    refusals = refusals or {}
    gate = threading.Barrier(len(racers))
    outcomes: list[str] = []

    def run(racer: Racer) -> None:
        with app.test_request_context() if request_context else app.app_context():
            try:
                action = racer()
                gate.wait()
                outcomes.append(action())
            except tuple(refusals) as refusal:
                outcomes.append(next(word for kind, word in refusals.items()
                                     if isinstance(refusal, kind)))
            except Exception as error:  # noqa: BLE001 - the test reports any other failure
                outcomes.append(f"error: {error!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(racer,)) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes
