"""Run the same work from several threads at once, as a threaded web worker would."""

import threading


def at_once(app, work, count: int = 8) -> tuple[list, list]:
    """`work()` in `count` threads, each in its own app context: (what they returned, the
    exceptions they raised, as repr strings)."""
    results, failures = [], []

    def run():
        try:
            with app.app_context():
                results.append(work())
        except Exception as exc:  # noqa: BLE001  (reported to the test, not swallowed)
            failures.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, failures
