"""The event contract: what a valid 8.LYTICS v3 event is, and how a line becomes facts.

`vocabulary` names the constants, `diagnose` is the full rule book (every problem of a
line), `fast` recognises clean events at C speed, `decode` ties them together and
`schema` writes the same contract as a JSON Schema.
"""

from interact_cli.contract.decode import Decoded, EventDecoder
from interact_cli.contract.facts import Facts, OrderLine

__all__ = ["Decoded", "EventDecoder", "Facts", "OrderLine"]
