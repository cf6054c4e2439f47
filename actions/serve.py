"""``python -m actions.serve``: rasa-sdk's action server in one process, so it can die whole.

rasa-sdk starts Sanic's worker manager: a main process holds the listening socket and a worker
process serves. When the worker dies (killed, out of memory) the main process keeps the socket
open and restarts nothing, so Rasa's calls are accepted and never answered (measured: no
answer for 2.5 minutes) and no process manager sees anything wrong. Served in a single
process, a dead action server is a closed port: Rasa is refused at once, the load balancer
sends the call to the other action server (production), and the process manager restarts it.
The arguments are rasa-sdk's own (`--actions`, `--port`, ...). At start, referral rows
spooled while the database was down are written (casework/spool.py; each referral written
afterwards does the same first).
"""

from __future__ import annotations

import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser
from rasa_sdk.executor import ActionExecutor

from casework import spool

logger = logging.getLogger(__name__)


def flush_spool() -> None:
    """Write what the spool holds; a database still down leaves it for the next referral."""
    try:
        spool.flush()
    except Exception as exc:  # the server starts all the same
        logger.warning("spooled referrals not written yet (%s)", type(exc).__name__)


def main(argv: list[str] | None = None) -> int:
    args = create_argument_parser().parse_args(argv)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    flush_spool()
    executor = ActionExecutor()
    executor.register_package(args.actions_module or args.actions)
    app = create_app_for_serve(executor, cors_origins=args.cors, endpoints=args.endpoints)
    app.run(
        host=os.environ.get("SANIC_HOST", "127.0.0.1"),
        port=args.port,
        single_process=True,
        access_log=False,
        motd=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
