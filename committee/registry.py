"""What carrying out a decision means, per motion kind and outcome (issue 4 §3).

The committee knows its subjects only through this registry. The app that owns a subject fills it in at
start-up (`AppConfig.ready`): the committee itself registers the kinds whose subject lives in the register
(removal, warning — see `committee.carry_out`), and the applications app registers accepting an
application (§4.1.5, §3.3.4). A decision with no registered handler cannot be carried out; the service
says so clearly instead of failing.

A handler is called inside the carrying-out transaction, with the motion locked, as
`handler(motion=motion, actor=user)`. It does the work through its own app's services (which queue the
provider's written notice) and returns a short note of what was done, kept on the motion.
"""

from collections.abc import Callable
from dataclasses import dataclass

Handler = Callable[..., str]


@dataclass(frozen=True)
class CarryOut:
    kind: str
    outcome: str
    handler: Handler
    label: str


_handlers: dict[tuple[str, str], CarryOut] = {}


def register(*, kind, outcome, handler, label="", replace=False):
    """Say what carrying out a decision of `kind` with `outcome` ("passed"/"failed") means."""
    key = (str(kind), str(outcome))
    if key in _handlers and not replace and _handlers[key].handler is not handler:
        raise ValueError(f"A carry-out handler for {key} is already registered.")
    _handlers[key] = CarryOut(kind=key[0], outcome=key[1], handler=handler, label=label)
    return handler


def unregister(*, kind, outcome):
    return _handlers.pop((str(kind), str(outcome)), None)


def handler_for(*, kind, outcome):
    """The registered CarryOut for this decision, or None."""
    return _handlers.get((str(kind), str(outcome)))


def registered():
    return dict(_handlers)
